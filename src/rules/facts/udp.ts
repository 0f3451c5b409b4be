/**
 * udp.* facts: datagrams the kernel dropped because a socket buffer was full. IPv4 (`Udp`,
 * /proc/net/snmp) and IPv6 (`Udp6`, /proc/net/snmp6) count each datagram in exactly one of them,
 * so the host's rate is their sum.
 */
import { ratePerSecond } from './counters.js';
import { lastTwo, type Digest, type SnapshotHistory } from './history.js';

/** The digest fields holding UDP counters: IPv4, then IPv6. */
export type UdpSection = 'udp' | 'udp6';
export const UDP_SECTIONS: readonly UdpSection[] = ['udp', 'udp6'];

/**
 * `field` per second from `prev` to `cur`, summed over the given sections (both by default). A
 * section missing from either sample (IPv6 off) adds nothing; null when none has the counter in
 * both. Each section's counter resets on its own (see counters.ts).
 */
export function udpRate(prev: Digest, cur: Digest, field: string, sections: readonly UdpSection[] = UDP_SECTIONS): number | null {
  const seconds = (cur.at - prev.at) / 1000;
  let sum: number | null = null;
  for (const section of sections) {
    const rate = ratePerSecond(prev[section]?.[field], cur[section]?.[field], seconds);
    if (rate !== null) sum = (sum ?? 0) + rate;
  }
  return sum;
}

export interface UdpBufferErrorFact {
  /** `RcvbufErrors` per second: datagrams dropped because a socket's receive buffer was full. */
  receivePerSecond: number | null;
  /** `SndbufErrors` per second: sends that failed for want of send buffer space. */
  sendPerSecond: number | null;
  /** Both together. */
  perSecond: number;
}

/** Buffer errors from `prev` to `cur` over the given sections (both by default); null when none counts them. */
export function udpBufferErrors(prev: Digest, cur: Digest, sections: readonly UdpSection[] = UDP_SECTIONS): UdpBufferErrorFact | null {
  const receivePerSecond = udpRate(prev, cur, 'RcvbufErrors', sections);
  const sendPerSecond = udpRate(prev, cur, 'SndbufErrors', sections);
  if (receivePerSecond === null && sendPerSecond === null) return null;
  return { receivePerSecond, sendPerSecond, perSecond: (receivePerSecond ?? 0) + (sendPerSecond ?? 0) };
}

export function udpBufferErrorRate(history: SnapshotHistory): UdpBufferErrorFact | null {
  const pair = lastTwo(history);
  return pair ? udpBufferErrors(...pair) : null;
}
