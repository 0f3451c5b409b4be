/**
 * UDP buffer errors are host-wide kernel counters, like retransmits: the evidence is which family
 * they came from and how much traffic they were part of, over a stated interval. For receive
 * errors, the UDP sockets whose receive queue holds data right now are the likely culprits: a
 * reader that does not keep up (or a `SO_RCVBUF` too small for its bursts).
 */
import type { SnapshotHistory } from '../facts/history.js';
import { endpoint } from '../facts/outbound.js';
import { socketsListed } from '../facts/tcp.js';
import { udpRate } from '../facts/udp.js';
import { lastInterval } from './tcp_rates.js';
import { processLabel, Tally, topFields } from './top.js';
import type { Evidence } from './types.js';

/** UDP sockets with data in the receive queue: `0.0.0.0:514 812/rsyslogd`, counted by bytes queued (`ss` Recv-Q). */
export function tallyUdpReceiveQueues(history: SnapshotHistory): Tally | null {
  const s = history.latest;
  if (!s || !socketsListed(s)) return null;
  const t = new Tally();
  for (const k of s.sockets) {
    if (k.transport !== 'udp' || !(k.recvQ > 0) || k.localAddress === null) continue;
    t.add(`${endpoint(k.localAddress, k.localPort)} ${processLabel(k.pid, k.process)}`, undefined, k.recvQ);
  }
  return t;
}

export function udpBuffersEvidence(history: SnapshotHistory): Evidence | null {
  const i = lastInterval(history);
  if (!i) return null;
  const errors = (section: 'udp' | 'udp6'): number | null => {
    const receive = udpRate(i.prev, i.cur, 'RcvbufErrors', [section]);
    const send = udpRate(i.prev, i.cur, 'SndbufErrors', [section]);
    return receive === null && send === null ? null : (receive ?? 0) + (send ?? 0);
  };
  const ipv4 = errors('udp');
  const ipv6 = errors('udp6');
  if (ipv4 === null && ipv6 === null) return null;
  const inDatagrams = udpRate(i.prev, i.cur, 'InDatagrams');
  const q = topFields('topReceiveQueues', 'netstat.evidence.udp_buffers.top_receive_queues', tallyUdpReceiveQueues(history));
  return {
    values: { ipv4PerSecond: ipv4, ipv6PerSecond: ipv6, inDatagramsPerSecond: inDatagrams, intervalSeconds: i.seconds, ...q.values },
    attributes: {
      ...(ipv4 === null ? {} : { 'netstat.evidence.udp_buffers.ipv4_per_second': ipv4 }),
      ...(ipv6 === null ? {} : { 'netstat.evidence.udp_buffers.ipv6_per_second': ipv6 }),
      ...(inDatagrams === null ? {} : { 'netstat.evidence.udp_buffers.in_datagrams_per_second': inDatagrams }),
      'netstat.evidence.udp_buffers.interval_seconds': i.seconds,
      ...q.attributes,
    },
  };
}
