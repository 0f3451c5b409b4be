import type { ParseIssue, ParseResult } from '../errors.js';
import type { SocketRecord, TcpState } from '../snapshot/types.js';

/**
 * /proc/net/unix:
 *   Num       RefCount Protocol Flags    Type St Inode Path
 *   0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/foo.sock
 * Old kernels print no Inode column; the header says which. Path is the rest of the line and
 * may be absent (unbound) or start with '@' (abstract namespace).
 */

/** __SO_ACCEPTCON: set on a socket that called listen(). */
const ACCEPTCON = 0x10000;

/** `socket_state` (SS_*) mapped to the TCP vocabulary `ss` uses for unix sockets. */
const SOCKET_STATES: Readonly<Record<number, TcpState>> = {
  0x01: 'close', // SS_UNCONNECTED: ss UNCONN
  0x02: 'syn_sent', // SS_CONNECTING
  0x03: 'established', // SS_CONNECTED: ss ESTAB
  0x04: 'closing', // SS_DISCONNECTING
};

/** What the Type column means, for the snapshot's `transport` detail. */
export const UNIX_SOCKET_TYPES: Readonly<Record<number, string>> = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };

export interface UnixSocketRecord extends SocketRecord {
  unixType: string;
}

const HEX = /^[0-9A-Fa-f]+$/;

function parseRow(line: string, hasInode: boolean): UnixSocketRecord | string {
  const fields = line.trim().split(/\s+/);
  const fixed = hasInode ? 7 : 6;
  if (fields.length < fixed) return `expected at least ${fixed} fields, found ${fields.length}`;
  const [, , , flagsHex, typeHex, stHex] = fields as [string, string, string, string, string, string];
  if (![flagsHex, typeHex, stHex].every((f) => HEX.test(f))) return 'Flags, Type or St is not hex';
  const flags = parseInt(flagsHex, 16);
  const st = SOCKET_STATES[parseInt(stHex, 16)];
  if (st === undefined) return `unknown St ${JSON.stringify(stHex)}`;
  const inodeText = hasInode ? fields[6]! : null;
  if (inodeText !== null && !/^\d+$/.test(inodeText)) return `inode ${JSON.stringify(inodeText)} is not a number`;
  const path = fields.length > fixed ? fields.slice(fixed).join(' ') : null;
  return {
    transport: 'unix',
    family: 'unix',
    state: flags & ACCEPTCON ? 'listen' : st,
    localAddress: path,
    localPort: null,
    remoteAddress: null,
    remotePort: null,
    recvQ: 0,
    sendQ: 0,
    uid: null,
    inode: inodeText === null ? null : Number(inodeText),
    pid: null,
    process: null,
    unixType: UNIX_SOCKET_TYPES[parseInt(typeHex, 16)] ?? `type ${typeHex}`,
  };
}

export function parseNetUnix(text: string, file: string): ParseResult<UnixSocketRecord[]> {
  const lines = text.split('\n');
  const header = lines[0] ?? '';
  const issues: ParseIssue[] = [];
  if (!/^Num\s+RefCount/.test(header)) issues.push({ file, line: 1, reason: 'missing header "Num RefCount ..."' });
  const hasInode = /\bInode\b/.test(header);
  const value: UnixSocketRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const row = parseRow(lines[i]!, hasInode);
    if (typeof row === 'string') issues.push({ file, line: i + 1, reason: row });
    else value.push(row);
  }
  return { value, issues };
}
