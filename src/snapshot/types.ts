/**
 * The one data model every platform's samplers fill and every consumer (CLI tables, metrics,
 * rules) reads. Field names follow ../shared/DESIGN.md (`snapshot --json`); absent data is
 * `null`, never a missing key, so JSON consumers can tell "zero" from "unknown".
 */

/** OTel `network.connection.state` values, in the order `ss` lists states. */
export const TCP_STATES = [
  'established',
  'syn_sent',
  'syn_received',
  'fin_wait_1',
  'fin_wait_2',
  'time_wait',
  'close',
  'close_wait',
  'last_ack',
  'listen',
  'closing',
] as const;
export type TcpState = (typeof TCP_STATES)[number];

export type Transport = 'tcp' | 'udp' | 'unix';
export type Family = 'inet' | 'inet6' | 'unix';
export type IpFamily = 'inet' | 'inet6';

/**
 * One socket, with the fields `ss -tuxanpe` shows. UDP and unix sockets reuse the TCP state
 * vocabulary the kernel uses for them: unconnected UDP is `close` (ss: UNCONN), connected UDP
 * is `established`; a listening unix socket is `listen`.
 */
export interface SocketRecord {
  transport: Transport;
  family: Family;
  state: TcpState;
  /** IP text as `ss` prints it (`127.0.0.1`, `::1`, `::ffff:10.0.0.1`); unix: the path or null. */
  localAddress: string | null;
  localPort: number | null;
  remoteAddress: string | null;
  remotePort: number | null;
  recvQ: number;
  sendQ: number;
  uid: number | null;
  inode: number | null;
  pid: number | null;
  process: string | null;
}

export interface Listener {
  transport: 'tcp' | 'udp';
  family: IpFamily;
  address: string;
  port: number;
  pid: number | null;
  process: string | null;
  uid: number | null;
  inode: number | null;
}

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
  /** Extra kernel counters where the platform has them (Linux: fifo, frame, compressed, multicast, colls, carrier). */
  rxFifo?: number | null;
  rxFrame?: number | null;
  rxCompressed?: number | null;
  rxMulticast?: number | null;
  txFifo?: number | null;
  txCollisions?: number | null;
  txCarrier?: number | null;
  txCompressed?: number | null;
  /** From sysfs (Linux): `up`, `down`, `unknown`, ...; link speed; MTU; carrier up/down changes since boot. */
  operState?: string | null;
  speedMbps?: number | null;
  mtu?: number | null;
  carrierChanges?: number | null;
}

export interface Route {
  family: IpFamily;
  /** CIDR text: `0.0.0.0/0`, `10.0.0.0/8`, `::/0`, `fe80::/64`. */
  destination: string;
  /** Next hop, or null for directly connected routes (gateway 0.0.0.0 / ::). */
  gateway: string | null;
  interface: string | null;
  metric: number | null;
  /** Flags as `route -n` prints them: `U`, `UG`, `UH`, ... */
  flags: string;
}

export interface DefaultGateway {
  family: IpFamily;
  gateway: string;
  interface: string | null;
}

export interface Conntrack {
  count: number;
  max: number;
}

/** A counter section of /proc/net/snmp, snmp6 or netstat (`Tcp`, `TcpExt`, `Udp6`, ...), by field name. */
export type CounterSection = Record<string, number>;

export interface Counters {
  Tcp: CounterSection | null;
  TcpExt: CounterSection | null;
  /** UDP over IPv4 (/proc/net/snmp `Udp:`). */
  Udp: CounterSection | null;
  /**
   * UDP over IPv6 (/proc/net/snmp6 `Udp6*`, prefix stripped: the same field names as `Udp`);
   * null when IPv6 is disabled. A datagram is counted in one of the two, never both.
   */
  Udp6: CounterSection | null;
  Ip: CounterSection | null;
  /** Any further sections the kernel prints (IpExt, Icmp, UdpLite, UdpLite6, MPTcpExt, ...). */
  [section: string]: CounterSection | null;
}

/**
 * /proc/net/sockstat and sockstat6 merged, by protocol line (`TCP`, `UDP`, `TCP6`, ...), each
 * field as the kernel names it (`inuse`, `orphan`, `tw`, `alloc`, `mem`). `sockets.used` is the
 * first line. `mem` is in pages, as the kernel prints it.
 */
export type Sockstat = Record<string, Record<string, number>>;

/**
 * A problem met while sampling: which sampler, which file and line where known, and what.
 * A snapshot with errors is still a snapshot: every part that could be read is in it.
 */
export interface SampleError {
  source: string;
  file: string | null;
  line: number | null;
  message: string;
}

/** How each sampler fared, for the `netstat.sampler.*` self-metrics. */
export interface SamplerStatus {
  name: string;
  ok: boolean;
  durationMs: number;
}

export interface Snapshot {
  timestamp: string;
  platform: 'linux' | 'windows' | 'darwin';
  sockets: SocketRecord[];
  tcp: { states: Record<TcpState, number> };
  udp: { sockets: number };
  unix: { sockets: number } | null;
  listeners: Listener[];
  interfaces: InterfaceStats[];
  routes: Route[];
  defaultGateways: DefaultGateway[];
  conntrack: Conntrack | null;
  counters: Counters;
  sockstat: Sockstat | null;
  localPortRange: [number, number] | null;
  errors: SampleError[];
  samplers: SamplerStatus[];
}
