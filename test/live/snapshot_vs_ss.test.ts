/**
 * The foundation's acceptance test: with real sockets in several states on 127.0.0.1 and ::1,
 * `netstat-otel snapshot --json` agrees with `ss` on per-state counts and on listeners
 * (address, port, pid, process).
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLoopbackSockets, type LoopbackSockets } from '../support/loopback_sockets.js';
import { snapshotTcpListenerRows, snapshotTuples, ssListenerRows, stableSsRound, withoutListenRows, type SsRound } from '../support/ss_round.js';

describe('snapshot --json against ss on live loopback sockets', () => {
  let sockets: LoopbackSockets;
  let round: SsRound;
  const udp: dgram.Socket[] = [];

  beforeAll(async () => {
    sockets = await openLoopbackSockets(['127.0.0.1', '::1'], { established: 3, closeWait: 2, timeWait: 2 });
    for (const [type, host] of [['udp4', '127.0.0.1'], ['udp6', '::1']] as const) {
      const socket = dgram.createSocket(type);
      socket.bind(0, host);
      await once(socket, 'listening');
      udp.push(socket);
    }
    round = await stableSsRound();
  });
  afterAll(async () => {
    for (const socket of udp) socket.close();
    await sockets?.close();
  });

  it('has every TCP and UDP socket ss -tan / -uan shows, with the same addresses and queues', () => {
    expect(withoutListenRows(snapshotTuples(round.snapshot, 'tcp'))).toEqual(withoutListenRows(round.tcp));
    expect(snapshotTuples(round.snapshot, 'udp')).toEqual(round.udp);
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
    const ours = snapshotTcpListenerRows(round.snapshot);
    expect(ours).toEqual(ssListenerRows(round.listeners));
    const mine = ours.filter((l) => sockets.ports.includes(l.port));
    expect(mine).toHaveLength(4);
    expect(mine.every((l) => l.pid === process.pid)).toBe(true);
  });
});
