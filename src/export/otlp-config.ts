/**
 * Which OTLP protocol and URL each signal uses, from the standard environment variables
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/). The exporters would read the
 * URL themselves, but we resolve it here too so that log lines can name the collector.
 */
import { UsageError } from '../errors.js';

export type OtlpSignal = 'metrics' | 'logs';
export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type Env = Readonly<Record<string, string | undefined>>;

/** The OTel spec's default for OTLP exporters; every collector and OTLP vendor accepts it. */
export const DEFAULT_PROTOCOL: OtlpProtocol = 'http/protobuf';
export const DEFAULT_ENDPOINT = 'http://localhost:4318';

function envValue(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

export function resolveProtocol(signal: OtlpSignal, env: Env = process.env): OtlpProtocol {
  const specific = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`;
  const name = envValue(env, specific) !== undefined ? specific : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = envValue(env, name);
  if (value === undefined) return DEFAULT_PROTOCOL;
  if (value === 'http/protobuf' || value === 'http/json') return value;
  if (value === 'grpc') {
    throw new UsageError(
      `${name}=grpc is not supported: use http/protobuf or http/json (a collector's OTLP/HTTP port is 4318)`,
    );
  }
  throw new UsageError(`${name}=${value} is not a known OTLP protocol (http/protobuf, http/json)`);
}

/**
 * The spec's rules: a signal-specific endpoint is used as is; the generic one gets `/v1/<signal>`
 * appended; without either, http://localhost:4318/v1/<signal>.
 */
export function resolveEndpoint(signal: OtlpSignal, env: Env = process.env): string {
  const specificName = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  const specific = envValue(env, specificName);
  if (specific !== undefined) return validUrl(specificName, specific).toString();
  const base = envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_ENDPOINT;
  const url = validUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base).toString();
  return `${url.endsWith('/') ? url : `${url}/`}v1/${signal}`;
}

function validUrl(name: string, value: string): URL {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  // `localhost:4318` parses as a URL with scheme `localhost:`; OTLP/HTTP needs http(s).
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`${name}=${value} is not an http(s) URL (expected e.g. http://localhost:4318)`);
  }
  return url;
}

/** OTEL_{METRICS,LOGS}_EXPORTER: `otlp` (default), `none`, and for metrics `prometheus`. */
export function exportersFromEnv(signal: OtlpSignal, env: Env = process.env): Set<string> {
  const raw = envValue(env, `OTEL_${signal.toUpperCase()}_EXPORTER`) ?? 'otlp';
  return new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''));
}

/** OTEL_EXPORTER_OTLP_{SIGNAL_}TIMEOUT in ms, as the spec defines it (default 10 s). */
export function timeoutFromEnv(signal: OtlpSignal, env: Env = process.env): number {
  for (const name of [`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_TIMEOUT`, 'OTEL_EXPORTER_OTLP_TIMEOUT']) {
    const v = Number(envValue(env, name));
    if (Number.isFinite(v) && v > 0) return v;
  }
  return 10_000;
}

/** OTEL_METRIC_EXPORT_INTERVAL in ms, or undefined when unset or invalid. */
export function exportIntervalFromEnv(env: Env = process.env): number | undefined {
  const v = Number(envValue(env, 'OTEL_METRIC_EXPORT_INTERVAL'));
  return Number.isFinite(v) && v > 0 ? v : undefined;
}
