/**
 * The foundation's acceptance test: with real sockets in several states on 127.0.0.1 and ::1,
 * `netstat-otel snapshot --json` agrees with `ss` on per-state counts and on listeners
 * (address, port, pid, process).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/types.js';
import { openLoopbackSockets, type LoopbackSockets } from '../support/loopback_sockets.js';
import { ssSocketTuples, ssStateCounts, ssTcpListeners } from '../support/ss.js';
import dgram from 'node:dgram';
import { once } from 'node:events';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

async function snapshotJson(): Promise<Snapshot> {
  const { stdout } = await run(process.execPath, [CLI, 'snapshot', '--json'], { maxBuffer: 512 * 1024 * 1024 });
  return JSON.parse(stdout) as Snapshot;
}

/**
 * Other processes on the host may open or close sockets at any time, so we read `ss` before and
 * after our snapshot and accept only a round where `ss` saw no change in between.
 */
async function ssReading() {
  const [states, listeners, tcp, udp] = await Promise.all([ssStateCounts(), ssTcpListeners(), ssSocketTuples(['-tanH']), ssSocketTuples(['-uanH'])]);
  return { states, listeners, tcp, udp };
}

async function stableRound(): Promise<{ snapshot: Snapshot } & Awaited<ReturnType<typeof ssReading>>> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await ssReading();
    const snapshot = await snapshotJson();
    const after = await ssReading();
    if (JSON.stringify(before) === JSON.stringify(after)) return { snapshot, ...after };
  }
  throw new Error('ss never saw two equal readings in 5 rounds: the host is too busy to compare');
}

describe('snapshot --json against ss on live loopback sockets', () => {
  let sockets: LoopbackSockets;
  let round: Awaited<ReturnType<typeof stableRound>>;
  const udp: dgram.Socket[] = [];

  beforeAll(async () => {
    sockets = await openLoopbackSockets(['127.0.0.1', '::1'], { established: 3, closeWait: 2, timeWait: 2 });
    for (const [type, host] of [['udp4', '127.0.0.1'], ['udp6', '::1']] as const) {
      const socket = dgram.createSocket(type);
      socket.bind(0, host);
      await once(socket, 'listening');
      udp.push(socket);
    }
    round = await stableRound();
  });
  afterAll(async () => {
    for (const socket of udp) socket.close();
    await sockets?.close();
  });

  it('has every TCP and UDP socket ss -tan / -uan shows, with the same addresses and queues', () => {
    const tuples = (transport: string) => round.snapshot.sockets
      .filter((s) => s.transport === transport)
      .map((s) => `${s.state} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.recvQ} ${s.sendQ}`)
      .sort();
    // Listening rows are compared below instead: for them ss reads the backlog limit over netlink
    // as Send-Q, which /proc/net/tcp does not print.
    expect(tuples('tcp').filter((t) => !t.startsWith('listen '))).toEqual(round.tcp.filter((t) => !t.startsWith('listen ')));
    expect(tuples('udp')).toEqual(round.udp);
    const udpPorts = udp.map((s) => s.address().port);
    expect(round.snapshot.listeners.filter((l) => l.transport === 'udp' && udpPorts.includes(l.port)).map((l) => [l.address, l.pid])).toEqual([
      ['127.0.0.1', process.pid],
      ['::1', process.pid],
    ].sort());
  });

  it('has our sockets in the states we put them in', () => {
    const ours = round.snapshot.sockets.filter((s) => s.transport === 'tcp' && sockets.ports.includes(s.localPort ?? -1));
    const count = (state: string, family: string) => ours.filter((s) => s.state === state && s.family === family).length;
    for (const family of ['inet', 'inet6']) {
      expect(count('listen', family)).toBe(2);
      // accepted side of 3 established + the 2 half-closed in CLOSE_WAIT
      expect(count('established', family)).toBe(3);
      expect(count('close_wait', family)).toBe(2);
    }
    const remoteEnds = round.snapshot.sockets.filter((s) => sockets.ports.includes(s.remotePort ?? -1));
    expect(remoteEnds.filter((s) => s.state === 'time_wait')).toHaveLength(4);
    expect(remoteEnds.filter((s) => s.state === 'fin_wait_2')).toHaveLength(4);
  });

  it('counts every TCP state exactly as ss -tan does', () => {
    expect(round.snapshot.tcp.states).toEqual(round.states);
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
    const mine = ours.filter((l) => sockets.ports.includes(l.port));
    expect(mine).toHaveLength(4);
    expect(mine.every((l) => l.pid === process.pid)).toBe(true);
  });
});
