/**
 * Retransmits and listen-queue overflows are host-wide kernel counters: the evidence is the
 * rates themselves, over a stated interval, always attached (a custom message may leave them
 * out). For overflows, the listeners whose accept queue is not empty right now are the likely
 * culprits: a server that does not call accept() fast enough.
 */
import { ratePerSecond } from '../facts/counters.js';
import { lastTwo, type Digest, type SnapshotHistory } from '../facts/history.js';
import { socketsListed } from '../facts/tcp.js';
import { endpoint } from '../facts/outbound.js';
import { processLabel, Tally, topFields } from './top.js';
import type { Evidence } from './types.js';
import type { SocketRecord } from '../../snapshot/types.js';

/** The last sampling interval, the one the rate facts are computed over. */
export function lastInterval(history: SnapshotHistory): { seconds: number; prev: Digest; cur: Digest } | null {
  const pair = lastTwo(history);
  if (!pair) return null;
  const [prev, cur] = pair;
  const seconds = (cur.at - prev.at) / 1000;
  return seconds > 0 ? { seconds, prev, cur } : null;
}

export function retransmitsEvidence(history: SnapshotHistory): Evidence | null {
  const i = lastInterval(history);
  if (!i) return null;
  const perSecond = ratePerSecond(i.prev.tcp?.RetransSegs, i.cur.tcp?.RetransSegs, i.seconds);
  if (perSecond === null) return null;
  const outPerSecond = ratePerSecond(i.prev.tcp?.OutSegs, i.cur.tcp?.OutSegs, i.seconds);
  const ratio = outPerSecond ? perSecond / outPerSecond : null;
  return {
    values: { perSecond, ratio, outSegmentsPerSecond: outPerSecond, intervalSeconds: i.seconds },
    attributes: {
      'netstat.evidence.retransmits.per_second': perSecond,
      ...(ratio === null ? {} : { 'netstat.evidence.retransmits.ratio': ratio }),
      ...(outPerSecond === null ? {} : { 'netstat.evidence.retransmits.out_segments_per_second': outPerSecond }),
      'netstat.evidence.retransmits.interval_seconds': i.seconds,
    },
  };
}

/**
 * Sockets `keep` selects that have bytes or connections waiting in the receive queue (`ss`
 * Recv-Q): `127.0.0.1:8080 1234/java`, counted by what is queued; null when sockets were only
 * counted, not listed.
 */
export function tallyReceiveQueues(history: SnapshotHistory, keep: (socket: SocketRecord) => boolean): Tally | null {
  const s = history.latest;
  if (!s || !socketsListed(s)) return null;
  const t = new Tally();
  for (const k of s.sockets) {
    if (!(k.recvQ > 0) || k.localAddress === null || !keep(k)) continue;
    t.add(`${endpoint(k.localAddress, k.localPort)} ${processLabel(k.pid, k.process)}`, undefined, k.recvQ);
  }
  return t;
}

/** Listening TCP sockets: their Recv-Q is the accept queue. */
const isTcpListener = (k: SocketRecord): boolean => k.transport === 'tcp' && k.state === 'listen';

export function listenQueuesEvidence(history: SnapshotHistory): Evidence | null {
  const i = lastInterval(history);
  const overflows = i ? ratePerSecond(i.prev.tcpExt?.ListenOverflows, i.cur.tcpExt?.ListenOverflows, i.seconds) : null;
  // ListenDrops also counts SYNs dropped for other reasons (no memory, a listener closing).
  const drops = i ? ratePerSecond(i.prev.tcpExt?.ListenDrops, i.cur.tcpExt?.ListenDrops, i.seconds) : null;
  const q = topFields('topAcceptQueues', 'netstat.evidence.listen_queues.top_accept_queues', tallyReceiveQueues(history, isTcpListener));
  return {
    values: { overflowsPerSecond: overflows, dropsPerSecond: drops, intervalSeconds: i?.seconds ?? null, ...q.values },
    attributes: {
      ...(overflows === null ? {} : { 'netstat.evidence.listen_queues.overflows_per_second': overflows }),
      ...(drops === null ? {} : { 'netstat.evidence.listen_queues.drops_per_second': drops }),
      ...(i ? { 'netstat.evidence.listen_queues.interval_seconds': i.seconds } : {}),
      ...q.attributes,
    },
  };
}
