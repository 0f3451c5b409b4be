import { SeverityNumber } from '@opentelemetry/api-logs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { createTelemetry, type Telemetry } from '../../src/export/telemetry.js';
import { startReceiver, type OtlpReceiver } from '../support/otlp_receiver.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const quiet = { info: () => undefined, warn: () => undefined };

async function telemetryFor(env: Record<string, string>, extra: Partial<Parameters<typeof createTelemetry>[0]> = {}): Promise<Telemetry> {
  const t = await createTelemetry({ metricExportIntervalMillis: null, env, log: quiet, ...extra });
  cleanups.push(() => t.shutdown());
  return t;
}

async function receiver(): Promise<OtlpReceiver> {
  const r = await startReceiver();
  cleanups.push(() => r.close());
  return r;
}

describe('createTelemetry', () => {
  it.each([
    ['http/json', 'application/json'],
    ['http/protobuf', 'application/x-protobuf'],
  ])('exports alert log records over OTLP %s to OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', async (protocol, contentType) => {
    const collector = await receiver();
    const telemetry = await telemetryFor({
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', // metrics would go here; logs must not
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${collector.url}/custom/logs`,
    });
    expect(telemetry.endpoints.logs).toBe(`${collector.url}/custom/logs`);
    telemetry.loggerProvider.getLogger('netstat-otel.alerts').emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'conntrack at 91% of max',
      attributes: { 'alert.name': 'conntrack-table-high', 'alert.state': 'firing' },
    });
    await telemetry.forceFlush();
    const request = await collector.waitFor('/custom/logs', 5_000);
    expect(request.contentType).toContain(contentType);
    const body = request.body.toString('utf8');
    for (const text of ['conntrack at 91% of max', 'alert.name', 'conntrack-table-high', 'netstat-otel.alerts', 'service.name']) {
      expect(body).toContain(text);
    }
    expect(telemetry.health.logs?.state).toBe('ok');
  });

  it('exports metrics only when asked to (flushMetrics), to the resolved URL', async () => {
    const collector = await receiver();
    const telemetry = await telemetryFor({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    telemetry.meterProvider.getMeter('t').createObservableGauge('g').addCallback((r) => r.observe(1));
    await new Promise((r) => setTimeout(r, 200));
    expect(collector.requests).toHaveLength(0);
    await telemetry.flushMetrics();
    expect(collector.requests.map((r) => r.path)).toEqual(['/v1/metrics']);
    await telemetry.shutdown({ finalMetricExport: false });
    expect(collector.requests).toHaveLength(1);
  });

  it('exports on its own timer when given an interval', async () => {
    const collector = await receiver();
    const telemetry = await telemetryFor({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, { metricExportIntervalMillis: 100 });
    telemetry.meterProvider.getMeter('t').createObservableGauge('g').addCallback((r) => r.observe(1));
    await collector.waitFor('/v1/metrics', 3_000);
  });

  it('OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER=none switch OTLP off', async () => {
    const telemetry = await telemetryFor({ OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
    expect(telemetry.endpoints).toMatchObject({ metrics: null, logs: null, prometheus: null });
    expect(telemetry.health).toEqual({ metrics: null, logs: null });
    await telemetry.forceFlush();
  });

  it('refuses grpc, which this sidecar does not speak', async () => {
    await expect(createTelemetry({ metricExportIntervalMillis: null, env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, log: quiet })).rejects.toThrow(
      UsageError,
    );
  });

  it('reports a Prometheus port that is taken as a usage error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as { port: number }).port;
    await expect(
      createTelemetry({ metricExportIntervalMillis: null, env: { OTEL_METRICS_EXPORTER: 'none' }, log: quiet, prometheus: { port } }),
    ).rejects.toThrow(new RegExp(`cannot serve Prometheus metrics on 127.0.0.1:${port}`));
  });
});
