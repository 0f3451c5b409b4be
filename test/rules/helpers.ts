/** Builders shared by the rules and alerts tests. */
import { Writable } from 'node:stream';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Logger } from '@opentelemetry/api-logs';
import { emptySnapshot } from '../../src/snapshot/empty.js';
import type { Listener, SocketRecord, Snapshot } from '../../src/snapshot/types.js';
import { emptyHistory, pushSnapshot, type FirewallSample, type SnapshotHistory } from '../../src/rules/facts/history.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const MIN = 60_000;

/** A snapshot at T0 + `minutes`, with `patch` applied over emptySnapshot(). */
export function snap(minutes: number, patch: Partial<Snapshot> = {}): Snapshot {
  return { ...emptySnapshot('linux', new Date(T0 + minutes * MIN)), ...patch };
}

export function states(patch: Partial<Snapshot['tcp']['states']>): Snapshot['tcp'] {
  return { states: { ...emptySnapshot().tcp.states, ...patch } };
}

/** History built from snapshots in order (each with an optional firewall sample). */
export function historyOf(snapshots: Snapshot[], windowMs?: number, firewall?: (FirewallSample | null | undefined)[]): SnapshotHistory {
  let h = emptyHistory(windowMs);
  snapshots.forEach((s, i) => {
    h = pushSnapshot(h, s, { firewall: firewall?.[i] });
  });
  return h;
}

export function listener(port: number, patch: Partial<Listener> = {}): Listener {
  return { transport: 'tcp', family: 'inet', address: '0.0.0.0', port, pid: 100 + port, process: `p${port}`, uid: 0, inode: port, ...patch };
}

export function socket(patch: Partial<SocketRecord>): SocketRecord {
  return {
    transport: 'tcp',
    family: 'inet',
    state: 'established',
    localAddress: '10.0.0.2',
    localPort: 40000,
    remoteAddress: '10.0.0.9',
    remotePort: 443,
    recvQ: 0,
    sendQ: 0,
    uid: 1000,
    inode: 1,
    pid: 1,
    process: 'app',
    ...patch,
  };
}

/** A real SDK Logger whose records land in memory, as the OTLP exporter would receive them. */
export function memoryLogger(): { logger: Logger; exporter: InMemoryLogRecordExporter; provider: LoggerProvider } {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  return { logger: provider.getLogger('netstat-otel-test'), exporter, provider };
}

/** A stderr stand-in that keeps the lines written to it. */
export function lineSink(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

/** Polls until `check` returns a value or the deadline passes (bounded; the test then fails). */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 3000, stepMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A rules file with one warning rule: `fact` (at `path`) greater than `threshold`. */
export function ruleJson(name: string, threshold = 50, fact = 'conntrack.usagePercent', factPath?: string): string {
  const condition = { fact, ...(factPath ? { path: factPath } : {}), operator: 'greaterThan', value: threshold };
  return JSON.stringify(
    {
      rules: [
        {
          name,
          severity: 'warning',
          description: 'test rule',
          conditions: { all: [condition] },
          message: `${name} {{${fact}}}`,
        },
      ],
    },
    null,
    2,
  );
}
