/**
 * One copy of each OpenTelemetry package. The metric exporters pin exact SDK versions, so npm
 * nests a second and third copy of the SDK under them when the top-level versions differ by a
 * patch (`overrides` in package.json prevents it); each copy is loaded at start and stays in
 * the sidecar's memory (~1-2 MiB of RSS).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './repo.js';

const LOCK = JSON.parse(readFileSync(repoPath('package-lock.json'), 'utf8')) as { packages: LockPackages };

type LockPackages = Record<string, { version?: string; dev?: boolean }>;

/** Production installs of @opentelemetry packages below another package's node_modules. */
function nestedOtelCopies(packages: LockPackages): string[] {
  return Object.entries(packages)
    .filter(([p, meta]) => !meta.dev && p.split('node_modules/').length > 2 && p.slice(p.lastIndexOf('node_modules/')).startsWith('node_modules/@opentelemetry/'))
    .map(([p, meta]) => `${p}@${meta.version}`);
}

describe('installed dependencies', () => {
  it('has every @opentelemetry package once, at the top level', () => {
    expect(Object.keys(LOCK.packages).filter((p) => p.startsWith('node_modules/@opentelemetry/')).length).toBeGreaterThan(5);
    expect(nestedOtelCopies(LOCK.packages)).toEqual([]);
  });

  it('a nested copy is found (as npm installed them before the overrides)', () => {
    const before: LockPackages = {
      'node_modules/@opentelemetry/core': { version: '2.12.1' },
      'node_modules/@opentelemetry/exporter-metrics-otlp-http/node_modules/@opentelemetry/core': { version: '2.12.0' },
      'node_modules/vitest/node_modules/@opentelemetry/api': { version: '1.9.0', dev: true },
    };
    expect(nestedOtelCopies(before)).toEqual(['node_modules/@opentelemetry/exporter-metrics-otlp-http/node_modules/@opentelemetry/core@2.12.0']);
  });
});
