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
import { describe, expect, it } from 'vitest';
import { SPOOL_FILE, parseSpool } from '../../src/export/log_spool.js';
import { decodeMetrics, reservedClosedPort, type OtlpReceiver, type ReceivedMetrics } from '../support/otlp_receiver.js';
import type { Sidecar } from '../support/sidecar_process.js';
import { cycle, receivedAlerts, stderrAlerts, stopSidecar, until, useAlertTestKit } from './alert-fixture.js';

const kit = useAlertTestKit();

async function stop(s: Sidecar): Promise<number> {
  const exit = await stopSidecar(s);
  expect({ code: exit.code, signal: exit.signal }, s.stderr()).toEqual({ code: 0, signal: null });
  return exit.ms;
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
  it('delivers every alert exactly once and in order after 503s, 429s and refused connections', async () => {
    const f = await kit.fixture();
    const collector = await kit.receiver();
    collector.setMode({ kind: 'status', status: 503, retryAfter: '1' }, '/v1/logs');
    const s = kit.sidecar(f.args('500ms'), { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    await s.waitForLine(/"event":"sample"/, 20_000);
    const refusedLogs = () => collector.refused.filter((r) => r.path === '/v1/logs').length;

    await cycle(f, s, [85]);
    await until('a log export answered 503', () => refusedLogs() > 0, 10_000, s.stderr);
    expect(receivedAlerts(collector)).toEqual([]);

    collector.setMode({ kind: 'status', status: 429, retryAfter: '1' }, '/v1/logs'); // rate-limited
    const before429 = refusedLogs();
    await cycle(f, s, [86]);
    await until('a log export answered 429', () => refusedLogs() > before429, 10_000, s.stderr);
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
    const f = await kit.fixture();
    const collector = await kit.receiver();
    collector.setMode({ kind: 'status', status: 503 }, '/v1/logs'); // metrics still get through
    const s = kit.sidecar([...f.args('500ms'), '--alert-queue-size', '4'], { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
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

  /**
   * A sidecar with a --state-dir whose collector port nobody listens on yet; the test alert fires
   * and resolves once per percentage. `restart()` opens the collector and starts a second sidecar
   * on the same state dir.
   */
  async function alertsWhileDown(percents: number[]) {
    const f = await kit.fixture();
    const port = await reservedClosedPort();
    const spool = path.join(f.root, 'state', SPOOL_FILE);
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` };
    const args = [...f.args('500ms'), '--state-dir', path.dirname(spool)];
    const first = kit.sidecar(args, env);
    await first.waitForLine(/"event":"sample"/, 20_000);
    await cycle(f, first, percents);
    const restart = async () => ({ collector: await kit.receiver(port), second: kit.sidecar(args, env) });
    return { port, spool, first, produced: stderrAlerts(first), restart };
  }

  it('keeps alerts raised with the collector down in --state-dir at SIGTERM, and the next start delivers them', async () => {
    const { port, spool, first, produced, restart } = await alertsWhileDown([85, 86]);
    const took = await stop(first);
    expect(took).toBeLessThan(5_500);
    expect(first.stderr()).toContain(`"event":"alerts_spooled"`);
    expect(first.stderr()).toMatch(new RegExp(`4 alert record\\(s\\) not delivered to http://127\\.0\\.0\\.1:${port}/v1/logs; kept in ${spool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const kept = parseSpool(await readFile(spool, 'utf8')).entries;
    expect(kept.map((e) => [e.record.attributes['alert.state'], e.record.body])).toEqual(produced.map((p) => [p.state, p.message]));

    const { collector, second } = await restart();
    await until('the spooled records', () => receivedAlerts(collector).length >= 4, 30_000, second.stderr);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receivedAlerts(collector)).toEqual(produced);
    expect(second.stderr()).toContain('4 record(s) from an earlier run to deliver');
    await until('the spool emptied', () => spoolSize(spool) === 0, 5_000);
    await stop(second);
  }, 120_000);

  it('keeps them across a crash too (SIGKILL): the spool is written as alerts are raised', async () => {
    const { spool, first, produced, restart } = await alertsWhileDown([85]);
    const spooled = async () => parseSpool(await readFile(spool, 'utf8').catch(() => '')).entries.length;
    for (let i = 0; i < 100 && (await spooled()) < produced.length; i++) await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGKILL');
    expect(await first.waitForExit(5_000)).toEqual({ code: null, signal: 'SIGKILL' });

    const { collector, second } = await restart();
    await until('the spooled records', () => receivedAlerts(collector).length >= produced.length, 30_000, second.stderr);
    await until('the spool emptied', () => spoolSize(spool) === 0, 5_000);
    await stop(second);
    expect(receivedAlerts(collector)).toEqual(produced);
  }, 120_000);
});

function spoolSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}
