/**
 * otel-config.example.yaml must be a collector config that starts: every component a pipeline or
 * the service names is defined, nothing is defined and left unused, secrets come from ${env:...}.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENDPOINT } from '../../src/export/otlp-config.js';
import { parseYaml, type YamlValue } from './mini-yaml.js';
import { ROOT } from '../support/sidecar_process.js';

type Obj = { [key: string]: YamlValue };
const obj = (v: YamlValue | undefined, what: string): Obj => {
  expect(v !== null && typeof v === 'object' && !Array.isArray(v), `${what} is a mapping`).toBe(true);
  return v as Obj;
};
const list = (v: YamlValue | undefined, what: string): string[] => {
  expect(Array.isArray(v), `${what} is a list`).toBe(true);
  return v as string[];
};

const config = obj(parseYaml(readFileSync(path.join(ROOT, 'otel-config.example.yaml'), 'utf8')), 'config');

describe('mini-yaml', () => {
  it('parses the subset and refuses what it does not know', () => {
    expect(parseYaml('a:\n  b: [x, y] # c\n  c: "q: r"\n  d:\n    - 1\n    - 2\ne: ${env:X:-y}\n')).toEqual({
      a: { b: ['x', 'y'], c: 'q: r', d: ['1', '2'] },
      e: '${env:X:-y}',
    });
    expect(() => parseYaml('a: |\n  text\n')).toThrow(/block scalars/);
    expect(() => parseYaml('a: 1\na: 2\n')).toThrow(/duplicate key/);
    expect(() => parseYaml('a:\n  b: 1\n c: 2\n')).toThrow();
  });
});

describe('otel-config.example.yaml', () => {
  const sections = ['extensions', 'receivers', 'processors', 'exporters'] as const;
  const service = obj(config['service'], 'service');
  const pipelines = obj(service['pipelines'], 'service.pipelines');

  it('receives OTLP on 4318 (HTTP, where the sidecar sends by default) and 4317 (gRPC)', () => {
    const protocols = obj(obj(obj(config['receivers'], 'receivers')['otlp'], 'otlp')['protocols'], 'protocols');
    expect(obj(protocols['http'], 'http')['endpoint']).toMatch(/:4318$/);
    expect(obj(protocols['grpc'], 'grpc')['endpoint']).toMatch(/:4317$/);
    expect(new URL(DEFAULT_ENDPOINT).port).toBe('4318');
  });

  it('has metrics and logs pipelines whose every component is defined', () => {
    expect(Object.keys(pipelines).sort()).toEqual(['logs', 'metrics']);
    for (const [name, p] of Object.entries(pipelines)) {
      const pipeline = obj(p, name);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        const defined = obj(config[kind], kind);
        for (const id of list(pipeline[kind], `${name}.${kind}`)) expect(Object.keys(defined), `${name} uses ${kind} ${id}`).toContain(id);
      }
      const processors = list(pipeline['processors'], `${name}.processors`);
      expect(processors[0], 'memory_limiter first').toBe('memory_limiter');
      expect(processors.at(-1), 'batch last').toBe('batch');
      expect(processors).toContain('resourcedetection');
      expect(list(pipeline['exporters'], name).sort()).toEqual(['datadog', 'debug', 'otlphttp/grafana_cloud', 'otlphttp/honeycomb']);
    }
  });

  it('uses every component it defines, and enables the extensions exporters authenticate with', () => {
    const used = new Set(Object.values(pipelines).flatMap((p) => ['receivers', 'processors', 'exporters'].flatMap((k) => list(obj(p, 'p')[k], k))));
    for (const section of sections.slice(1)) for (const id of Object.keys(obj(config[section], section))) expect(used, `${section}.${id} used`).toContain(id);
    const enabled = list(service['extensions'], 'service.extensions');
    expect(enabled.sort()).toEqual(Object.keys(obj(config['extensions'], 'extensions')).sort());
    for (const [id, e] of Object.entries(obj(config['exporters'], 'exporters'))) {
      const auth = e && typeof e === 'object' && !Array.isArray(e) ? (e as Obj)['auth'] : undefined;
      if (auth !== undefined) expect(enabled, `${id}'s authenticator is enabled`).toContain(obj(auth, 'auth')['authenticator']);
    }
  });

  it('configures each vendor with the documented fields, secrets from the environment', () => {
    const exporters = obj(config['exporters'], 'exporters');
    const dd = obj(obj(exporters['datadog'], 'datadog')['api'], 'datadog.api');
    expect(dd['key']).toBe('${env:DD_API_KEY}');
    expect(dd['site']).toMatch(/^\$\{env:DD_SITE(:-[a-z0-9.]+)?\}$/);
    const honeycomb = obj(exporters['otlphttp/honeycomb'], 'honeycomb');
    expect(honeycomb['endpoint']).toMatch(/^https:\/\/api(\.eu1)?\.honeycomb\.io$/);
    expect(obj(honeycomb['headers'], 'headers')['x-honeycomb-team']).toMatch(/^\$\{env:[A-Z_]+\}$/);
    const grafana = obj(exporters['otlphttp/grafana_cloud'], 'grafana');
    expect(grafana['endpoint']).toMatch(/^\$\{env:[A-Z_]+\}$/);
    const basic = obj(obj(obj(config['extensions'], 'extensions')['basicauth/grafana_cloud'], 'basicauth')['client_auth'], 'client_auth');
    expect(basic['username']).toMatch(/^\$\{env:[A-Z_]+\}$/);
    expect(basic['password']).toMatch(/^\$\{env:[A-Z_]+\}$/);
    expect(obj(exporters['debug'], 'debug')['verbosity']).toMatch(/^(basic|normal|detailed)$/);
    const rd = obj(obj(config['processors'], 'processors')['resourcedetection'], 'resourcedetection');
    expect(list(rd['detectors'], 'detectors').sort()).toEqual(['env', 'system']);
  });
});
