/**
 * The Resource every metric and log record carries: service.name=netstat-otel (unless
 * OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise), host.name/arch/id, os.type/version,
 * plus OTEL_RESOURCE_ATTRIBUTES. Later merges win, so the environment has the last word.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '../semconv.js';

export const SERVICE_NAME = 'netstat-otel';

/** Our version from package.json (src/export/ and dist/export/ are both two levels below it). */
export function packageVersion(): string {
  try {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function buildResource(): Promise<Resource> {
  const ours = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: SERVICE_NAME,
    [ATTR_SERVICE_VERSION]: packageVersion(),
    // One sidecar per host: the host name identifies the instance, and becomes Prometheus's
    // `instance` label under the standard OTLP translation, which dashboards select hosts by.
    'service.instance.id': hostname(),
  });
  // envDetector last: OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES override what was detected.
  const detected = detectResources({ detectors: [hostDetector, osDetector, envDetector] });
  const resource = defaultResource().merge(ours).merge(detected);
  // host.id is read asynchronously; settle it once here so no exporter has to wait per export.
  await resource.waitForAsyncAttributes?.();
  return resource;
}
