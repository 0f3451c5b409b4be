/**
 * `run` on Windows and macOS data, on any OS: runSidecar with the sampler the platform choice
 * gives (a stand-in PowerShell child for Windows, replayed recordings for macOS) and the real
 * rules consumer, exporting to a loopback OTLP receiver. Checks that metrics and alerts come out
 * of those snapshots as they do from Linux ones, and that the PowerShell child is ended on
 * shutdown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSidecar } from '../../src/commands/run.js';
import { resolveRunOptions } from '../../src/config/run-options.js';
import { createPlatformSampler, type PlatformSampler } from '../../src/platform/select.js';
import { createSidecarLog } from '../../src/sidecar/log.js';
import { rulesConsumer } from '../../src/sidecar/rules_consumer.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { fixturePath } from '../corpus.js';
import { fakeLiveWindows, processGone } from '../support/fake_windows.js';
import { decodeMetrics, receivedLogRecords, startReceiver, type OtlpReceiver } from '../support/otlp_receiver.js';

const DARWIN = fixturePath('darwin');

let receiver: OtlpReceiver | null = null;
let tmp: string | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = null;
});

/** Wraps a sampler to keep what it returned, so expectations come from the very snapshot `run` exported. */
function recording(sampler: PlatformSampler): { sampler: PlatformSampler; taken: Snapshot[] } {
  const taken: Snapshot[] = [];
  return {
    taken,
    sampler: {
      ...sampler,
      snapshot: async () => {
        const s = await sampler.snapshot();
        taken.push(s);
        return s;
      },
    },
  };
}

async function runOnce(platform: 'windows' | 'darwin', sampler: PlatformSampler) {
  receiver = await startReceiver();
  const lines: string[] = [];
  // The rules print each alert on stderr too; dozens of expected ones would bury the test report.
  const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const code = await runSidecar(resolveRunOptions({ once: true }, {}), {
    platform,
    sampler,
    consumers: [rulesConsumer],
    log: createSidecarLog('json', { write: (l) => lines.push(l) }),
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
  }).finally(() => quiet.mockRestore());
  const metrics = decodeMetrics(receiver.requests.find((r) => r.path === '/v1/metrics')!);
  const events = lines.map((l) => JSON.parse(l) as { event: string; message: string });
  return { code, metrics, events, alerts: receivedLogRecords(receiver) };
}

/** system.network.connection.count for TCP, by state, as exported. */
function exportedTcpStates(metrics: ReturnType<typeof decodeMetrics>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of metrics.metrics.find((m) => m.name === 'system.network.connection.count')?.points ?? []) {
    if (p.attributes['network.transport'] !== 'tcp') continue;
    const state = String(p.attributes['network.connection.state']);
    out[state] = (out[state] ?? 0) + Number(p.value);
  }
  return out;
}

/** The same numbers from the snapshot, in the semconv spelling the metrics use (close -> closed). */
function snapshotTcpStates(s: Snapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(s.tcp.states).map(([k, n]) => [k === 'close' ? 'closed' : k, n]));
}

describe('run on Windows samples', () => {
  it('exports the metrics and listener alerts of the PowerShell sample, then ends the PowerShell child', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'netstat-otel-run-win-'));
    const fake = fakeLiveWindows(tmp);
    const { sampler, taken } = recording(createPlatformSampler({ platform: 'windows', windowsSource: fake.source }));
    const { code, metrics, events, alerts } = await runOnce('windows', sampler);
    expect(code).toBe(0);
    expect(taken).toHaveLength(1);
    const s = taken[0]!;
    expect(s.platform).toBe('windows');

    expect(exportedTcpStates(metrics)).toEqual(snapshotTcpStates(s));
    const conntrack = metrics.metrics.find((m) => m.name === 'system.network.conntrack.count');
    expect(conntrack?.points ?? []).toEqual([]); // absent off Linux, not 0
    const io = metrics.metrics.find((m) => m.name === 'system.network.io')!;
    expect(new Set(io.points.map((p) => p.attributes['network.interface.name']))).toEqual(new Set(s.interfaces.map((i) => i.name)));

    expect(events.find((e) => e.event === 'sample')?.message).toContain(`listeners=${s.listeners.length}`);
    // SQL Server's 1433 is not in the shipped allowlist: one alert per listener, naming the process.
    const sql = s.listeners.filter((l) => l.port === 1433);
    expect(sql.length).toBeGreaterThan(0);
    const sqlAlerts = alerts.filter((a) => a.attributes['alert.name'] === 'unexpected-listener' && a.attributes['network.local.port'] === 1433);
    expect(sqlAlerts).toHaveLength(sql.length);
    for (const a of sqlAlerts) expect(a.body).toContain(String(sql[0]!.process));

    // Shutdown closed the sampler, which ended the child.
    const pid = await fake.childPid();
    expect(await processGone(pid)).toBe(true);
  });
});

describe('run on macOS samples', () => {
  it('exports the metrics of the replayed recordings', async () => {
    const { sampler, taken } = recording(createPlatformSampler({ platform: 'darwin', from: DARWIN }));
    const { code, metrics } = await runOnce('darwin', sampler);
    expect(code).toBe(0);
    const s = taken[0]!;
    expect(s.platform).toBe('darwin');
    expect(exportedTcpStates(metrics)).toEqual(snapshotTcpStates(s));
    const retrans = metrics.metrics.find((m) => m.name === 'netstat.tcp.retransmitted_segments');
    expect(retrans?.points[0]?.value).toBe(s.counters.Tcp?.['RetransSegs']);
  });
});
