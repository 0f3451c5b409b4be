/**
 * UDP buffer errors are host-wide kernel counters, like retransmits: the evidence is which family
 * they came from and how much traffic they were part of, over a stated interval. For receive
 * errors, the UDP sockets whose receive queue holds data right now are the likely culprits: a
 * reader that does not keep up (or a `SO_RCVBUF` too small for its bursts).
 */
import type { SnapshotHistory } from '../facts/history.js';
import { udpBufferErrors, udpRate } from '../facts/udp.js';
import { lastInterval, tallyReceiveQueues } from './tcp_rates.js';
import { topFields } from './top.js';
import type { Evidence } from './types.js';

export function udpBuffersEvidence(history: SnapshotHistory): Evidence | null {
  const i = lastInterval(history);
  if (!i) return null;
  const ipv4 = udpBufferErrors(i.prev, i.cur, ['udp'])?.perSecond ?? null;
  const ipv6 = udpBufferErrors(i.prev, i.cur, ['udp6'])?.perSecond ?? null;
  if (ipv4 === null && ipv6 === null) return null;
  const inDatagrams = udpRate(i.prev, i.cur, 'InDatagrams');
  const q = topFields('topReceiveQueues', 'netstat.evidence.udp_buffers.top_receive_queues', tallyReceiveQueues(history, (k) => k.transport === 'udp'));
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
