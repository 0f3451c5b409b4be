/**
 * Decodes the addon's packed socket records (native/inet_diag.h: 56 bytes each) into the
 * SocketRecords the /proc/net parser produces, field for field, so consumers cannot tell the
 * two paths apart.
 */
import { ADDRESS_FAMILY, IP_PROTOCOL } from './kernel_numbers.js';
import { endianness } from 'node:os';
import type { SocketRecord, TcpState } from '../snapshot/types.js';
import { IP_TEXT } from './ip_text.js';
import { KERNEL_STATE, TCP_STATE_OF } from './states.js';

export const RECORD_SIZE = 56;
/** The addon writes integers in host byte order and addresses in network order. */
const HOST_LE = endianness() === 'LE';

/**
 * Queue values, made identical to /proc/net: for a LISTEN socket sock_diag reports the backlog
 * limit (sk_max_ack_backlog) as the write queue, where /proc/net/tcp prints write_seq - snd_una,
 * which is 0 for a socket that never connected. We keep /proc's 0 so both paths give the same
 * Send-Q (ss itself prints the backlog there; the live test compares listeners separately).
 */
function sendQueue(state: number, protocol: number, wqueue: number): number {
  return protocol !== IP_PROTOCOL.udp && state === KERNEL_STATE.LISTEN ? 0 : wqueue;
}

export function decodeRecords(buffer: ArrayBuffer): SocketRecord[] {
  const count = Math.floor(buffer.byteLength / RECORD_SIZE);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const text = IP_TEXT;
  const sockets: SocketRecord[] = new Array(count);
  let requestSockets = false;
  for (let i = 0; i < count; i++) {
    const o = i * RECORD_SIZE;
    const family = bytes[o]!;
    const stateCode = bytes[o + 1]!;
    const protocol = bytes[o + 2]!;
    const state: TcpState = TCP_STATE_OF[stateCode] ?? 'close';
    let localAddress: string;
    let remoteAddress: string;
    if (family === ADDRESS_FAMILY.inet) {
      localAddress = text.ipv4(view.getUint32(o + 8, false));
      remoteAddress = text.ipv4(view.getUint32(o + 24, false));
    } else {
      localAddress = text.ipv6(view.getUint32(o + 8, false), view.getUint32(o + 12, false), view.getUint32(o + 16, false), view.getUint32(o + 20, false));
      remoteAddress = text.ipv6(view.getUint32(o + 24, false), view.getUint32(o + 28, false), view.getUint32(o + 32, false), view.getUint32(o + 36, false));
    }
    if (stateCode === KERNEL_STATE.NEW_SYN_RECV) requestSockets = true;
    sockets[i] = {
      transport: protocol === IP_PROTOCOL.udp ? 'udp' : 'tcp',
      family: family === ADDRESS_FAMILY.inet6 ? 'inet6' : 'inet',
      state,
      localAddress,
      localPort: view.getUint16(o + 4, HOST_LE),
      remoteAddress,
      remotePort: view.getUint16(o + 6, HOST_LE),
      recvQ: view.getUint32(o + 40, HOST_LE),
      sendQ: sendQueue(stateCode, protocol, view.getUint32(o + 44, HOST_LE)),
      uid: view.getUint32(o + 48, HOST_LE),
      inode: view.getUint32(o + 52, HOST_LE),
      pid: null,
      process: null,
    };
  }
  if (requestSockets) giveRequestsListenerUid(sockets);
  return sockets;
}

/**
 * sock_diag reports uid 0 for request sockets (NEW_SYN_RECV); /proc/net/tcp prints the uid of
 * the listener the SYN arrived on. We look that listener up by family, port and address (or a
 * wildcard bind). With SO_REUSEPORT listeners of different users on one port the first wins.
 */
function giveRequestsListenerUid(sockets: SocketRecord[]): void {
  const uidByEndpoint = new Map<string, number>();
  for (const s of sockets) {
    if (s.transport !== 'tcp' || s.state !== 'listen') continue;
    const key = `${s.family}|${s.localAddress}|${s.localPort}`;
    if (!uidByEndpoint.has(key)) uidByEndpoint.set(key, s.uid ?? 0);
  }
  for (const s of sockets) {
    if (s.transport !== 'tcp' || s.state !== 'syn_received' || s.inode !== 0) continue;
    const wildcard = s.family === 'inet' ? '0.0.0.0' : '::';
    s.uid = uidByEndpoint.get(`${s.family}|${s.localAddress}|${s.localPort}`) ?? uidByEndpoint.get(`${s.family}|${wildcard}|${s.localPort}`) ?? s.uid;
  }
}
