/**
 * THE metric table: every metric netstat-otel exports, as data. Instruments are created from it
 * (instruments.ts), the observe functions may only emit names it lists (observe.ts), and
 * docs/metrics.md is generated from it (docs.ts) with a test keeping the two in step — the
 * shape of the Collector's `metadata.yaml`, in TypeScript so the names are checked types.
 *
 * Names, units and attributes follow the OTel semantic conventions where a convention exists
 * (`system.network.*`); everything else lives under `netstat.*`.
 */
import {
  ATTR_NETWORK_CONNECTION_STATE,
  ATTR_NETWORK_INTERFACE_NAME,
  ATTR_NETWORK_IO_DIRECTION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  METRIC_SYSTEM_NETWORK_CONNECTION_COUNT,
  METRIC_SYSTEM_NETWORK_ERRORS,
  METRIC_SYSTEM_NETWORK_IO,
  METRIC_SYSTEM_NETWORK_PACKET_COUNT,
  METRIC_SYSTEM_NETWORK_PACKET_DROPPED,
  NETWORK_TYPE_VALUE_IPV4,
  NETWORK_TYPE_VALUE_IPV6,
} from '../semconv.js';

/** Attribute keys without a semantic convention. */
export const ATTR_SOCKSTAT_PROTOCOL = 'netstat.sockstat.protocol';
export const ATTR_TCP_OPEN_TYPE = 'netstat.tcp.open.type';
export const ATTR_SAMPLER_NAME = 'netstat.sampler.name';
export const ATTR_ALERTS_DROP_REASON = 'netstat.alerts.drop.reason';

/**
 * All instruments are observable: the sidecar samples on its own schedule and the SDK only reads
 * the latest snapshot. Kernel counters (cumulative since boot) are `counter`s — monotonic
 * cumulative sums; current counts are `updowncounter`s as the semconv asks for
 * `system.network.connection.count`; per-sample readings that are not sums (a duration, a 0/1
 * success flag) are `gauge`s.
 */
export type InstrumentKind = 'counter' | 'updowncounter' | 'gauge';

/** The Snapshot part a metric reads; a metric is absent (not 0) while its part is null. */
export type SnapshotPart =
  | 'sockets'
  | 'tcp'
  | 'udp'
  | 'listeners'
  | 'interfaces'
  | 'conntrack'
  | 'counters'
  | 'sockstat'
  | 'localPortRange'
  | 'samplers'
  | 'errors';

/** Which observe function in observe.ts produces the metric. */
export type MetricGroup =
  | 'connections'
  | 'interfaces'
  | 'conntrack'
  | 'kernelCounters'
  | 'listeners'
  | 'sockstat'
  | 'ports'
  | 'samplers'
  /** Not from the snapshot: the alert record delivery queue (export/queued_log_processor.ts). */
  | 'alertQueue';

/** The groups observe.ts derives from a snapshot. */
export type SnapshotMetricGroup = Exclude<MetricGroup, 'alertQueue'>;

/** The snapshot.counters sections a metric may read, with the kernel file each comes from. */
export const KERNEL_SECTION_FILES = {
  Tcp: '/proc/net/snmp',
  TcpExt: '/proc/net/netstat',
  Udp: '/proc/net/snmp',
  Udp6: '/proc/net/snmp6',
} as const;
export type KernelSection = keyof typeof KERNEL_SECTION_FILES;

/**
 * Which section(s) a kernel counter reads: one, or one per value of an attribute (`bySection`),
 * each series carrying `key: value` — UDP keeps IPv4 and IPv6 in `Udp` and `Udp6` with the same
 * field names. A series whose section is null (no snmp6 with IPv6 disabled) is not reported.
 */
export type KernelSectionSource =
  | { section: KernelSection }
  | { bySection: { key: string; sections: Readonly<Record<string, KernelSection>> } };

/** Which field(s) of each section: one, one per direction, or one per value of an attribute. */
export type KernelFieldSource =
  | { field: string }
  | { byDirection: { receive: string; transmit: string } }
  | { byAttribute: { key: string; fields: Record<string, string> } };

/** A counter read straight from /proc/net/snmp, snmp6 or netstat (snapshot.counters). */
export type KernelCounterSource = KernelSectionSource & KernelFieldSource;

/** UDP by IP version: the kernel counts a datagram in one of `Udp` and `Udp6`, never both. */
const UDP_BY_NETWORK_TYPE = {
  bySection: { key: ATTR_NETWORK_TYPE, sections: { [NETWORK_TYPE_VALUE_IPV4]: 'Udp', [NETWORK_TYPE_VALUE_IPV6]: 'Udp6' } },
} as const satisfies KernelSectionSource;

export interface MetricDefinition {
  readonly name: string;
  readonly kind: InstrumentKind;
  readonly unit: string;
  readonly valueType: 'int' | 'double';
  readonly description: string;
  /** Every attribute key a data point of this metric may carry (some points carry fewer). */
  readonly attributes: readonly string[];
  readonly group: MetricGroup;
  readonly reads: readonly SnapshotPart[];
  /** Where the number comes from, for the docs, when `reads` alone does not say it. */
  readonly origin?: string;
  readonly kernel?: KernelCounterSource;
}

/** Linux prints sockstat `mem` in pages; we assume 4 KiB pages (x86-64, most arm64 kernels). */
export const SOCKSTAT_PAGE_SIZE = 4096;

const DIRECTION = [ATTR_NETWORK_INTERFACE_NAME, ATTR_NETWORK_IO_DIRECTION] as const;

export const METRICS = [
  // --- semantic conventions -------------------------------------------------------------------
  {
    name: METRIC_SYSTEM_NETWORK_CONNECTION_COUNT,
    kind: 'updowncounter',
    unit: '{connection}',
    valueType: 'int',
    description:
      'TCP sockets by state and UDP sockets, by IP version. Every TCP state is reported, 0 when empty; UDP carries no state.',
    attributes: [ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_CONNECTION_STATE, ATTR_NETWORK_TYPE],
    group: 'connections',
    reads: ['sockets', 'tcp', 'udp'],
    origin:
      'socket table (`/proc/net/tcp{,6}`, `udp{,6}` or sock_diag); falls back to `tcp.states` / `udp.sockets` without `network.type` when the sampler gave counts only',
  },
  {
    name: METRIC_SYSTEM_NETWORK_IO,
    kind: 'counter',
    unit: 'By',
    valueType: 'int',
    description: 'Bytes received and transmitted per interface.',
    attributes: DIRECTION,
    group: 'interfaces',
    reads: ['interfaces'],
    origin: '`/proc/net/dev` bytes',
  },
  {
    name: METRIC_SYSTEM_NETWORK_PACKET_COUNT,
    kind: 'counter',
    unit: '{packet}',
    valueType: 'int',
    description: 'Packets received and transmitted per interface.',
    attributes: DIRECTION,
    group: 'interfaces',
    reads: ['interfaces'],
    origin: '`/proc/net/dev` packets',
  },
  {
    name: METRIC_SYSTEM_NETWORK_ERRORS,
    kind: 'counter',
    unit: '{error}',
    valueType: 'int',
    description: 'Receive and transmit errors per interface.',
    attributes: DIRECTION,
    group: 'interfaces',
    reads: ['interfaces'],
    origin: '`/proc/net/dev` errs',
  },
  {
    name: METRIC_SYSTEM_NETWORK_PACKET_DROPPED,
    kind: 'counter',
    unit: '{packet}',
    valueType: 'int',
    description: 'Packets dropped on receive and transmit per interface.',
    attributes: DIRECTION,
    group: 'interfaces',
    reads: ['interfaces'],
    origin: '`/proc/net/dev` drop',
  },
  {
    name: 'system.network.conntrack.count',
    kind: 'updowncounter',
    unit: '{entry}',
    valueType: 'int',
    description: 'Entries in the netfilter connection tracking table.',
    attributes: [],
    group: 'conntrack',
    reads: ['conntrack'],
    origin: '`/proc/sys/net/netfilter/nf_conntrack_count`',
  },
  {
    name: 'system.network.conntrack.max',
    kind: 'updowncounter',
    unit: '{entry}',
    valueType: 'int',
    description: 'Size limit of the netfilter connection tracking table.',
    attributes: [],
    group: 'conntrack',
    reads: ['conntrack'],
    origin: '`/proc/sys/net/netfilter/nf_conntrack_max`',
  },

  // --- TCP kernel counters ----------------------------------------------------------------------
  {
    name: 'netstat.tcp.segments',
    kind: 'counter',
    unit: '{segment}',
    valueType: 'int',
    description: 'TCP segments received and sent (the denominator for retransmit and error rates).',
    attributes: [ATTR_NETWORK_IO_DIRECTION],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'Tcp', byDirection: { receive: 'InSegs', transmit: 'OutSegs' } },
  },
  {
    name: 'netstat.tcp.retransmitted_segments',
    kind: 'counter',
    unit: '{segment}',
    valueType: 'int',
    description: 'TCP segments retransmitted.',
    attributes: [],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'Tcp', field: 'RetransSegs' },
  },
  {
    name: 'netstat.tcp.receive_errors',
    kind: 'counter',
    unit: '{segment}',
    valueType: 'int',
    description: 'TCP segments received in error (bad checksum, malformed).',
    attributes: [],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'Tcp', field: 'InErrs' },
  },
  {
    name: 'netstat.tcp.resets_sent',
    kind: 'counter',
    unit: '{segment}',
    valueType: 'int',
    description: 'TCP segments sent with the RST flag.',
    attributes: [],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'Tcp', field: 'OutRsts' },
  },
  {
    name: 'netstat.tcp.established_resets',
    kind: 'counter',
    unit: '{connection}',
    valueType: 'int',
    description: 'TCP connections reset straight from ESTABLISHED or CLOSE_WAIT.',
    attributes: [],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'Tcp', field: 'EstabResets' },
  },
  {
    name: 'netstat.tcp.attempt_failures',
    kind: 'counter',
    unit: '{connection}',
    valueType: 'int',
    description: 'TCP connection attempts that failed (SYN_SENT/SYN_RECV back to CLOSED or LISTEN).',
    attributes: [],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'Tcp', field: 'AttemptFails' },
  },
  {
    name: 'netstat.tcp.opens',
    kind: 'counter',
    unit: '{connection}',
    valueType: 'int',
    description: 'TCP connections opened: active (outbound connect) and passive (accepted).',
    attributes: [ATTR_TCP_OPEN_TYPE],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: {
      section: 'Tcp',
      byAttribute: { key: ATTR_TCP_OPEN_TYPE, fields: { active: 'ActiveOpens', passive: 'PassiveOpens' } },
    },
  },
  {
    name: 'netstat.tcp.listen.overflows',
    kind: 'counter',
    unit: '{connection}',
    valueType: 'int',
    description: 'Times a listening socket\'s accept queue was full (the application does not accept fast enough).',
    attributes: [],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'TcpExt', field: 'ListenOverflows' },
  },
  {
    name: 'netstat.tcp.listen.drops',
    kind: 'counter',
    unit: '{connection}',
    valueType: 'int',
    description: 'Connection requests dropped by listening sockets, overflows included.',
    attributes: [],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'TcpExt', field: 'ListenDrops' },
  },
  {
    name: 'netstat.tcp.syncookies.sent',
    kind: 'counter',
    unit: '{cookie}',
    valueType: 'int',
    description: 'SYN cookies sent because a SYN queue was full (SYN flood or an undersized backlog).',
    attributes: [],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { section: 'TcpExt', field: 'SyncookiesSent' },
  },

  // --- UDP kernel counters, by IP version (`network.type`; summed over it: all UDP) ---------
  {
    name: 'netstat.udp.datagrams',
    kind: 'counter',
    unit: '{datagram}',
    valueType: 'int',
    description: 'UDP datagrams delivered to sockets and sent.',
    attributes: [ATTR_NETWORK_IO_DIRECTION, ATTR_NETWORK_TYPE],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { ...UDP_BY_NETWORK_TYPE, byDirection: { receive: 'InDatagrams', transmit: 'OutDatagrams' } },
  },
  {
    name: 'netstat.udp.receive_errors',
    kind: 'counter',
    unit: '{datagram}',
    valueType: 'int',
    description: 'UDP datagrams that could not be delivered, buffer errors included.',
    attributes: [ATTR_NETWORK_TYPE],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { ...UDP_BY_NETWORK_TYPE, field: 'InErrors' },
  },
  {
    name: 'netstat.udp.receive_buffer_errors',
    kind: 'counter',
    unit: '{datagram}',
    valueType: 'int',
    description: 'UDP datagrams dropped because a socket receive buffer was full.',
    attributes: [ATTR_NETWORK_TYPE],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { ...UDP_BY_NETWORK_TYPE, field: 'RcvbufErrors' },
  },
  {
    name: 'netstat.udp.send_buffer_errors',
    kind: 'counter',
    unit: '{datagram}',
    valueType: 'int',
    description: 'UDP datagrams dropped because a socket send buffer was full.',
    attributes: [ATTR_NETWORK_TYPE],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { ...UDP_BY_NETWORK_TYPE, field: 'SndbufErrors' },
  },
  {
    name: 'netstat.udp.no_port',
    kind: 'counter',
    unit: '{datagram}',
    valueType: 'int',
    description: 'UDP datagrams received for a port nobody listens on.',
    attributes: [ATTR_NETWORK_TYPE],
    group: 'kernelCounters',
    reads: ['counters'],
    kernel: { ...UDP_BY_NETWORK_TYPE, field: 'NoPorts' },
  },

  // --- listeners, sockstat, ports ---------------------------------------------------------------
  {
    name: 'netstat.listeners',
    kind: 'updowncounter',
    unit: '{listener}',
    valueType: 'int',
    description: 'Listening TCP sockets and bound, unconnected UDP sockets; 0 is reported for each transport and IP version.',
    attributes: [ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_TYPE],
    group: 'listeners',
    reads: ['listeners'],
  },
  {
    name: 'netstat.sockstat.sockets',
    kind: 'updowncounter',
    unit: '{socket}',
    valueType: 'int',
    description: 'Sockets of every kind allocated by the kernel (`sockets: used`).',
    attributes: [],
    group: 'sockstat',
    reads: ['sockstat'],
    origin: '`/proc/net/sockstat` `sockets: used`',
  },
  {
    name: 'netstat.sockstat.inuse',
    kind: 'updowncounter',
    unit: '{socket}',
    valueType: 'int',
    description: 'Sockets in use per protocol (tcp, udp, udplite, raw) and IP version.',
    attributes: [ATTR_SOCKSTAT_PROTOCOL, ATTR_NETWORK_TYPE],
    group: 'sockstat',
    reads: ['sockstat'],
    origin: '`/proc/net/sockstat{,6}` `inuse`',
  },
  {
    name: 'netstat.sockstat.tcp.orphan',
    kind: 'updowncounter',
    unit: '{socket}',
    valueType: 'int',
    description: 'TCP sockets no longer attached to a process (closed by the application, still in the kernel).',
    attributes: [],
    group: 'sockstat',
    reads: ['sockstat'],
    origin: '`/proc/net/sockstat` `TCP: orphan`',
  },
  {
    name: 'netstat.sockstat.tcp.time_wait',
    kind: 'updowncounter',
    unit: '{socket}',
    valueType: 'int',
    description: 'TCP sockets in TIME_WAIT, as the kernel counts them (cheap even at 1M sockets).',
    attributes: [],
    group: 'sockstat',
    reads: ['sockstat'],
    origin: '`/proc/net/sockstat` `TCP: tw`',
  },
  {
    name: 'netstat.sockstat.tcp.alloc',
    kind: 'updowncounter',
    unit: '{socket}',
    valueType: 'int',
    description: 'TCP sockets allocated (all states, orphans included).',
    attributes: [],
    group: 'sockstat',
    reads: ['sockstat'],
    origin: '`/proc/net/sockstat` `TCP: alloc`',
  },
  {
    name: 'netstat.sockstat.memory',
    kind: 'updowncounter',
    unit: 'By',
    valueType: 'int',
    description: `Socket buffer memory per protocol (tcp, udp): the kernel's page count times ${SOCKSTAT_PAGE_SIZE}.`,
    attributes: [ATTR_SOCKSTAT_PROTOCOL],
    group: 'sockstat',
    reads: ['sockstat'],
    origin: `\`/proc/net/sockstat\` \`mem\` (pages) × ${SOCKSTAT_PAGE_SIZE}`,
  },
  {
    name: 'netstat.ports.ephemeral.usage',
    kind: 'updowncounter',
    unit: '{socket}',
    valueType: 'int',
    description:
      'Client-side sockets whose local port lies in the ephemeral range: TCP non-listening sockets not on a listener\'s port, and UDP sockets.',
    attributes: [ATTR_NETWORK_TRANSPORT],
    group: 'ports',
    reads: ['sockets', 'listeners', 'localPortRange'],
  },
  {
    name: 'netstat.ports.ephemeral.limit',
    kind: 'updowncounter',
    unit: '{port}',
    valueType: 'int',
    description: 'Number of ports in the ephemeral range (`high - low + 1`).',
    attributes: [],
    group: 'ports',
    reads: ['localPortRange'],
    origin: '`/proc/sys/net/ipv4/ip_local_port_range`',
  },

  // --- the sampler itself ---------------------------------------------------------------------
  {
    name: 'netstat.sampler.success',
    kind: 'gauge',
    unit: '1',
    valueType: 'int',
    description: '1 when the sampler succeeded in the latest snapshot, 0 when it failed.',
    attributes: [ATTR_SAMPLER_NAME],
    group: 'samplers',
    reads: ['samplers'],
  },
  {
    name: 'netstat.sampler.duration',
    kind: 'gauge',
    unit: 's',
    valueType: 'double',
    description: 'How long the sampler took in the latest snapshot.',
    attributes: [ATTR_SAMPLER_NAME],
    group: 'samplers',
    reads: ['samplers'],
  },
  {
    name: 'netstat.sampler.errors',
    kind: 'gauge',
    unit: '{error}',
    valueType: 'int',
    description: 'Problems recorded in the latest snapshot, by source; 0 for every sampler that reported none.',
    attributes: [ATTR_SAMPLER_NAME],
    group: 'samplers',
    reads: ['errors', 'samplers'],
  },

  // --- alert delivery (the sidecar's own queue, not the host) ---------------------------------
  {
    name: 'netstat.alerts.queued',
    kind: 'updowncounter',
    unit: '{record}',
    valueType: 'int',
    description:
      'Alert log records (alerts, rules errors, notices) waiting for the collector, oldest first; with --state-dir they are also in the spool file.',
    attributes: [],
    group: 'alertQueue',
    reads: [],
    origin: 'the log record delivery queue',
  },
  {
    name: 'netstat.alerts.dropped',
    kind: 'counter',
    unit: '{record}',
    valueType: 'int',
    description:
      'Alert log records given up since start: the oldest when the queue was full (`queue_full`), or records the collector refused for good with a 4xx (`rejected`).',
    attributes: [ATTR_ALERTS_DROP_REASON],
    group: 'alertQueue',
    reads: [],
    origin: 'the log record delivery queue',
  },
] as const satisfies readonly MetricDefinition[];

export type MetricName = (typeof METRICS)[number]['name'];

export const METRIC_NAMES: readonly MetricName[] = METRICS.map((m) => m.name);

export function metricDefinition(name: MetricName): MetricDefinition {
  const found = METRICS.find((m) => m.name === name);
  if (found === undefined) throw new Error(`unknown metric ${name}`);
  return found;
}
