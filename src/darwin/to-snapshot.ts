/**
 * From parsed macOS records to Snapshot pieces.
 *
 * Conventions (README):
 * - Wildcard local addresses (`*`) become `0.0.0.0` (tcp4/udp4) or `::` (tcp6/tcp46: an IPv6
 *   socket, dual-stack for 46), as `ss` prints them; a `*` remote side becomes null.
 * - Parts of an address netstat may have cut (see ./endpoint.ts) become null: the row still
 *   counts for its state, but its address is not trusted.
 * - UDP: connected (a remote address) is `established`, otherwise `close`, as on Linux.
 * - Unix sockets: `established` when connected (Conn non-zero), else `close`; netstat does not
 *   say which unbound stream sockets listen. Inode is a kernel pointer on macOS, so null.
 * - Interfaces: the `<Link#N>` rows. macOS netstat has no input-drop counter (rxDropped 0);
 *   txDropped is the send-queue drops of `-d`.
 * - Routes: neighbour (ARP/NDP) entries, whose gateway is a link-layer address, are left out,
 *   as Linux keeps them out of its routing table; flags are the BSD letters as printed;
 *   there is no metric.
 */
import type { ParseIssue } from '../errors.js';
import type { CounterSection, Counters, InterfaceStats, Route, SocketRecord } from '../snapshot/types.js';
import { ipFamily, stripZone } from '../platform/ip_text.js';
import type { DarwinEndpoint } from './endpoint.js';
import type { DarwinInterfaceRow } from './netstat-interfaces.js';
import type { DarwinRouteRow } from './netstat-routes.js';
import type { DarwinInternetRow, DarwinUnixRow } from './netstat-sockets.js';
import { DARWIN_TCP_STATES } from './states.js';

export type ProcessNames = ReadonlyMap<number, string>;

function address(ep: DarwinEndpoint, wildcard: string | null): string | null {
  if (ep.addressTruncated) return null;
  return ep.address === '*' ? wildcard : ep.address;
}

function port(ep: DarwinEndpoint): number | null {
  if (ep.portTruncated || !/^\d+$/.test(ep.portText)) return null;
  return Number(ep.portText);
}

export function socketsFromNetstat(rows: readonly DarwinInternetRow[], names: ProcessNames): SocketRecord[] {
  const sockets: SocketRecord[] = [];
  for (const r of rows) {
    if (r.transport === 'other') continue; // raw ICMP and friends are not in the model
    const family = r.ipVersion === '4' ? 'inet' : 'inet6';
    const remoteAddress = address(r.foreign, null);
    const remotePort = port(r.foreign);
    const connected = r.foreign.address !== '*';
    sockets.push({
      transport: r.transport,
      family,
      state: r.state !== null ? DARWIN_TCP_STATES[r.state] : connected ? 'established' : 'close',
      localAddress: address(r.local, family === 'inet' ? '0.0.0.0' : '::'),
      localPort: port(r.local),
      remoteAddress,
      remotePort,
      recvQ: r.recvQ,
      sendQ: r.sendQ,
      uid: null,
      inode: null,
      pid: r.pid,
      process: r.process ?? (r.pid === null ? null : (names.get(r.pid) ?? null)),
    });
  }
  return sockets;
}

export function socketsFromUnix(rows: readonly DarwinUnixRow[]): SocketRecord[] {
  return rows.map((r) => ({
    transport: 'unix',
    family: 'unix',
    state: /^0+$/.test(r.conn) ? 'close' : 'established',
    localAddress: r.path,
    localPort: null,
    remoteAddress: null,
    remotePort: null,
    recvQ: r.recvQ,
    sendQ: r.sendQ,
    uid: null,
    inode: null,
    pid: null,
    process: null,
  }));
}

export function interfacesFromNetstat(rows: readonly DarwinInterfaceRow[], file: string): { value: InterfaceStats[]; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const seen = new Set<string>();
  const value: InterfaceStats[] = [];
  for (const r of rows) {
    if (!r.link) continue;
    const name = r.name.replace(/\*$/, '');
    if (seen.has(name)) {
      issues.push({ file, line: r.line, reason: `interface ${name} listed twice (netstat cut its name?); keeping the first` });
      continue;
    }
    seen.add(name);
    const c = (key: string): number => r.counters[key] ?? 0;
    value.push({
      name,
      rxBytes: c('ibytes'),
      rxPackets: c('ipkts'),
      rxErrors: c('ierrs'),
      rxDropped: 0,
      txBytes: c('obytes'),
      txPackets: c('opkts'),
      txErrors: c('oerrs'),
      txDropped: c('drop'),
      txCollisions: r.counters.coll ?? null,
    });
  }
  return { value, issues };
}

const LINK_LAYER = /^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5,7}$/i;

/**
 * netstat's destination as CIDR. IPv4 networks are printed classfully without trailing zero
 * octets (route.c netname()): `127` is 127.0.0.0/8, `169.254` /16, `192.168.1` /24 (the class
 * mask), unless a `/len` follows; a full address is a host (/32).
 */
export function destinationCidr(destination: string, family: 'inet' | 'inet6'): string | null {
  if (destination === 'default') return family === 'inet' ? '0.0.0.0/0' : '::/0';
  if (family === 'inet6') {
    const [addr, len] = destination.split('/') as [string, string | undefined];
    const bare = stripZone(addr);
    if (ipFamily(bare) !== 'inet6') return null;
    return `${bare}/${len ?? '128'}`;
  }
  const [addr, len] = destination.split('/') as [string, string | undefined];
  const octets = addr.split('.');
  if (octets.length > 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) return null;
  const first = Number(octets[0]);
  const classMask = first < 128 ? 8 : first < 192 ? 16 : 24;
  const prefix = len !== undefined ? Number(len) : octets.length === 4 ? 32 : classMask;
  while (octets.length < 4) octets.push('0');
  return `${octets.join('.')}/${prefix}`;
}

export function routesFromNetstat(rows: readonly DarwinRouteRow[], file: string): { value: Route[]; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const value: Route[] = [];
  for (const r of rows) {
    if (LINK_LAYER.test(r.gateway)) continue;
    const destination = destinationCidr(r.destination, r.family);
    if (destination === null) {
      issues.push({ file, line: r.line, reason: `cannot read destination ${JSON.stringify(r.destination)}` });
      continue;
    }
    const gatewayIp = ipFamily(stripZone(r.gateway)) !== null;
    value.push({
      family: r.family,
      destination,
      gateway: gatewayIp ? r.gateway : null,
      interface: r.netif,
      metric: null,
      flags: r.flags,
    });
  }
  return { value, issues };
}

/**
 * Interface-scoped defaults (flag I, one per VPN tunnel) only serve traffic bound to that
 * interface; the default gateway is the unscoped one.
 */
export function isPrimaryDefault(route: Route): boolean {
  return route.flags.includes('G') && !route.flags.includes('I');
}

/**
 * BSD tcpstat under /proc/net/snmp and netstat names where the meaning matches, so rules work
 * across platforms; all parsed fields also stay under `DarwinTcp`. Note BSD's `packets sent`
 * (OutSegs) counts retransmissions, Linux's does not.
 */
export function countersFromTcpStats(stats: Record<string, number>): Partial<Counters> {
  const pick = (pairs: readonly (readonly [string, string])[]): CounterSection => {
    const out: CounterSection = {};
    for (const [to, from] of pairs) if (stats[from] !== undefined) out[to] = stats[from];
    return out;
  };
  const tcp = pick([
    ['ActiveOpens', 'connattempt'],
    ['PassiveOpens', 'accepts'],
    ['AttemptFails', 'conndrops'],
    ['EstabResets', 'drops'],
    ['InSegs', 'rcvtotal'],
    ['OutSegs', 'sndtotal'],
    ['RetransSegs', 'sndrexmitpack'],
    ['InCsumErrors', 'rcvbadsum'],
  ]);
  const errs = ['rcvbadsum', 'rcvbadoff', 'rcvshort'].filter((k) => stats[k] !== undefined);
  if (errs.length > 0) tcp.InErrs = errs.reduce((sum, k) => sum + (stats[k] as number), 0);
  const tcpExt = pick([
    ['ListenOverflows', 'listendrop'],
    ['ListenDrops', 'listendrop'],
    ['TCPTimeouts', 'rexmttimeo'],
  ]);
  return { Tcp: tcp, TcpExt: tcpExt, DarwinTcp: { ...stats } };
}
