/**
 * test/live/snapshot_vs_ss.test.ts for each socket source: `snapshot --json --socket-source X`
 * agrees with `ss` on state counts, on every socket's addresses and queues, and on listeners
 * with their pid and process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/netlink/addon.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { openLoopbackSockets, type LoopbackSockets } from '../support/loopback_sockets.js';
import { ssSocketTuples, ssStateCounts, ssTcpListeners } from '../support/ss.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

async function ssReading() {
  const [states, listeners, tcp, udp] = await Promise.all([ssStateCounts(), ssTcpListeners(), ssSocketTuples(['-tanH']), ssSocketTuples(['-uanH'])]);
  return { states, listeners, tcp, udp };
}

async function stableRound(source: string) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await ssReading();
    const { stdout } = await run(process.execPath, [CLI, 'snapshot', '--json', '--socket-source', source], { maxBuffer: 512 * 1024 * 1024 });
    const after = await ssReading();
    if (JSON.stringify(before) === JSON.stringify(after)) return { snapshot: JSON.parse(stdout) as Snapshot, ...after };
  }
  throw new Error('ss never saw two equal readings in 5 rounds: the host is too busy to compare');
}

const sources = ['procfs', ...(nativeAddon().addon ? ['netlink'] : [])];

describe.each(sources)('snapshot --socket-source %s against ss', (source) => {
  let sockets: LoopbackSockets;
  let round: Awaited<ReturnType<typeof stableRound>>;
  beforeAll(async () => {
    sockets = await openLoopbackSockets(['127.0.0.1', '::1'], { established: 2, closeWait: 1, timeWait: 1 });
    round = await stableRound(source);
  });
  afterAll(async () => sockets?.close());

  it('counts every TCP state as ss -tan does', () => {
    expect(round.snapshot.errors).toEqual([]);
    expect(round.snapshot.tcp.states).toEqual(round.states);
  });

  it('has every socket ss -tan / -uan shows, with the same addresses and queues', () => {
    const tuples = (transport: string) => round.snapshot.sockets
      .filter((s) => s.transport === transport)
      .map((s) => `${s.state} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.recvQ} ${s.sendQ}`)
      .sort();
    // ss prints a listener's backlog limit as Send-Q; both our paths print /proc's 0 (see records.ts).
    expect(tuples('tcp').filter((t) => !t.startsWith('listen '))).toEqual(round.tcp.filter((t) => !t.startsWith('listen ')));
    expect(tuples('udp')).toEqual(round.udp);
  });

  it('lists the same TCP listeners as ss -tlnp, with the same pid and process', () => {
    const ours = round.snapshot.listeners
      .filter((l) => l.transport === 'tcp')
      .map((l) => ({ address: l.address, port: l.port, pid: l.pid, process: l.process }))
      .sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
    const theirs = round.listeners
      .map((l) => ({ address: l.address, port: l.port, pid: l.users.length ? Math.min(...l.users.map((u) => u.pid)) : null, process: l.users[0]?.process ?? null }))
      .sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
    expect(ours).toEqual(theirs);
    expect(ours.filter((l) => sockets.ports.includes(l.port)).map((l) => l.pid)).toEqual([process.pid, process.pid, process.pid, process.pid]);
  });
});
