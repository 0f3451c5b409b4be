import { endianness } from 'node:os';
import type { ParseIssue, ParseResult } from '../errors.js';
import { IP_TEXT } from '../netlink/ip_text.js';
import { ALL_STATES, kernelTcpState } from '../netlink/states.js';
import type { IpFamily, SocketRecord } from '../snapshot/types.js';
import { decodeHexAddress } from './address.js';

/**
 * The line format /proc/net/{tcp,tcp6,udp,udp6} share:
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
 * Only the first ten fields are read: TIME_WAIT rows stop after twelve, and udp appends
 * `ref pointer drops`, so nothing past `inode` is common to every row.
 */

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

/** tx_queue and rx_queue are 32-bit (`%08X`): more digits are not a queue, and would overflow. */
const QUEUE_HEX = /^[0-9A-Fa-f]{1,8}$/;

function parseQueues(text: string): [number, number] | string {
  const parts = splitEndpoint(text);
  if (parts === null || !QUEUE_HEX.test(parts[0]) || !QUEUE_HEX.test(parts[1])) return `queues ${JSON.stringify(text)} are not tx:rx hex`;
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
  // uid is 32-bit; an inode beyond 2^53 could not be told apart from its neighbours in JSON.
  if (Number(uid) > 0xffffffff) return `uid ${JSON.stringify(uid)} is out of range`;
  if (Number(inode) > Number.MAX_SAFE_INTEGER) return `inode ${JSON.stringify(inode)} is out of range`;
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

// --- fast path ----------------------------------------------------------------------------------
//
// At 100k sockets a per-line trim/split/regex, and holding the whole file as one string, cost
// several times the read itself. The table is scanned as bytes, a chunk at a time, and lines in
// the kernel's own layout are parsed in one left-to-right pass with no intermediate strings.
// A line the scan is not sure about (odd whitespace, short fields, bad hex, unknown state) goes
// through parseLine above, so results and issues are exactly the slow parser's.

const SPACE = 32;
const COLON = 58;
const NEWLINE = 10;
const BAIL = -1;
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

/** Hex digit value of a byte, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Control and non-ASCII bytes, which `\s` may split on: lines holding them go the slow way. */
function isOdd(c: number): boolean {
  return c < SPACE || c >= 127;
}

/** The kernel's host-order hex word as a network-order (big-endian) unsigned word. */
const toNetworkOrder = HOST_IS_LITTLE_ENDIAN
  ? (w: number): number => (((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24)) >>> 0
  : (w: number): number => w >>> 0;

/** Reads one line's fields in order; BAIL means "let parseLine decide". */
class LineScanner {
  bytes: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;

  reset(bytes: Uint8Array, start: number, end: number): void {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  /** Spaces (at least one when `required`), then a plain non-space byte. */
  skipSpaces(required: boolean): boolean {
    const { bytes, end } = this;
    const from = this.pos;
    let p = from;
    while (p < end && bytes[p] === SPACE) p++;
    this.pos = p;
    if (p >= end || (required && p === from)) return false;
    return !isOdd(bytes[p]!);
  }

  /** Exactly `digits` hex digits as an unsigned number. */
  hex(digits: number): number {
    const { bytes } = this;
    const p = this.pos;
    if (p + digits > this.end) return BAIL;
    let v = 0;
    for (let i = 0; i < digits; i++) {
      const d = hexValue(bytes[p + i]!);
      if (d < 0) return BAIL;
      v = v * 16 + d;
    }
    this.pos = p + digits;
    return v;
  }

  peek(): number {
    return this.pos < this.end ? this.bytes[this.pos]! : -1;
  }

  expect(c: number): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  /** Decimal digits ending at `terminator` (a space: or the line's end), at most 15 (exact in a double). */
  decimal(terminator = SPACE): number {
    const { bytes, end } = this;
    const from = this.pos;
    let p = from;
    let v = 0;
    while (p < end) {
      const c = bytes[p]!;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      p++;
    }
    if (p === from || p - from > 15) return BAIL;
    if (p < end ? bytes[p] !== terminator : terminator !== SPACE) return BAIL;
    this.pos = p;
    return v;
  }

  /** A field the slow parser does not look into (tr:tm->when, retrnsmt, timeout). */
  skipField(): boolean {
    const { bytes, end } = this;
    let p = this.pos;
    while (p < end) {
      const c = bytes[p]!;
      if (c === SPACE) break;
      if (isOdd(c)) return false;
      p++;
    }
    this.pos = p;
    return true;
  }

  /** An address of 1 (IPv4) or 4 (IPv6) words, `:`, a 4-digit port. */
  endpoint(words: number, out: Uint32Array): number {
    for (let i = 0; i < words; i++) {
      const w = this.hex(8);
      if (w === BAIL) return BAIL;
      out[i] = toNetworkOrder(w);
    }
    if (!this.expect(COLON)) return BAIL;
    return this.hex(4);
  }
}

export interface ParseIpSocketsOptions {
  /**
   * Keep only sockets in these kernel states (bit `1 << code`, e.g. `1 << 0x0a` for LISTEN).
   * Rows in other states are skipped unchecked, so their faults go unreported: a filter is for
   * the cheap listener watch; the full snapshot reads everything.
   */
  states?: number;
  /**
   * Count rows by kernel state code into this array (index = code) instead of returning
   * records: the rows are checked all the same, only no object or address text is made.
   */
  counts?: Float64Array;
}

const HEADER = /^\s*sl\s+local_address/;
const textDecoder = new TextDecoder();

/**
 * Incremental parser of one /proc/net/{tcp,tcp6,udp,udp6} table: feed it bytes as they are
 * read, in any chunking, then take the result.
 */
export class IpSocketTableParser {
  private readonly value: SocketRecord[] = [];
  private readonly issues: ParseIssue[] = [];
  private readonly scan = new LineScanner();
  private readonly words: number;
  private readonly states: number;
  private readonly counts: Float64Array | null;
  private readonly local = new Uint32Array(4);
  private readonly remote = new Uint32Array(4);
  private readonly text = IP_TEXT;
  private line = 0;

  constructor(private readonly file: string, private readonly kind: IpSocketFile, options: ParseIpSocketsOptions = {}) {
    this.words = kind.family === 'inet' ? 1 : 4;
    this.states = options.states ?? ALL_STATES;
    this.counts = options.counts ?? null;
  }

  /**
   * Parses the complete lines in bytes[start, end) and returns where the first incomplete one
   * begins (the caller keeps those bytes for the next chunk). With `final`, the rest is a line.
   */
  feed(bytes: Uint8Array, start: number, end: number, final: boolean): number {
    let from = start;
    for (;;) {
      let nl = bytes.indexOf(NEWLINE, from);
      if (nl < 0 || nl >= end) {
        if (!final) return from;
        nl = end;
      }
      this.parseLine(bytes, from, nl);
      if (nl >= end) return end;
      from = nl + 1;
      if (from === end && final) {
        this.line++; // a final newline ends with an empty line, as split('\n') counts
        return end;
      }
    }
  }

  result(): ParseResult<SocketRecord[]> {
    return { value: this.value, issues: this.issues };
  }

  private parseLine(bytes: Uint8Array, start: number, end: number): void {
    this.line++;
    // Without its header line 1 is read as a row: a table cut at the top loses no socket.
    if (this.line === 1 && this.isHeader(bytes, start, end)) return;
    const record = this.fast(bytes, start, end);
    if (record === null) return;
    if (record !== undefined) {
      this.value.push(record);
      return;
    }
    const fields = textDecoder.decode(bytes.subarray(start, end)).trim().split(/\s+/);
    if (fields[0] === '') return;
    const result = parseLine(fields, this.kind);
    if (typeof result === 'string') {
      this.issues.push({ file: this.file, line: this.line, reason: result });
      return;
    }
    const code = parseInt(fields[3]!, 16);
    if ((this.states & (1 << code)) === 0) return;
    if (this.counts) this.counts[code]!++;
    else this.value.push(result);
  }

  private isHeader(bytes: Uint8Array, start: number, end: number): boolean {
    if (HEADER.test(textDecoder.decode(bytes.subarray(start, Math.min(end, start + 200))))) return true;
    this.issues.push({ file: this.file, line: 1, reason: 'missing header "sl local_address ..."' });
    return false;
  }

  private address(w: Uint32Array): string {
    return this.words === 1 ? this.text.ipv4(w[0]!) : this.text.ipv6(w[0]!, w[1]!, w[2]!, w[3]!);
  }

  /** A record; null when its state is filtered out; undefined to hand the line to parseLine. */
  private fast(bytes: Uint8Array, start: number, end: number): SocketRecord | null | undefined {
    const s = this.scan;
    s.reset(bytes, start, end);
    if (!s.skipSpaces(false)) return undefined;
    if (s.decimal(COLON) === BAIL || !s.expect(COLON) || !s.skipSpaces(true)) return undefined;
    const localPort = s.endpoint(this.words, this.local);
    if (localPort === BAIL || !s.skipSpaces(true)) return undefined;
    const remotePort = s.endpoint(this.words, this.remote);
    if (remotePort === BAIL || !s.skipSpaces(true)) return undefined;
    const code = s.hex(2);
    const state = code === BAIL ? undefined : kernelTcpState(code);
    if (state === undefined || s.peek() !== SPACE) return undefined;
    if ((this.states & (1 << code)) === 0) return null;
    if (!s.skipSpaces(true)) return undefined;
    const tx = s.hex(8);
    if (tx === BAIL || !s.expect(COLON)) return undefined;
    const rx = s.hex(8);
    if (rx === BAIL || !s.skipSpaces(true) || !s.skipField() || !s.skipSpaces(true) || !s.skipField() || !s.skipSpaces(true)) return undefined;
    const uid = s.decimal();
    if (uid === BAIL || uid > 0xffffffff || !s.skipSpaces(true) || !s.skipField() || !s.skipSpaces(true)) return undefined;
    const inode = s.decimal();
    if (inode === BAIL) return undefined;
    if (this.counts) {
      this.counts[code]!++;
      return null;
    }
    return {
      transport: this.kind.transport,
      family: this.kind.family,
      state,
      localAddress: this.address(this.local),
      localPort,
      remoteAddress: this.address(this.remote),
      remotePort,
      recvQ: rx,
      sendQ: tx,
      uid,
      inode,
      pid: null,
      process: null,
    };
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Parses one of /proc/net/{tcp,tcp6,udp,udp6}. The first line is the header; every other
 * non-blank line is a socket. A line that does not parse is reported and skipped.
 */
export function parseIpSockets(text: string, file: string, kind: IpSocketFile, options: ParseIpSocketsOptions = {}): ParseResult<SocketRecord[]> {
  // Kernel tables are ASCII. Other text is read line by line as text, so every character, even
  // one that does not survive a round trip through bytes, reaches parseLine as it was.
  if (NON_ASCII.test(text)) return parseLinesAsText(text, file, kind, options.states ?? ALL_STATES);
  const parser = new IpSocketTableParser(file, kind, options);
  const bytes = Buffer.from(text, 'latin1');
  parser.feed(bytes, 0, bytes.length, true);
  return parser.result();
}

function parseLinesAsText(text: string, file: string, kind: IpSocketFile, states: number): ParseResult<SocketRecord[]> {
  const value: SocketRecord[] = [];
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  const headed = HEADER.test(lines[0] ?? '');
  if (!headed) issues.push({ file, line: 1, reason: 'missing header "sl local_address ..."' });
  for (let i = headed ? 1 : 0; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields[0] === '') continue;
    const result = parseLine(fields, kind);
    if (typeof result === 'string') issues.push({ file, line: i + 1, reason: result });
    else if ((states & (1 << parseInt(fields[3]!, 16))) !== 0) value.push(result);
  }
  return { value, issues };
}
