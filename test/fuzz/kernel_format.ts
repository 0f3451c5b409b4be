/**
 * Renders generated records the way the kernel prints them, for the round-trip properties.
 * Each renderer cites the seq_printf it mirrors; none of this imports the parsers' decoding
 * code, so a round trip checks the parser against an independent reading of the format.
 */
import { endianness } from 'node:os';
import fc from 'fast-check';

const HOST_LE = endianness() === 'LE';

const hex = (n: number | bigint, width: number, upper = true): string => {
  const text = n.toString(16).padStart(width, '0');
  return upper ? text.toUpperCase() : text;
};

/** `%<width>s`: right-aligned, never cut. */
export const padLeft = (text: string | number, width: number): string => String(text).padStart(width, ' ');

/** seq_setwidth + seq_pad: the line is padded with spaces to `width` columns (never cut). */
export const padRight = (text: string, width: number): string => text.padEnd(width, ' ');

/**
 * /proc/net/{tcp,udp}{,6} and /proc/net/route print each 32-bit word of an address with %08X
 * of the in-memory (network-order) word, so a little-endian host shows each word byte-reversed.
 */
export function procWordsHex(bytes: readonly number[]): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    const ordered = HOST_LE ? [...word].reverse() : word;
    text += ordered.map((b) => hex(b, 2)).join('');
  }
  return text;
}

/** `%pi6`: the 16 bytes in network order, lower-case, no separators (/proc/net/ipv6_route). */
export const pi6 = (bytes: readonly number[]): string => bytes.map((b) => hex(b, 2, false)).join('');

export const ipv4Text = (bytes: readonly number[]): string => bytes.join('.');

/**
 * What glibc's inet_ntop (so `ss`) prints, computed without the project's formatter: the WHATWG
 * URL serializer compresses zeros the same way (first longest run of two or more), and glibc
 * additionally prints the last 32 bits dotted when exactly the first six groups are zero
 * (`::1.2.3.4`) or for v4-mapped addresses (`::ffff:1.2.3.4`).
 */
export function ipv6Text(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  const zero = (from: number, to: number): boolean => groups.slice(from, to).every((g) => g === 0);
  const v4 = ipv4Text(bytes.slice(12, 16));
  if (zero(0, 6) && groups[6] !== 0) return `::${v4}`;
  if (zero(0, 5) && groups[5] === 0xffff) return `::ffff:${v4}`;
  return new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
}

// ---------------------------------------------------------------------------------------------
// Generators of field values.

export const byteArb = fc.integer({ min: 0, max: 255 });
export const u16Arb = fc.integer({ min: 0, max: 0xffff });
export const u32Arb = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat({ max: 0xffffffff }));
export const ipv4BytesArb: fc.Arbitrary<number[]> = fc.oneof(
  fc.array(byteArb, { minLength: 4, maxLength: 4 }),
  fc.constantFrom([0, 0, 0, 0], [127, 0, 0, 1], [255, 255, 255, 255], [10, 0, 0, 1]).map((bytes) => [...bytes]),
);

/** Biased towards the shapes whose text is special: zero runs, ::, ::1, v4-mapped, v4-compatible. */
export const ipv6BytesArb: fc.Arbitrary<number[]> = fc.oneof(
  fc.array(byteArb, { minLength: 16, maxLength: 16 }),
  fc
    .array(fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), fc.constant(0xffff), u16Arb), { minLength: 8, maxLength: 8 })
    .map((groups) => groups.flatMap((g) => [g >> 8, g & 0xff])),
  ipv4BytesArb.map((v4) => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]),
  ipv4BytesArb.map((v4) => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...v4]),
  fc.constantFrom(new Array<number>(16).fill(0), [...new Array<number>(15).fill(0), 1]),
);

/**
 * Interface names the kernel accepts (dev_valid_name: 1-15 bytes, not `.`/`..`, no `/`, `:` or
 * whitespace). `*` is left out: /proc/net/route prints it for "no device", so a device really
 * named `*` is ambiguous there.
 */
export const ifaceNameArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('lo', 'eth0', 'ens3', 'wlp2s0', 'docker0', 'vethf345468', 'br-0123456789ab', 'a', 'x|y', 'Inter-', 'face'),
  fc
    .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@|#%+=,!~'), minLength: 1, maxLength: 15 })
    .filter((n) => n !== '.' && n !== '..' && n !== '*'),
);

// ---------------------------------------------------------------------------------------------
// /proc/net/{tcp,tcp6,udp,udp6}

export interface SocketRow {
  transport: 'tcp' | 'udp';
  family: 'inet' | 'inet6';
  slot: number;
  local: number[];
  localPort: number;
  remote: number[];
  remotePort: number;
  state: number;
  txQueue: number;
  rxQueue: number;
  uid: number;
  inode: number;
  /** TIME_WAIT rows (tcp) stop after the socket pointer: 12 fields, uid/inode 0. */
  timeWaitShape: boolean;
  pointer: string;
}

export function socketRowArb(transport: 'tcp' | 'udp', family: 'inet' | 'inet6'): fc.Arbitrary<SocketRow> {
  const address = family === 'inet' ? ipv4BytesArb : ipv6BytesArb;
  return fc
    .record({
      slot: fc.nat({ max: 99_999 }),
      local: address,
      localPort: u16Arb,
      remote: address,
      remotePort: u16Arb,
      state: fc.integer({ min: 1, max: 12 }),
      txQueue: u32Arb,
      rxQueue: u32Arb,
      uid: u32Arb,
      inode: fc.oneof(fc.nat({ max: 0xffffffff }), fc.constant(0), fc.nat({ max: Number.MAX_SAFE_INTEGER })),
      timeWaitShape: fc.boolean(),
      pointer: fc.constantFrom('0000000000000000', 'ffff8880a5b2c000', '00000000a1b2c3d4'),
    })
    .map((r) => ({
      ...r,
      transport,
      family,
      // Only TCP prints the short TIME_WAIT row, and then uid, timeout and inode are 0.
      timeWaitShape: transport === 'tcp' && r.timeWaitShape,
      state: transport === 'tcp' && r.timeWaitShape ? 6 : r.state,
      uid: transport === 'tcp' && r.timeWaitShape ? 0 : r.uid,
      inode: transport === 'tcp' && r.timeWaitShape ? 0 : r.inode,
    }));
}

const TCP4_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const TCP6_HEADER = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const UDP4_HEADER = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';
const UDP6_HEADER = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';

/** The header line as net/ipv4/tcp_ipv4.c, tcp_ipv6.c and udp.c print it (tcp4 pads to 149, udp4 to 127). */
export function socketHeader(transport: 'tcp' | 'udp', family: 'inet' | 'inet6'): string {
  if (transport === 'tcp') return family === 'inet' ? padRight(TCP4_HEADER, 149) : TCP6_HEADER;
  return family === 'inet' ? padRight(UDP4_HEADER, 127) : UDP6_HEADER;
}

/**
 * One row, as get_tcp4_sock / get_timewait4_sock / tcp6 / udp4_format_sock print it:
 *   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK ..."
 * (udp: "%5d: ..." and `ref pointer drops` after the inode).
 */
export function renderSocketRow(row: SocketRow): string {
  const head = `${padLeft(row.slot, row.transport === 'udp' ? 5 : 4)}: ` +
    `${procWordsHex(row.local)}:${hex(row.localPort, 4)} ${procWordsHex(row.remote)}:${hex(row.remotePort, 4)} ` +
    `${hex(row.state, 2)} ${hex(row.txQueue, 8)}:${hex(row.rxQueue, 8)} 00:00000000 00000000`;
  let line: string;
  if (row.timeWaitShape) {
    line = `${head} ${padLeft(0, 5)} ${padLeft(0, 8)} 0 3 ${row.pointer}`;
  } else if (row.transport === 'tcp') {
    line = `${head} ${padLeft(row.uid, 5)} ${padLeft(0, 8)} ${row.inode} 1 ${row.pointer} 20 4 30 10 -1`;
  } else {
    line = `${head} ${padLeft(row.uid, 5)} ${padLeft(0, 8)} ${row.inode} 2 ${row.pointer} 0`;
  }
  return row.family === 'inet' ? padRight(line, row.transport === 'tcp' ? 149 : 127) : line;
}

const TCP_STATE_NAMES: Record<number, string> = {
  1: 'established', 2: 'syn_sent', 3: 'syn_received', 4: 'fin_wait_1', 5: 'fin_wait_2', 6: 'time_wait',
  7: 'close', 8: 'close_wait', 9: 'last_ack', 10: 'listen', 11: 'closing', 12: 'syn_received',
};

/** The SocketRecord the parser must return for a row. */
export function expectedSocket(row: SocketRow): Record<string, unknown> {
  const text = row.family === 'inet' ? ipv4Text : ipv6Text;
  return {
    transport: row.transport,
    family: row.family,
    state: TCP_STATE_NAMES[row.state],
    localAddress: text(row.local),
    localPort: row.localPort,
    remoteAddress: text(row.remote),
    remotePort: row.remotePort,
    recvQ: row.rxQueue,
    sendQ: row.txQueue,
    uid: row.uid,
    inode: row.inode,
    pid: null,
    process: null,
  };
}

// ---------------------------------------------------------------------------------------------
// /proc/net/dev

export const DEV_HEADER = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
];

export const DEV_FIELDS = [
  'rxBytes', 'rxPackets', 'rxErrors', 'rxDropped', 'rxFifo', 'rxFrame', 'rxCompressed', 'rxMulticast',
  'txBytes', 'txPackets', 'txErrors', 'txDropped', 'txFifo', 'txCollisions', 'txCarrier', 'txCompressed',
] as const;

/** u64 counters, biased to the edges (0, 2^32, 2^53, 2^64-1). */
export const u64Arb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constantFrom(0n, 1n, 0xffffffffn, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n),
);

export interface DevLine {
  name: string;
  counters: bigint[];
  /** Kernels before 4.x printed "%6s:%8llu" (a long first number touches the colon). */
  oldFormat: boolean;
}

export const devLineArb: fc.Arbitrary<DevLine> = fc.record({
  name: ifaceNameArb,
  counters: fc.array(u64Arb, { minLength: 16, maxLength: 16 }),
  oldFormat: fc.boolean(),
});

const DEV_WIDTHS = [7, 7, 4, 4, 4, 5, 10, 9, 8, 7, 4, 4, 4, 5, 7, 10];

/** net/core/net-procfs.c dev_seq_printf_stats: "%6s: %7llu %7llu %4llu ... %10llu". */
export function renderDevLine(line: DevLine): string {
  const numbers = line.counters.map((c, i) => padLeft(c.toString(), DEV_WIDTHS[i]!));
  return line.oldFormat
    ? `${padLeft(line.name, 6)}:${padLeft(line.counters[0]!.toString(), 8)} ${numbers.slice(1).join(' ')}`
    : `${padLeft(line.name, 6)}: ${numbers.join(' ')}`;
}

export function expectedDev(line: DevLine): Record<string, unknown> {
  // Number() of the decimal text: exact below 2^53, the nearest double above, as the parser's.
  return { name: line.name, ...Object.fromEntries(DEV_FIELDS.map((f, i) => [f, Number(line.counters[i]!)])) };
}

// ---------------------------------------------------------------------------------------------
// /proc/net/route

export const ROUTE_HEADER = padRight('Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT', 127);

export interface RouteLine {
  iface: string | null;
  destination: number[];
  prefix: number;
  gateway: number[];
  /** Subset of RTF_UP|RTF_GATEWAY|RTF_HOST|RTF_REJECT: what fib_flag_trans sets. */
  flags: number;
  metric: number;
  refcnt: number;
  use: number;
  mtu: number;
  window: number;
  irtt: number;
}

export const routeLineArb: fc.Arbitrary<RouteLine> = fc
  .record({
    iface: fc.option(ifaceNameArb, { freq: 8 }),
    destination: ipv4BytesArb,
    prefix: fc.integer({ min: 0, max: 32 }),
    gateway: fc.oneof(fc.constant([0, 0, 0, 0]).map((z) => [...z]), ipv4BytesArb),
    flags: fc.subarray([0x1, 0x2, 0x4, 0x200]).map((bits) => bits.reduce((a, b) => a | b, 0)),
    metric: u32Arb,
    refcnt: fc.nat({ max: 10 }),
    use: fc.nat({ max: 0xffffffff }),
    mtu: fc.nat({ max: 65535 }),
    window: fc.nat({ max: 65535 }),
    irtt: fc.nat({ max: 65535 }),
  })
  .map((r) => ({ ...r, destination: maskBytes(r.destination, r.prefix) }));

function maskOf(prefix: number): number[] {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff];
}

/** The kernel prints the table key, which is the destination already masked. */
function maskBytes(bytes: readonly number[], prefix: number): number[] {
  const mask = maskOf(prefix);
  return bytes.map((b, i) => b & mask[i]!);
}

/**
 * net/ipv4/fib_trie.c fib_route_seq_show: "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u",
 * padded to 127 columns; the metric is a u32 printed with %d.
 */
export function renderRouteLine(r: RouteLine): string {
  const fields = [
    r.iface ?? '*', procWordsHex(r.destination), procWordsHex(r.gateway), hex(r.flags, 4), String(r.refcnt),
    String(r.use), String(r.metric | 0), procWordsHex(maskOf(r.prefix)), String(r.mtu), String(r.window), String(r.irtt),
  ];
  return padRight(fields.join('\t'), 127);
}

// ---------------------------------------------------------------------------------------------
// /proc/net/ipv6_route

export interface Ipv6RouteLine {
  destination: number[];
  prefix: number;
  source: number[];
  sourcePrefix: number;
  nextHop: number[];
  metric: number;
  refcnt: number;
  use: number;
  flags: number;
  device: string | null;
}

const RTF_BITS = [0x1, 0x2, 0x4, 0x20, 0x200, 0x10000, 0x20000, 0x40000, 0x200000, 0x400000, 0x1000000, 0x2000000];

export const ipv6RouteLineArb: fc.Arbitrary<Ipv6RouteLine> = fc.record({
  destination: ipv6BytesArb,
  prefix: fc.integer({ min: 0, max: 128 }),
  source: ipv6BytesArb,
  sourcePrefix: fc.integer({ min: 0, max: 128 }),
  nextHop: fc.oneof(fc.constant(new Array<number>(16).fill(0)), ipv6BytesArb),
  metric: u32Arb,
  refcnt: u32Arb,
  use: u32Arb,
  flags: fc.subarray(RTF_BITS).map((bits) => bits.reduce((a, b) => a | b, 0)),
  device: fc.option(ifaceNameArb, { freq: 8 }),
});

/** net/ipv6/route.c ipv6_route_native_seq_show: "%pi6 %02x %pi6 %02x %pi6 %08x %08x %08x %08x %8s". */
export function renderIpv6RouteLine(r: Ipv6RouteLine): string {
  return [
    pi6(r.destination), hex(r.prefix, 2, false), pi6(r.source), hex(r.sourcePrefix, 2, false), pi6(r.nextHop),
    hex(r.metric, 8, false), hex(r.refcnt, 8, false), hex(r.use, 8, false), hex(r.flags, 8, false), padLeft(r.device ?? '', 8),
  ].join(' ');
}

/** The kernel's per-table "no route" placeholder, which the parser drops by design. */
export function isNullEntry(r: Ipv6RouteLine): boolean {
  return (r.flags & 0x200) !== 0 && r.destination.every((b) => b === 0) && r.prefix === 0 && r.metric === 0xffffffff && r.device === 'lo';
}

// ---------------------------------------------------------------------------------------------
// /proc/net/unix

export const UNIX_HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path';
export const UNIX_HEADER_NO_INODE = 'Num       RefCount Protocol Flags    Type St Path';

export interface UnixRow {
  pointer: string;
  refcount: number;
  listening: boolean;
  type: 1 | 2 | 5;
  st: 1 | 2 | 3 | 4;
  inode: number;
  path: string | null;
}

/**
 * Bound paths: any bytes but NUL and newline (a newline would end the kernel's line too), or
 * `@` + an abstract name. Spaces, leading, trailing and repeated, are legal and must survive.
 */
const pathArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('/run/a.sock', '/tmp/with space.sock', '/tmp/two  spaces', '/tmp/trailing ', '@abstract', '@', ' lead', '/x\ty'),
  fc.string({ minLength: 1, maxLength: 107 }).filter((p) => !/[\n\0]/.test(p) && p.trim() !== ''),
);

export const unixRowArb: fc.Arbitrary<UnixRow> = fc.record({
  pointer: fc.constantFrom('0000000000000000', 'ffff8880a5b2c000', '00000000ae88abb7'),
  refcount: fc.nat({ max: 0xffffffff }),
  listening: fc.boolean(),
  type: fc.constantFrom(1 as const, 2 as const, 5 as const),
  st: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
  inode: fc.nat({ max: 0xffffffff }),
  path: fc.option(pathArb, { freq: 3 }),
});

/** net/unix/af_unix.c unix_seq_show: "%pK: %08X %08X %08X %04X %02X %5lu", then ' ' and the path. */
export function renderUnixRow(row: UnixRow, withInode: boolean): string {
  const flags = row.listening ? 0x10000 : 0;
  const fixed = `${row.pointer}: ${hex(row.refcount, 8)} ${hex(0, 8)} ${hex(flags, 8)} ${hex(row.type, 4)} ${hex(row.st, 2)}`;
  const inode = withInode ? ` ${padLeft(row.inode, 5)}` : '';
  return `${fixed}${inode}${row.path === null ? '' : ` ${row.path}`}`;
}

const UNIX_STATES: Record<number, string> = { 1: 'close', 2: 'syn_sent', 3: 'established', 4: 'closing' };
const UNIX_TYPES: Record<number, string> = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };

export function expectedUnix(row: UnixRow, withInode: boolean): Record<string, unknown> {
  return {
    transport: 'unix',
    family: 'unix',
    state: row.listening ? 'listen' : UNIX_STATES[row.st],
    localAddress: row.path,
    localPort: null,
    remoteAddress: null,
    remotePort: null,
    recvQ: 0,
    sendQ: 0,
    uid: null,
    inode: withInode ? row.inode : null,
    pid: null,
    process: null,
    unixType: UNIX_TYPES[row.type],
  };
}
