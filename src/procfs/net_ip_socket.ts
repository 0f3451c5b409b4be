import type { ParseIssue, ParseResult } from '../errors.js';
import type { IpFamily, SocketRecord, TcpState } from '../snapshot/types.js';
import { decodeHexAddress } from './address.js';

/**
 * The line format /proc/net/{tcp,tcp6,udp,udp6} share:
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
 * Only the first ten fields are read: TIME_WAIT rows stop after twelve, and udp appends
 * `ref pointer drops`, so nothing past `inode` is common to every row.
 */

/** Kernel `enum tcp_state` (include/net/tcp_states.h), as procfs prints it in hex. */
const KERNEL_STATES: Readonly<Record<number, TcpState>> = {
  0x01: 'established',
  0x02: 'syn_sent',
  0x03: 'syn_received',
  0x04: 'fin_wait_1',
  0x05: 'fin_wait_2',
  0x06: 'time_wait',
  0x07: 'close',
  0x08: 'close_wait',
  0x09: 'last_ack',
  0x0a: 'listen',
  0x0b: 'closing',
  // TCP_NEW_SYN_RECV: request sockets; `ss` shows them as SYN-RECV.
  0x0c: 'syn_received',
};

export function kernelTcpState(code: number): TcpState | undefined {
  return KERNEL_STATES[code];
}

const MIN_FIELDS = 10;
const HEX = /^[0-9A-Fa-f]+$/;
const DECIMAL = /^\d+$/;

export interface IpSocketFile {
  transport: 'tcp' | 'udp';
  family: IpFamily;
}

type LineResult = SocketRecord | string;

function splitEndpoint(text: string): [string, string] | null {
  const colon = text.indexOf(':');
  return colon < 0 ? null : [text.slice(0, colon), text.slice(colon + 1)];
}

function parseEndpoint(text: string, family: IpFamily): { address: string; port: number } | string {
  const parts = splitEndpoint(text);
  if (parts === null) return `endpoint ${JSON.stringify(text)} has no ':'`;
  const [hex, portHex] = parts;
  const expected = family === 'inet' ? 8 : 32;
  if (hex.length !== expected) return `address ${JSON.stringify(hex)} is not ${expected} hex digits`;
  const address = decodeHexAddress(hex);
  if (address === null) return `address ${JSON.stringify(hex)} is not hex`;
  if (portHex.length === 0 || portHex.length > 4 || !HEX.test(portHex)) return `port ${JSON.stringify(portHex)} is not hex`;
  return { address, port: parseInt(portHex, 16) };
}

function parseQueues(text: string): [number, number] | string {
  const parts = splitEndpoint(text);
  if (parts === null || !HEX.test(parts[0]) || !HEX.test(parts[1])) return `queues ${JSON.stringify(text)} are not tx:rx hex`;
  return [parseInt(parts[0], 16), parseInt(parts[1], 16)];
}

function parseLine(fields: string[], file: IpSocketFile): LineResult {
  if (fields.length < MIN_FIELDS) return `expected at least ${MIN_FIELDS} fields, found ${fields.length}`;
  if (!/^\d+:$/.test(fields[0]!)) return `slot ${JSON.stringify(fields[0])} is not "N:"`;
  const local = parseEndpoint(fields[1]!, file.family);
  if (typeof local === 'string') return `local ${local}`;
  const remote = parseEndpoint(fields[2]!, file.family);
  if (typeof remote === 'string') return `remote ${remote}`;
  const stateText = fields[3]!;
  const state = HEX.test(stateText) ? kernelTcpState(parseInt(stateText, 16)) : undefined;
  if (state === undefined) return `unknown state ${JSON.stringify(stateText)}`;
  const queues = parseQueues(fields[4]!);
  if (typeof queues === 'string') return queues;
  const uid = fields[7]!;
  const inode = fields[9]!;
  if (!DECIMAL.test(uid)) return `uid ${JSON.stringify(uid)} is not a number`;
  if (!DECIMAL.test(inode)) return `inode ${JSON.stringify(inode)} is not a number`;
  return {
    transport: file.transport,
    family: file.family,
    state,
    localAddress: local.address,
    localPort: local.port,
    remoteAddress: remote.address,
    remotePort: remote.port,
    // ss's Recv-Q is the kernel's rx_queue (for listeners: the accept queue), Send-Q is tx_queue.
    recvQ: queues[1],
    sendQ: queues[0],
    uid: Number(uid),
    inode: Number(inode),
    pid: null,
    process: null,
  };
}

/**
 * Parses one of /proc/net/{tcp,tcp6,udp,udp6}. The first line is the header; every other
 * non-blank line is a socket. A line that does not parse is reported and skipped.
 */
export function parseIpSockets(text: string, file: string, kind: IpSocketFile): ParseResult<SocketRecord[]> {
  const value: SocketRecord[] = [];
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  if (!/^\s*sl\s+local_address/.test(lines[0] ?? '')) {
    issues.push({ file, line: 1, reason: 'missing header "sl local_address ..."' });
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const fields = line.trim().split(/\s+/);
    if (fields[0] === '') continue;
    const result = parseLine(fields, kind);
    if (typeof result === 'string') issues.push({ file, line: i + 1, reason: result });
    else value.push(result);
  }
  return { value, issues };
}
