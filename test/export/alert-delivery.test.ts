/**
 * No lost alerts, through the real `node dist/cli.js run` and a loopback OTLP receiver that
 * answers 503/429, refuses connections, then recovers: every alert record arrives exactly once and
 * in order; over the queue bound the oldest are dropped and netstat.alerts.dropped says how many;
 * alerts spooled at SIGTERM with the collector down are delivered by the next start.
 * Alerts come from a recorded procfs root whose conntrack count the test moves (alert-fixture.ts).
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SPOOL_FILE, parseSpool } from '../../src/export/log_spool.js';
import { decodeMetrics, reservedClosedPort, startReceiver, type OtlpReceiver, type ReceivedMetrics } from '../support/otlp_receiver.js';
import { ensureBuilt, startSidecar, type Sidecar } from '../support/sidecar_process.js';
import { alertFixture, cycle, receivedAlerts, stderrAlerts, until, type AlertFixture } from './alert-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(() => ensureBuilt(), 150_000);

async function fixture(): Promise<AlertFixture> {
  const f = await alertFixture();
  cleanups.push(() => f.remove());
  return f;
}

async function receiver(port = 0): Promise<OtlpReceiver> {
  const r = await startReceiver(port);
  cleanups.push(() => r.close());
  return r;
}

function sidecar(args: string[], env: Record<string, string>): Sidecar {
  const s = startSidecar(args, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', ...env });
  cleanups.push(() => s.kill());
  return s;
}

async function stop(s: Sidecar): Promise<number> {
  const started = Date.now();
  s.child.kill('SIGTERM');
  expect(await s.waitForExit(8_000), s.stderr()).toEqual({ code: 0, signal: null });
  return Date.now() - started;
}

function metricValue(metrics: ReceivedMetrics, name: string, attributes: Record<string, string> = {}): number | undefined {
  const m = metrics.metrics.find((x) => x.name === name);
  return m?.points.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))?.value;
}

/** The newest metrics export the receiver accepted. */
function latestMetrics(r: OtlpReceiver): ReceivedMetrics | null {
  const last = r.requests.filter((q) => q.path === '/v1/metrics').at(-1);
  return last === undefined ? null : decodeMetrics(last);
}

describe('run keeps alerts while the collector is away', () => {
  it('delivers every alert exactly once and in order after 503s and refused connections', async () => {
    const f = await fixture();
    const collector = await receiver();
    collector.setMode({ kind: 'status', status: 503, retryAfter: '1' }, '/v1/logs');
    const s = sidecar(f.args('500ms'), { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    await s.waitForLine(/"event":"sample"/, 20_000);

    await cycle(f, s, [85, 86]);
    await until('a refused log export', () => collector.refused.some((r) => r.path === '/v1/logs'), 10_000, s.stderr);
    expect(receivedAlerts(collector)).toEqual([]);

    await collector.pause(); // now the connection itself is refused
    await cycle(f, s, [87]);
    await new Promise((r) => setTimeout(r, 1_500));

    collector.setMode({ kind: 'accept' }, '/v1/logs');
    await collector.resume();
    const produced = stderrAlerts(s);
    expect(produced.map((a) => a.state)).toEqual(['firing', 'resolved', 'firing', 'resolved', 'firing', 'resolved']);
    await until('all six alert records', () => receivedAlerts(collector).length >= 6, 45_000, () => JSON.stringify(receivedAlerts(collector)));
    await new Promise((r) => setTimeout(r, 1_000)); // anything sent twice would show up by now
    expect(receivedAlerts(collector)).toEqual(produced);
    expect(s.stderr()).toMatch(/collector at http:\/\/127\.0\.0\.1:\d+\/v1\/logs reachable again \(logs; \d+ failed attempt\(s\); queued records follow in order\)/);
    await stop(s);
  }, 120_000);

  it('drops the oldest over --alert-queue-size and reports them in netstat.alerts.dropped', async () => {
    const f = await fixture();
    const collector = await receiver();
    collector.setMode({ kind: 'status', status: 503 }, '/v1/logs'); // metrics still get through
    const s = sidecar([...f.args('500ms'), '--alert-queue-size', '4'], { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    await s.waitForLine(/"event":"sample"/, 20_000);

    await cycle(f, s, [85, 86, 87, 88]);
    const produced = stderrAlerts(s);
    expect(produced).toHaveLength(8);
    await until(
      'a metrics export counting 4 dropped',
      () => {
        const m = latestMetrics(collector);
        return m !== null && metricValue(m, 'netstat.alerts.dropped', { 'netstat.alerts.drop.reason': 'queue_full' }) === 4;
      },
      10_000,
      s.stderr,
    );
    const during = latestMetrics(collector)!;
    expect(metricValue(during, 'netstat.alerts.queued')).toBe(4);
    expect(metricValue(during, 'netstat.alerts.dropped', { 'netstat.alerts.drop.reason': 'rejected' })).toBe(0);
    expect(s.stderr()).toMatch(/alert queue full \(4 records/);

    collector.setMode({ kind: 'accept' }, '/v1/logs');
    await until('the kept records', () => receivedAlerts(collector).length >= 4, 45_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const got = receivedAlerts(collector);
    expect(got).toHaveLength(4);
    // In production order, newest included. (Normally exactly the newest four; a record that was
    // in flight when the bound was hit is kept and the next oldest goes instead.)
    const positions = got.map((g) => produced.findIndex((p) => p.state === g.state && p.message === g.message));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
    expect(positions.at(-1)).toBe(7);
    await until(
      'a metrics export with the queue empty',
      () => {
        const m = latestMetrics(collector);
        return m !== null && metricValue(m, 'netstat.alerts.queued') === 0;
      },
      10_000,
    );
    expect(metricValue(latestMetrics(collector)!, 'netstat.alerts.dropped', { 'netstat.alerts.drop.reason': 'queue_full' })).toBe(4);
    await stop(s);
  }, 120_000);

  it('keeps alerts raised with the collector down in --state-dir at SIGTERM, and the next start delivers them', async () => {
    const f = await fixture();
    const port = await reservedClosedPort();
    const stateDir = path.join(f.root, 'state');
    const spool = path.join(stateDir, SPOOL_FILE);
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` };

    const first = sidecar([...f.args('500ms'), '--state-dir', stateDir], env);
    await first.waitForLine(/"event":"sample"/, 20_000);
    await cycle(f, first, [85, 86]);
    const produced = stderrAlerts(first);
    const took = await stop(first);
    expect(took).toBeLessThan(5_500);
    expect(first.stderr()).toContain(`"event":"alerts_spooled"`);
    expect(first.stderr()).toMatch(new RegExp(`4 alert record\\(s\\) not delivered to http://127\\.0\\.0\\.1:${port}/v1/logs; kept in ${spool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const kept = parseSpool(await readFile(spool, 'utf8')).entries;
    expect(kept.map((e) => [e.record.attributes['alert.state'], e.record.body])).toEqual(produced.map((p) => [p.state, p.message]));

    const collector = await receiver(port);
    const second = sidecar([...f.args('500ms'), '--state-dir', stateDir], env);
    await until('the spooled records', () => receivedAlerts(collector).length >= 4, 30_000, second.stderr);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receivedAlerts(collector)).toEqual(produced);
    expect(second.stderr()).toContain('4 record(s) from an earlier run to deliver');
    await until('the spool emptied', () => spoolSize(spool) === 0, 5_000);
    await stop(second);
  }, 120_000);
});

function spoolSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}
