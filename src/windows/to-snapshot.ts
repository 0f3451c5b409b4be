/**
 * From parsed Windows records to Snapshot pieces. Both sources (the PowerShell answer and the
 * netstat/route fallback) end up in the same shapes here, so everything downstream is the same
 * whichever one answered.
 *
 * Conventions (README):
 * - `process` is the name Get-Process shows: the image name without `.exe` (`svchost`), as .NET
 *   derives Process.ProcessName; names from netstat -b / tasklist are cut the same way.
 * - pid 0 (what Windows reports for TIME_WAIT and other ownerless sockets) becomes null.
 * - Windows has no socket queues, uids or inodes: recvQ/sendQ are 0, uid/inode null.
 * - Routes get synthesized flags in the `route -n` alphabet: U, plus G with a next hop, plus H
 *   for a host route (/32, /128); `metric` is the one Windows compares (route + interface metric).
 */
import type { Counters, CounterSection, InterfaceStats, Route, SocketRecord } from '../snapshot/types.js';
import { ipFamily } from '../platform/ip_text.js';
import type { NetstatConnection } from './netstat-connections.js';
import type { NetstatEthernetStats } from './netstat-ethernet.js';
import type { StatisticsBlock } from './netstat-statistics.js';
import type { PsAdapterStatistics, PsCounterSet, PsRoute, PsTcpConnection, PsUdpEndpoint } from './powershell-sample.js';
import type { RoutePrint } from './route-print.js';
import { otelState } from './states.js';

/** The interface name the `netstat -e` totals are reported under. */
export const TOTAL_INTERFACE = '_Total';

export type ProcessNames = ReadonlyMap<number, string>;

export function processName(image: string): string {
  return image.replace(/\.exe$/i, '');
}

function owner(pid: number | null): number | null {
  return pid === null || pid === 0 ? null : pid;
}

function family(address: string) {
  return ipFamily(address) ?? (address.includes(':') ? 'inet6' : 'inet');
}

type Endpoints = Pick<SocketRecord, 'transport' | 'family' | 'state' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>;

/** A socket record with what Windows does not have filled in: no queues (0), no uid or inode. */
function windowsSocket(endpoints: Endpoints, pid: number | null, process: string | null): SocketRecord {
  return { ...endpoints, recvQ: 0, sendQ: 0, uid: null, inode: null, pid, process };
}

function nameOf(pid: number | null, names: ProcessNames): string | null {
  return pid === null ? null : (names.get(pid) ?? null);
}

export function socketsFromPowerShell(
  tcp: readonly PsTcpConnection[],
  udp: readonly PsUdpEndpoint[],
  names: ProcessNames,
): SocketRecord[] {
  const sockets: SocketRecord[] = [];
  for (const c of tcp) {
    const pid = owner(c.owningProcess);
    const endpoints: Endpoints = {
      transport: 'tcp',
      family: family(c.localAddress),
      state: otelState(c.state),
      localAddress: c.localAddress,
      localPort: c.localPort,
      remoteAddress: c.remoteAddress,
      remotePort: c.remotePort,
    };
    sockets.push(windowsSocket(endpoints, pid, nameOf(pid, names)));
  }
  for (const u of udp) {
    const pid = owner(u.owningProcess);
    const endpoints: Endpoints = {
      transport: 'udp',
      family: family(u.localAddress),
      // Get-NetUDPEndpoint lists local endpoints only: an unconnected socket to a reader of ss.
      state: 'close',
      localAddress: u.localAddress,
      localPort: u.localPort,
      remoteAddress: null,
      remotePort: null,
    };
    sockets.push(windowsSocket(endpoints, pid, nameOf(pid, names)));
  }
  return sockets;
}

/** `names` (from tasklist) fills in what a `-b` listing did not say. */
export function socketsFromNetstat(rows: readonly NetstatConnection[], names: ProcessNames): SocketRecord[] {
  return rows.map((r) => {
    const pid = owner(r.pid);
    const fromB = r.executable === null ? null : processName(r.executable);
    const endpoints: Endpoints = {
      transport: r.proto === 'TCP' ? 'tcp' : 'udp',
      family: r.family,
      state: r.state === null ? (r.remoteAddress === null ? 'close' : 'established') : otelState(r.state),
      localAddress: r.localAddress,
      localPort: r.localPort,
      remoteAddress: r.remoteAddress,
      remotePort: r.remotePort,
    };
    return windowsSocket(endpoints, pid, fromB ?? nameOf(pid, names));
  });
}

export function interfacesFromPowerShell(adapters: readonly PsAdapterStatistics[]): InterfaceStats[] {
  return adapters.map((a) => ({
    name: a.name,
    rxBytes: a.receivedBytes,
    rxPackets: a.receivedUnicastPackets + a.receivedMulticastPackets + a.receivedBroadcastPackets,
    rxErrors: a.receivedPacketErrors,
    rxDropped: a.receivedDiscardedPackets,
    txBytes: a.sentBytes,
    txPackets: a.sentUnicastPackets + a.sentMulticastPackets + a.sentBroadcastPackets,
    txErrors: a.outboundPacketErrors,
    txDropped: a.outboundDiscardedPackets,
    rxMulticast: a.receivedMulticastPackets,
  }));
}

/** `netstat -e` totals as one interface; none when the Bytes row is missing. */
export function interfacesFromEthernet(stats: NetstatEthernetStats): InterfaceStats[] {
  if (stats.bytes === null) return [];
  const rx = (c: { received: number } | null) => c?.received ?? 0;
  const tx = (c: { sent: number | null } | null) => c?.sent ?? 0;
  return [
    {
      name: TOTAL_INTERFACE,
      rxBytes: stats.bytes.received,
      rxPackets: rx(stats.unicastPackets) + rx(stats.nonUnicastPackets),
      rxErrors: rx(stats.errors),
      rxDropped: rx(stats.discards),
      txBytes: tx(stats.bytes),
      txPackets: tx(stats.unicastPackets) + tx(stats.nonUnicastPackets),
      txErrors: tx(stats.errors),
      txDropped: tx(stats.discards),
    },
  ];
}

function flags(gateway: string | null, destination: string): string {
  const host = destination.endsWith('/32') || destination.endsWith('/128');
  return `U${gateway === null ? '' : 'G'}${host ? 'H' : ''}`;
}

export function routesFromPowerShell(routes: readonly PsRoute[]): Route[] {
  return routes.map((r) => {
    const gateway = r.nextHop === '0.0.0.0' || r.nextHop === '::' ? null : r.nextHop;
    const metric =
      r.routeMetric === null ? null : r.routeMetric + (r.interfaceMetric === null ? 0 : r.interfaceMetric);
    return {
      family: r.family,
      destination: r.destinationPrefix,
      gateway,
      interface: r.interfaceAlias ?? (r.interfaceIndex === null ? null : String(r.interfaceIndex)),
      metric,
      flags: flags(gateway, r.destinationPrefix),
    };
  });
}

/** Active routes only: the persistent list is configuration, repeated in the active table when in effect. */
export function routesFromRoutePrint(table: RoutePrint): Route[] {
  return table.routes
    .filter((r) => !r.persistent)
    .map((r) => ({
      family: r.family,
      destination: r.destination,
      gateway: r.gateway,
      interface: r.interface,
      metric: r.metric,
      flags: flags(r.gateway, r.destination),
    }));
}

/**
 * Windows TCP/UDP statistics under the /proc/net/snmp names, so rules written against Linux
 * counters (`RetransSegs`, `OutSegs`, ...) work unchanged. Windows has no TcpExt/Ip here.
 * TCP sums IPv4 and IPv6 (as Linux's `Tcp` does); UDP keeps them apart as `Udp` and `Udp6`
 * (as Linux's /proc/net/snmp and snmp6 do), for the `network.type` of `netstat.udp.*`.
 */
const TCP_FROM_PERF: Readonly<Record<string, string>> = {
  ConnectionsActive: 'ActiveOpens',
  ConnectionsPassive: 'PassiveOpens',
  ConnectionFailures: 'AttemptFails',
  ConnectionsReset: 'EstabResets',
  ConnectionsEstablished: 'CurrEstab',
  SegmentsReceivedPersec: 'InSegs',
  SegmentsSentPersec: 'OutSegs',
  SegmentsRetransmittedPersec: 'RetransSegs',
};
const UDP_FROM_PERF: Readonly<Record<string, string>> = {
  DatagramsReceivedPersec: 'InDatagrams',
  DatagramsSentPersec: 'OutDatagrams',
  DatagramsNoPortPersec: 'NoPorts',
  DatagramsReceivedErrors: 'InErrors',
};
/** netstat -s labels in print order (the order is also how localized labels are read). */
const TCP_FROM_NETSTAT: readonly (readonly [string, string])[] = [
  ['Active Opens', 'ActiveOpens'],
  ['Passive Opens', 'PassiveOpens'],
  ['Failed Connection Attempts', 'AttemptFails'],
  ['Reset Connections', 'EstabResets'],
  ['Current Connections', 'CurrEstab'],
  ['Segments Received', 'InSegs'],
  ['Segments Sent', 'OutSegs'],
  ['Segments Retransmitted', 'RetransSegs'],
];
const UDP_FROM_NETSTAT: readonly (readonly [string, string])[] = [
  ['Datagrams Received', 'InDatagrams'],
  ['No Ports', 'NoPorts'],
  ['Receive Errors', 'InErrors'],
  ['Datagrams Sent', 'OutDatagrams'],
];

function sumMapped(sets: readonly PsCounterSet[], map: Readonly<Record<string, string>>): CounterSection | null {
  if (sets.length === 0) return null;
  const out: CounterSection = {};
  for (const set of sets) {
    for (const [from, to] of Object.entries(map)) {
      const v = set.values[from];
      if (v !== undefined) out[to] = (out[to] ?? 0) + v;
    }
  }
  return out;
}

/** The UDP counter set of one IP version (`Win32_PerfRawData_Tcpip_UDPv4` / `UDPv6`), or null without one. */
function udpOfVersion(udp: readonly PsCounterSet[] | null, version: 'v4' | 'v6'): CounterSection | null {
  const sets = udp?.filter((set) => set.className.toLowerCase().endsWith(`udp${version}`)) ?? [];
  return sumMapped(sets, UDP_FROM_PERF);
}

export function countersFromPowerShell(
  tcp: readonly PsCounterSet[] | null,
  udp: readonly PsCounterSet[] | null,
): Partial<Counters> {
  return {
    Tcp: tcp === null ? null : sumMapped(tcp, TCP_FROM_PERF),
    Udp: udpOfVersion(udp, 'v4'),
    Udp6: udpOfVersion(udp, 'v6'),
  };
}

function fromBlocks(
  blocks: readonly StatisticsBlock[],
  protocol: string,
  table: readonly (readonly [string, string])[],
  ipVersion?: StatisticsBlock['ipVersion'],
): CounterSection | null {
  const mine = blocks.filter((b) => b.protocol === protocol && (ipVersion === undefined || b.ipVersion === ipVersion));
  if (mine.length === 0) return null;
  const out: CounterSection = {};
  for (const block of mine) {
    // English labels decide; a block with none of them (localized Windows) is read by position.
    const byLabel = [...block.values.keys()].some((label) => table.some(([l]) => l === label));
    [...block.values.entries()].forEach(([label, value], position) => {
      const name = byLabel ? table.find(([l]) => l === label)?.[1] : table[position]?.[1];
      if (name !== undefined) out[name] = (out[name] ?? 0) + value;
    });
  }
  return out;
}

/** TCP's IPv4 and IPv6 blocks are summed, as /proc/net/snmp's Tcp counts both; UDP's are kept apart (Udp, Udp6). */
export function countersFromNetstat(blocks: readonly StatisticsBlock[]): Partial<Counters> {
  return {
    Tcp: fromBlocks(blocks, 'TCP', TCP_FROM_NETSTAT),
    Udp: fromBlocks(blocks, 'UDP', UDP_FROM_NETSTAT, 'IPv4'),
    Udp6: fromBlocks(blocks, 'UDP', UDP_FROM_NETSTAT, 'IPv6'),
  };
}
