/**
 * netstat.alerts.queued / netstat.alerts.dropped: read from the queue at every collection, both
 * drop reasons always present, and absent when there is no queue.
 */
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { registerMetrics } from '../../src/metrics/instruments.js';
import { LatestSnapshot } from '../../src/metrics/latest.js';
import type { AlertQueueStats } from '../../src/metrics/observe.js';
import { busySnapshot } from '../metrics/fixtures.js';

async function collect(stats: AlertQueueStats | null, withSnapshot: boolean) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const provider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2_000_000_000, exportTimeoutMillis: 5_000 })],
  });
  const latest = new LatestSnapshot();
  if (withSnapshot) latest.onSnapshot(busySnapshot());
  registerMetrics(provider.getMeter('t'), latest, { alertQueue: stats === null ? null : { stats: () => stats } });
  await provider.forceFlush();
  const points = new Map<string, { attributes: Record<string, unknown>; value: number }[]>();
  for (const rm of exporter.getMetrics())
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics) points.set(m.descriptor.name, m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value as number })));
  await provider.shutdown();
  return points;
}

describe('alert queue metrics', () => {
  it('reports the queue length and drops by reason, with the snapshot\'s metrics', async () => {
    const points = await collect({ queued: 7, dropped: { queue_full: 3, rejected: 0 } }, true);
    expect(points.get('netstat.alerts.queued')).toEqual([{ attributes: {}, value: 7 }]);
    expect(points.get('netstat.alerts.dropped')).toEqual([
      { attributes: { 'netstat.alerts.drop.reason': 'queue_full' }, value: 3 },
      { attributes: { 'netstat.alerts.drop.reason': 'rejected' }, value: 0 },
    ]);
  });

  it('reports nothing before the first sample, like every other metric', async () => {
    const points = await collect({ queued: 7, dropped: { queue_full: 3, rejected: 0 } }, false);
    expect(points.get('netstat.alerts.queued') ?? []).toEqual([]);
  });

  it('leaves them out when alerts are not exported over OTLP (no queue)', async () => {
    const points = await collect(null, true);
    expect(points.get('netstat.alerts.queued') ?? []).toEqual([]);
    expect(points.get('system.network.conntrack.count')?.[0]?.value).toBe(120);
  });
});
