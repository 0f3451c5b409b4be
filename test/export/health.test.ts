import { ExportResultCode } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { ExportHealth, HealthTrackingMetricExporter } from '../../src/export/health.js';
import { AggregationTemporality, InstrumentType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

function recorder() {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    log: {
      info: (message: string) => lines.push({ level: 'info', message }),
      warn: (message: string) => lines.push({ level: 'warn', message }),
    },
  };
}

const ok = { code: ExportResultCode.SUCCESS };
const refused = { code: ExportResultCode.FAILED, error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' }) };

describe('ExportHealth', () => {
  it('logs once when the collector goes away and once when it is back', () => {
    const { lines, log } = recorder();
    const health = new ExportHealth('http://localhost:4318/v1/metrics', 'metrics', log);
    health.record(ok);
    for (let i = 0; i < 5; i++) health.record(refused);
    expect(health.state).toBe('failing');
    expect(health.failures).toBe(5);
    health.record(ok);
    health.record(ok);
    for (let i = 0; i < 3; i++) health.record(refused);
    expect(lines).toEqual([
      { level: 'warn', message: 'collector at http://localhost:4318/v1/metrics unreachable: connect ECONNREFUSED 127.0.0.1:4318; retrying' },
      { level: 'info', message: 'collector at http://localhost:4318/v1/metrics reachable again (metrics; 5 export(s) lost)' },
      { level: 'warn', message: 'collector at http://localhost:4318/v1/metrics unreachable: connect ECONNREFUSED 127.0.0.1:4318; retrying' },
    ]);
  });

  it('says so when the first export already fails, and names HTTP statuses', () => {
    const { lines, log } = recorder();
    const health = new ExportHealth('https://otlp.example.com/v1/logs', 'logs', log);
    health.record({ code: ExportResultCode.FAILED, error: Object.assign(new Error('Unauthorized'), { code: 401, data: 'bad key' }) });
    expect(lines).toEqual([{ level: 'warn', message: 'collector at https://otlp.example.com/v1/logs rejected the export: HTTP 401: bad key; the next sample is exported again' }]);
  });

  it('calls a 4xx a rejection (not an outage); 408 and 429 mean try later', () => {
    const failed = (code: number) => ({ code: ExportResultCode.FAILED, error: Object.assign(new Error('x'), { code }) });
    for (const [code, retried, expected] of [
      [403, true, 'collector at u rejected the export: HTTP 403; rejected alert records are dropped and counted in netstat.alerts.dropped'],
      [404, false, 'collector at u rejected the export: HTTP 404; the next sample is exported again'],
      [408, true, 'collector at u unreachable: HTTP 408; retrying'],
      [429, false, 'collector at u unreachable: HTTP 429; retrying'],
      [503, true, 'collector at u unreachable: HTTP 503; retrying'],
    ] as const) {
      const { lines, log } = recorder();
      new ExportHealth('u', 'logs', log, { retried }).record(failed(code));
      expect(lines).toEqual([{ level: 'warn', message: expected }]);
    }
  });
});

describe('HealthTrackingMetricExporter', () => {
  const fake = (result: typeof ok | typeof refused, calls: string[]): PushMetricExporter => ({
    export: (_m, cb) => {
      calls.push('export');
      cb(result);
    },
    forceFlush: async () => void calls.push('flush'),
    shutdown: async () => void calls.push('shutdown'),
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    selectAggregation: () => ({ type: 0 }) as never,
  });

  it('passes results through, records them, and keeps the inner temporality', async () => {
    const calls: string[] = [];
    const { lines, log } = recorder();
    const health = new ExportHealth('u', 'metrics', log);
    const exporter = new HealthTrackingMetricExporter(fake(refused, calls), health);
    const results: number[] = [];
    exporter.export({} as ResourceMetrics, (r) => results.push(r.code));
    expect(results).toEqual([ExportResultCode.FAILED]);
    expect(lines).toHaveLength(1);
    expect(exporter.selectAggregationTemporality(InstrumentType.OBSERVABLE_COUNTER)).toBe(AggregationTemporality.CUMULATIVE);
    await exporter.forceFlush();
    await exporter.shutdown();
    expect(calls).toEqual(['export', 'flush', 'shutdown']);
  });

  it('skips exports after skipExports is set (no duplicate export on shutdown)', () => {
    const calls: string[] = [];
    const exporter = new HealthTrackingMetricExporter(fake(ok, calls), new ExportHealth('u', 'metrics', recorder().log));
    exporter.skipExports = true;
    const results: number[] = [];
    exporter.export({} as ResourceMetrics, (r) => results.push(r.code));
    expect(results).toEqual([ExportResultCode.SUCCESS]);
    expect(calls).toEqual([]);
  });

  it('turns a throwing exporter into a failed result', () => {
    const { lines, log } = recorder();
    const exporter = new HealthTrackingMetricExporter(
      { ...fake(ok, []), export: () => { throw new Error('boom'); } },
      new ExportHealth('u', 'metrics', log),
    );
    const results: number[] = [];
    exporter.export({} as ResourceMetrics, (r) => results.push(r.code));
    expect(results).toEqual([ExportResultCode.FAILED]);
    expect(lines[0]?.message).toContain('boom');
  });
});
