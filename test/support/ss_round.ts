/**
 * A `snapshot --json` taken between two equal `ss` readings, and the rows both sides are compared
 * on. Other processes on the host may open or close sockets at any time, so a round counts only
 * when `ss` saw no change around our snapshot.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Snapshot } from '../../src/snapshot/types.js';
import { ssSocketTuples, ssStateCounts, ssTcpListeners, type SsListener } from './ss.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

async function ssReading() {
  const [states, listeners, tcp, udp] = await Promise.all([ssStateCounts(), ssTcpListeners(), ssSocketTuples(['-tanH']), ssSocketTuples(['-uanH'])]);
  return { states, listeners, tcp, udp };
}

export type SsRound = { snapshot: Snapshot } & Awaited<ReturnType<typeof ssReading>>;

/** `netstat-otel snapshot --json ...extraArgs` with `ss` read before and after it. */
export async function stableSsRound(extraArgs: string[] = []): Promise<SsRound> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await ssReading();
    const { stdout } = await run(process.execPath, [CLI, 'snapshot', '--json', ...extraArgs], { maxBuffer: 512 * 1024 * 1024 });
    const after = await ssReading();
    if (JSON.stringify(before) === JSON.stringify(after)) return { snapshot: JSON.parse(stdout) as Snapshot, ...after };
  }
  throw new Error('ss never saw two equal readings in 5 rounds: the host is too busy to compare');
}

/** Our sockets of one transport as the lines ssSocketTuples prints, sorted. */
export function snapshotTuples(snapshot: Snapshot, transport: string): string[] {
  return snapshot.sockets
    .filter((s) => s.transport === transport)
    .map((s) => `${s.state} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.recvQ} ${s.sendQ}`)
    .sort();
}

/**
 * Both sides without listening rows: for them ss reads the backlog limit over netlink as
 * Send-Q, which /proc/net/tcp does not print (listeners are compared on their own).
 */
export function withoutListenRows(tuples: readonly string[]): string[] {
  return tuples.filter((t) => !t.startsWith('listen '));
}

export interface ListenerRow {
  address: string;
  port: number;
  pid: number | null;
  process: string | null;
}

const byEndpoint = (a: ListenerRow, b: ListenerRow) => a.port - b.port || a.address.localeCompare(b.address);

export function snapshotTcpListenerRows(snapshot: Snapshot): ListenerRow[] {
  return snapshot.listeners
    .filter((l) => l.transport === 'tcp')
    .map((l) => ({ address: l.address, port: l.port, pid: l.pid, process: l.process }))
    .sort(byEndpoint);
}

/** ss -tlnp's listeners; a socket shared by several processes is credited to the lowest pid. */
export function ssListenerRows(listeners: readonly SsListener[]): ListenerRow[] {
  return listeners
    .map((l) => ({ address: l.address, port: l.port, pid: l.users.length ? Math.min(...l.users.map((u) => u.pid)) : null, process: l.users[0]?.process ?? null }))
    .sort(byEndpoint);
}
