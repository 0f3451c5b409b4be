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

/**
 * The first `count` whitespace-separated fields, and the rest of the line after the one space
 * the kernel writes before a path. Splitting the whole line on whitespace would squeeze or drop
 * spaces that are part of the path (`/tmp/a  b`, `/tmp/trailing `): paths are bytes, spaces
 * included, and the kernel prints them as they are.
 */
function splitFixed(line: string, count: number): { fields: string[]; rest: string | null } {
  const fields: string[] = [];
  const field = /\S+/g;
  let end = 0;
  // Bounded by `count`, and each match moves `end` forward.
  while (fields.length < count) {
    const match = field.exec(line);
    if (match === null) break;
    fields.push(match[0]);
    end = match.index + match[0].length;
  }
  const rest = line.slice(end + 1);
  // No path, or only padding after the last column (copies padded by other tools).
  return { fields, rest: fields.length < count || rest.trim() === '' ? null : rest };
}

/** Inode numbers are unsigned longs: at most 20 digits. More is not an inode (and could make Number() Infinity). */
const INODE = /^\d{1,20}$/;

function parseRow(line: string, hasInode: boolean): UnixSocketRecord | string {
  const fixed = hasInode ? 7 : 6;
  const { fields, rest: path } = splitFixed(line, fixed);
  if (fields.length < fixed) return `expected at least ${fixed} fields, found ${fields.length}`;
  const [, , , flagsHex, typeHex, stHex] = fields as [string, string, string, string, string, string];
  if (![flagsHex, typeHex, stHex].every((f) => HEX.test(f))) return 'Flags, Type or St is not hex';
  const flags = parseInt(flagsHex, 16);
  const st = SOCKET_STATES[parseInt(stHex, 16)];
  if (st === undefined) return `unknown St ${JSON.stringify(stHex)}`;
  const inodeText = hasInode ? fields[6]! : null;
  if (inodeText !== null && !INODE.test(inodeText)) return `inode ${JSON.stringify(inodeText)} is not a number`;
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

const HEADER = /^Num\s+RefCount/;

export function parseNetUnix(text: string, file: string): ParseResult<UnixSocketRecord[]> {
  const lines = text.split('\n');
  const issues: ParseIssue[] = [];
  if (!HEADER.test(lines[0] ?? '')) issues.push({ file, line: 1, reason: 'missing header "Num RefCount ..."' });
  // Without a header (lost, or pushed down by a stray line), assume the layout every kernel
  // since 2.6 prints, with Inode, and read line 1 as a row: a bad header must not cost a socket.
  let hasInode = true;
  const value: UnixSocketRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (HEADER.test(line)) {
      hasInode = /\bInode\b/.test(line);
      continue;
    }
    const row = parseRow(line, hasInode);
    if (typeof row === 'string') issues.push({ file, line: i + 1, reason: row });
    else value.push(row);
  }
  return { value, issues };
}
