import type { ParseIssue, ParseResult } from '../errors.js';
import type { Route } from '../snapshot/types.js';
import { decodeIpv6NetworkOrderHex } from './address.js';

/**
 * /proc/net/ipv6_route: no header, one route per line, every table (main and local) mixed:
 *   dest(32 hex) dest_plen(2 hex) src(32 hex) src_plen(2 hex) next_hop(32 hex)
 *   metric(8 hex) refcnt(8 hex) use(8 hex) flags(8 hex) device(%8s)
 * Addresses are `%pi6`, i.e. plain network order (no per-word swap as in /proc/net/tcp6).
 * A route without a device prints `%8s` of "", so that line has 9 fields instead of 10.
 *
 * What we keep: every line, including local-table entries (`Un`, metric 0, such as `::1/128`
 * on lo) that `ip -6 route` hides but `route -n -A inet6` shows, because this file does not
 * say which table a route is in. What we drop: the kernel's null entry (`::/0`, reject, metric
 * 0xffffffff, on `lo`; `route -A inet6` prints it as `!n -1 lo`). It is the placeholder at the
 * root of each table meaning "no route", not a route anyone configured, and reporting it would
 * look like a second, unreachable default route. A configured `unreachable`/`prohibit` route
 * (also a reject on lo, but with a real metric or prefix) is kept with its `!` flag.
 */

const HEX = /^[0-9A-Fa-f]+$/;

/** Column names and their fixed hex widths, in file order; the device comes after them. */
const COLUMNS: ReadonlyArray<readonly [string, number]> = [
  ['destination', 32],
  ['destination prefix length', 2],
  ['source', 32],
  ['source prefix length', 2],
  ['next hop', 32],
  ['metric', 8],
  ['refcnt', 8],
  ['use', 8],
  ['flags', 8],
];

/** include/uapi/linux/route.h and ipv6_route.h */
const RTF_UP = 0x0001;
const RTF_GATEWAY = 0x0002;
const RTF_HOST = 0x0004;
const RTF_MODIFIED = 0x0020;
const RTF_REJECT = 0x0200;
const RTF_DEFAULT = 0x00010000;
const RTF_ALLONLINK = 0x00020000;
const RTF_ADDRCONF = 0x00040000;
const RTF_NONEXTHOP = 0x00200000;
const RTF_EXPIRES = 0x00400000;
const RTF_CACHE = 0x01000000;
const RTF_FLOW = 0x02000000;

/** net-tools lib/inet6_gr.c letters, in its order (`route -n -A inet6` shows `Un`, `!n`, `UG`). */
const FLAG_LETTERS: ReadonlyArray<readonly [number, string]> = [
  [RTF_UP, 'U'],
  [RTF_REJECT, '!'],
  [RTF_GATEWAY, 'G'],
  [RTF_HOST, 'H'],
  [RTF_DEFAULT, 'D'],
  [RTF_ADDRCONF, 'A'],
  [RTF_CACHE, 'C'],
  [RTF_ALLONLINK, 'a'],
  [RTF_EXPIRES, 'e'],
  [RTF_MODIFIED, 'm'],
  [RTF_NONEXTHOP, 'n'],
  [RTF_FLOW, 'f'],
];

export function ipv6RouteFlags(flags: number): string {
  return FLAG_LETTERS.filter(([bit]) => (flags & bit) !== 0)
    .map(([, letter]) => letter)
    .join('');
}

const NULL_ENTRY_METRIC = 0xffffffff;

interface RawRoute {
  destination: string;
  prefix: number;
  nextHop: string;
  metric: number;
  flags: number;
  device: string | null;
}

function isNullEntry(raw: RawRoute): boolean {
  return (
    (raw.flags & RTF_REJECT) !== 0 &&
    raw.destination === '::' &&
    raw.prefix === 0 &&
    raw.metric === NULL_ENTRY_METRIC &&
    raw.device === 'lo'
  );
}

/** The first malformed column, named, or null when every column has its kernel width. */
function checkColumns(fields: readonly string[]): string | null {
  for (const [i, [name, digits]] of COLUMNS.entries()) {
    const field = fields[i]!;
    if (field.length !== digits || !HEX.test(field)) return `${name} ${JSON.stringify(field)} is not ${digits} hex digits`;
  }
  return null;
}

function parseLine(fields: readonly string[]): RawRoute | string {
  if (fields.length !== COLUMNS.length && fields.length !== COLUMNS.length + 1) {
    return `expected ${COLUMNS.length + 1} fields, found ${fields.length}`;
  }
  const bad = checkColumns(fields);
  if (bad !== null) return bad;
  const prefix = parseInt(fields[1]!, 16);
  if (prefix > 128) return `destination prefix length ${prefix} is above 128`;
  return {
    // Cannot be null: checkColumns matched 32 hex digits.
    destination: decodeIpv6NetworkOrderHex(fields[0]!)!,
    prefix,
    nextHop: decodeIpv6NetworkOrderHex(fields[4]!)!,
    metric: parseInt(fields[5]!, 16),
    flags: parseInt(fields[8]!, 16),
    device: fields[9] ?? null,
  };
}

function toRoute(raw: RawRoute): Route {
  return {
    family: 'inet6',
    destination: `${raw.destination}/${raw.prefix}`,
    gateway: raw.nextHop === '::' ? null : raw.nextHop,
    interface: raw.device,
    metric: raw.metric,
    flags: ipv6RouteFlags(raw.flags),
  };
}

/** Parses /proc/net/ipv6_route into routes in file order, without the kernel's null entries. */
export function parseNetIpv6Route(text: string, file: string): ParseResult<Route[]> {
  const value: Route[] = [];
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields[0] === '') continue;
    const raw = parseLine(fields);
    if (typeof raw === 'string') issues.push({ file, line: i + 1, reason: raw });
    else if (!isNullEntry(raw)) value.push(toRoute(raw));
  }
  return { value, issues };
}
