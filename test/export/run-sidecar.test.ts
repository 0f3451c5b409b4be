/**
 * runSidecar in-process with a fake sampler: the consumer API the rules evaluator plugs into,
 * and what reaches the collector.
 */
import { SeverityNumber } from '@opentelemetry/api-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { runSidecar, type ConsumerFactory } from '../../src/commands/run.js';
import { resolveRunOptions } from '../../src/config/run-options.js';
import { createSidecarLog } from '../../src/sidecar/log.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { busySnapshot } from '../metrics/fixtures.js';
import { decodeMetrics, startReceiver, type OtlpReceiver } from '../support/otlp_receiver.js';

let collector: OtlpReceiver | null = null;
afterEach(async () => {
  await collector?.close();
  collector = null;
});

describe('runSidecar', () => {
  it('feeds the metrics holder first, then registered consumers, and exports their log records', async () => {
    collector = await startReceiver();
    const lines: string[] = [];
    const log = createSidecarLog('json', { write: (l) => lines.push(l) });
    const seen: string[] = [];
    let closed = false;
    const rulesLike: ConsumerFactory = ({ telemetry, options }) => {
      const logger = telemetry.loggerProvider.getLogger('netstat-otel.alerts');
      expect(options.rules).toBe('/etc/netstat-otel/rules');
      return {
        name: 'rules',
        onSnapshot: (s: Snapshot) => {
          seen.push(`rules saw conntrack ${s.conntrack?.count}`);
          logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'conntrack-table-high fired' });
        },
        close: async () => void (closed = true),
      };
    };
    const options = resolveRunOptions({ once: true, rules: '/etc/netstat-otel/rules' }, {});
    const code = await runSidecar(options, {
      sample: async () => busySnapshot(),
      consumers: [rulesLike],
      log,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    });
    expect(code).toBe(0);
    expect(seen).toEqual(['rules saw conntrack 120']);
    expect(closed).toBe(true);

    const events = lines.map((l) => JSON.parse(l) as { event: string; consumers?: string[]; message: string });
    expect(events.find((e) => e.event === 'start')?.consumers).toEqual(['metrics', 'snapshot errors', 'rules']);
    // What the snapshot could not read is said, once each, as FILE: message.
    expect(events.filter((e) => e.event === 'snapshot_error').map((e) => e.message)).toEqual([
      '/proc/sys/net/netfilter/nf_conntrack_count: EACCES',
      '/proc/sys/net/netfilter/nf_conntrack_max: EACCES',
      'routes: odd line',
    ]);
    expect(events.find((e) => e.event === 'sample')?.message).toBe(
      'tcp estab=3 listen=2 time_wait=1 close_wait=0 | udp=2 | listeners=3 | conntrack 120/262144 (0.0%) | errors=3',
    );

    const metrics = decodeMetrics(collector.requests.find((r) => r.path === '/v1/metrics')!);
    expect(metrics.metrics.find((m) => m.name === 'system.network.conntrack.count')?.points[0]?.value).toBe(120);
    expect(collector.requests.filter((r) => r.path === '/v1/metrics')).toHaveLength(1);
    const logs = collector.requests.find((r) => r.path === '/v1/logs');
    expect(logs?.body.toString('utf8')).toContain('conntrack-table-high fired');
  });

  it('stops when aborted, closing consumers, and a failing consumer does not stop the loop', async () => {
    const controller = new AbortController();
    let ticks = 0;
    const lines: string[] = [];
    const code = await runSidecar(resolveRunOptions({ interval: '100ms' }, {}), {
      sample: async () => busySnapshot(),
      consumers: [
        () => ({
          name: 'flaky',
          onSnapshot: () => {
            ticks += 1;
            if (ticks === 3) controller.abort();
            throw new Error('rule engine hiccup');
          },
          close: async () => undefined,
        }),
      ],
      signal: controller.signal,
      log: createSidecarLog('text', { write: (l) => lines.push(l) }),
      env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    });
    expect(code).toBe(0);
    expect(ticks).toBe(3);
    expect(lines.filter((l) => l.includes('ERROR consumer flaky: rule engine hiccup'))).toHaveLength(3);
  });

  it('a sample that throws is said once, with where it came from, and sampling goes on', async () => {
    const controller = new AbortController();
    let calls = 0;
    const lines: string[] = [];
    const code = await runSidecar(resolveRunOptions({ interval: '100ms' }, {}), {
      sample: async () => {
        calls += 1;
        if (calls === 6) controller.abort();
        if (calls <= 3) [].push(...(new Array(1_000_000) as never[])); // a sampler bug on a huge table
        return busySnapshot();
      },
      signal: controller.signal,
      log: createSidecarLog('text', { write: (l) => lines.push(l) }),
      env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    });
    expect(code).toBe(0);
    const failures = lines.filter((l) => l.includes('ERROR sampling failed'));
    expect(failures, lines.join('')).toHaveLength(1);
    expect(failures[0]).toMatch(/Maximum call stack size exceeded \(at .*run-sidecar\.test\.ts:\d+:\d+\)/);
    expect(lines.filter((l) => l.includes('tcp estab=')).length).toBeGreaterThanOrEqual(2);
  });

  it('--once whose sample fails still shuts down, then fails', async () => {
    const lines: string[] = [];
    await expect(
      runSidecar(resolveRunOptions({ once: true }, {}), {
        sample: async () => Promise.reject(new Error('cannot read /proc/net/tcp')),
        log: createSidecarLog('text', { write: (l) => lines.push(l) }),
        env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
      }),
    ).rejects.toThrow('cannot read /proc/net/tcp');
    expect(lines.some((l) => l.includes('tcp estab='))).toBe(false);
  });
});
