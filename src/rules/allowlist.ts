/**
 * Listener allowlists. They live in rules files (DESIGN.md), so one ConfigMap carries both the
 * rules and what they consider normal. Every file's allowlist is merged into one: a listener is
 * expected when any flat list or any entry matches it.
 */
import net from 'node:net';
import * as v from 'valibot';
import type { Listener } from '../snapshot/types.js';
import { strictObject } from '../validation.js';

const PORT_RANGE = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/** `22` or `"8000-8100"` (inclusive) or `"22"`. */
export const PortSpec = v.pipe(
  v.union([v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)), v.string()]),
  v.check(
    (value) => typeof value === 'number' || parsePortSpec(value) !== null,
    (issue) => `not a port or port range "LOW-HIGH": ${JSON.stringify(issue.input)}`,
  ),
);

/** `10.0.0.0/8`, `::1/128`, or a single address (`127.0.0.53`). */
export const CidrSpec = v.pipe(
  v.string(),
  v.check((value) => parseCidr(value) !== null, (issue) => `not an IP address or CIDR: ${JSON.stringify(issue.input)}`),
);

/** A process name as the kernel reports it (`comm`, at most 15 characters); `*` matches any run of characters. */
const ProcessSpec = v.pipe(v.string(), v.minLength(1));

/** One entry: every field it names must match (transport AND port AND address AND process). */
export const AllowEntry = v.pipe(
  strictObject({
    transport: v.optional(v.picklist(['tcp', 'udp'])),
    port: v.optional(PortSpec),
    ports: v.optional(v.array(PortSpec)),
    cidr: v.optional(CidrSpec),
    cidrs: v.optional(v.array(CidrSpec)),
    process: v.optional(ProcessSpec),
    processes: v.optional(v.array(ProcessSpec)),
    comment: v.optional(v.string()),
  }),
  v.check(
    (e) => e.port !== undefined || !!e.ports || !!e.cidr || !!e.cidrs || !!e.process || !!e.processes || !!e.transport,
    'an allowlist entry must name at least one of transport, port(s), cidr(s), process(es)',
  ),
);

export const Allowlist = strictObject({
  /** Any listener on one of these ports, any transport and address. */
  ports: v.optional(v.array(PortSpec)),
  /** Any listener whose local address lies in one of these networks. */
  cidrs: v.optional(v.array(CidrSpec)),
  /** Any listener owned by one of these processes. */
  processes: v.optional(v.array(ProcessSpec)),
  /** Combined conditions (e.g. UDP 53 on 127.0.0.53 by systemd-resolve). */
  listeners: v.optional(v.array(AllowEntry)),
  comment: v.optional(v.string()),
});
export type Allowlist = v.InferOutput<typeof Allowlist>;
export type AllowEntry = v.InferOutput<typeof AllowEntry>;

export function parsePortSpec(spec: number | string): [number, number] | null {
  if (typeof spec === 'number') return Number.isInteger(spec) && spec >= 1 && spec <= 65_535 ? [spec, spec] : null;
  const m = PORT_RANGE.exec(spec.trim());
  if (!m) return null;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  if (low < 1 || high > 65_535 || low > high) return null;
  return [low, high];
}

export interface Cidr {
  address: string;
  prefix: number;
  type: 'ipv4' | 'ipv6';
}

export function parseCidr(spec: string): Cidr | null {
  const [address = '', prefixText, ...rest] = spec.split('/');
  if (rest.length > 0) return null;
  const version = net.isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { address, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A BlockList of networks; node's BlockList also matches IPv4-mapped IPv6 (`::ffff:10.0.0.1`). */
export function cidrSet(specs: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const spec of specs) {
    const cidr = parseCidr(spec);
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.type);
  }
  return list;
}

/** Address as a listener reports it, without brackets or an `%iface` scope; null if not an IP. */
export function normalizeAddress(address: string): { address: string; type: 'ipv4' | 'ipv6' } | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = net.isIP(bare);
  if (version === 0) return null;
  return { address: bare, type: version === 4 ? 'ipv4' : 'ipv6' };
}

export function addressIn(list: net.BlockList, address: string): boolean {
  const a = normalizeAddress(address);
  return a !== null && list.check(a.address, a.type);
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

interface CompiledEntry {
  transport: 'tcp' | 'udp' | undefined;
  ports: [number, number][] | null;
  cidrs: net.BlockList | null;
  processes: RegExp[] | null;
}

function compileEntry(e: AllowEntry): CompiledEntry {
  const ports = [...(e.port !== undefined ? [e.port] : []), ...(e.ports ?? [])];
  const cidrs = [...(e.cidr ? [e.cidr] : []), ...(e.cidrs ?? [])];
  const processes = [...(e.process ? [e.process] : []), ...(e.processes ?? [])];
  return {
    transport: e.transport,
    ports: ports.length ? ports.map(parsePortSpec).filter((r): r is [number, number] => r !== null) : null,
    cidrs: cidrs.length ? cidrSet(cidrs) : null,
    processes: processes.length ? processes.map(globToRegExp) : null,
  };
}

function entryMatches(e: CompiledEntry, l: Listener): boolean {
  if (e.transport && e.transport !== l.transport) return false;
  if (e.ports && !e.ports.some(([lo, hi]) => l.port >= lo && l.port <= hi)) return false;
  if (e.cidrs && !addressIn(e.cidrs, l.address)) return false;
  if (e.processes && (l.process === null || !e.processes.some((re) => re.test(l.process ?? '')))) return false;
  return true;
}

export interface ListenerMatcher {
  matches(listener: Listener): boolean;
}

/** Merges allowlists from several files into one matcher. */
export function compileAllowlists(lists: readonly Allowlist[]): ListenerMatcher {
  const entries: CompiledEntry[] = [];
  for (const list of lists) {
    // The flat lists are shorthands for one-field entries.
    for (const port of list.ports ?? []) entries.push(compileEntry({ port }));
    for (const cidr of list.cidrs ?? []) entries.push(compileEntry({ cidr }));
    for (const process of list.processes ?? []) entries.push(compileEntry({ process }));
    for (const entry of list.listeners ?? []) entries.push(compileEntry(entry));
  }
  return { matches: (listener) => entries.some((e) => entryMatches(e, listener)) };
}

export const EMPTY_ALLOWLIST: ListenerMatcher = { matches: () => false };
