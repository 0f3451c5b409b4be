import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  exportersFromEnv,
  resolveEndpoint,
  resolveProtocol,
  timeoutFromEnv,
} from '../../src/export/otlp-config.js';

describe('resolveProtocol', () => {
  it('defaults to http/protobuf, as the OTel spec does', () => {
    expect(resolveProtocol('metrics', {})).toBe('http/protobuf');
  });
  it('reads the generic variable, and the per-signal one first', () => {
    expect(resolveProtocol('metrics', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe('http/json');
    const env = { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf' };
    expect(resolveProtocol('metrics', env)).toBe('http/protobuf');
    expect(resolveProtocol('logs', env)).toBe('http/json');
  });
  it('refuses grpc and unknown values with a usage error naming the variable', () => {
    expect(() => resolveProtocol('metrics', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(UsageError);
    expect(() => resolveProtocol('logs', { OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'thrift' })).toThrow(/OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=thrift/);
  });
});

describe('resolveEndpoint', () => {
  it('defaults to localhost:4318 with the signal path', () => {
    expect(resolveEndpoint('metrics', {})).toBe('http://localhost:4318/v1/metrics');
    expect(resolveEndpoint('logs', {})).toBe('http://localhost:4318/v1/logs');
  });
  it('appends /v1/<signal> to the generic endpoint, keeping its path', () => {
    expect(resolveEndpoint('metrics', { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com' })).toBe('https://otlp.example.com/v1/metrics');
    expect(resolveEndpoint('logs', { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example.net/otlp/' })).toBe('https://gw.example.net/otlp/v1/logs');
  });
  it('uses a signal-specific endpoint as is', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://b:9999/custom/logs' };
    expect(resolveEndpoint('logs', env)).toBe('http://b:9999/custom/logs');
    expect(resolveEndpoint('metrics', env)).toBe('http://a:4318/v1/metrics');
  });
  it('rejects an endpoint that is not a URL', () => {
    expect(() => resolveEndpoint('metrics', { OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toThrow(UsageError);
    expect(() => resolveEndpoint('logs', { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_LOGS_ENDPOINT/);
  });
});

describe('other OTEL_* variables', () => {
  it('OTEL_{SIGNAL}_EXPORTER lists exporters, otlp by default', () => {
    expect([...exportersFromEnv('metrics', {})]).toEqual(['otlp']);
    expect([...exportersFromEnv('metrics', { OTEL_METRICS_EXPORTER: 'none' })]).toEqual(['none']);
    expect([...exportersFromEnv('metrics', { OTEL_METRICS_EXPORTER: 'otlp, prometheus' })]).toEqual(['otlp', 'prometheus']);
  });
  it('timeouts: per-signal, then generic, then 10 s', () => {
    expect(timeoutFromEnv('metrics', {})).toBe(10_000);
    expect(timeoutFromEnv('metrics', { OTEL_EXPORTER_OTLP_TIMEOUT: '2500' })).toBe(2500);
    expect(timeoutFromEnv('logs', { OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '700' })).toBe(700);
    expect(timeoutFromEnv('logs', { OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' })).toBe(10_000);
  });
});
