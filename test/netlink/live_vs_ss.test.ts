/**
 * test/live/snapshot_vs_ss.test.ts for each socket source: `snapshot --json --socket-source X`
 * agrees with `ss` on state counts, on every socket's addresses and queues, and on listeners
 * with their pid and process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/netlink/addon.js';
import { openLoopbackSockets, type LoopbackSockets } from '../support/loopback_sockets.js';
import { snapshotTcpListenerRows, snapshotTuples, ssListenerRows, stableSsRound, withoutListenRows, type SsRound } from '../support/ss_round.js';

const sources = ['procfs', ...(nativeAddon().addon ? ['netlink'] : [])];

describe.each(sources)('snapshot --socket-source %s against ss', (source) => {
  let sockets: LoopbackSockets;
  let round: SsRound;
  beforeAll(async () => {
    sockets = await openLoopbackSockets(['127.0.0.1', '::1'], { established: 2, closeWait: 1, timeWait: 1 });
    round = await stableSsRound(['--socket-source', source]);
  });
  afterAll(async () => sockets?.close());

  it('counts every TCP state as ss -tan does', () => {
    expect(round.snapshot.errors).toEqual([]);
    expect(round.snapshot.tcp.states).toEqual(round.states);
  });

  it('has every socket ss -tan / -uan shows, with the same addresses and queues', () => {
    // ss prints a listener's backlog limit as Send-Q; both our paths print /proc's 0 (see records.ts).
    expect(withoutListenRows(snapshotTuples(round.snapshot, 'tcp'))).toEqual(withoutListenRows(round.tcp));
    expect(snapshotTuples(round.snapshot, 'udp')).toEqual(round.udp);
  });

  it('lists the same TCP listeners as ss -tlnp, with the same pid and process', () => {
    const ours = snapshotTcpListenerRows(round.snapshot);
    expect(ours).toEqual(ssListenerRows(round.listeners));
    expect(ours.filter((l) => sockets.ports.includes(l.port)).map((l) => l.pid)).toEqual([process.pid, process.pid, process.pid, process.pid]);
  });
});
