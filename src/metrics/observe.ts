/**
 * Pure functions from a Snapshot to data points, one per metric group of the table. They never
 * read the system and never touch the OTel SDK: instruments.ts hands them an `observe` sink, tests
 * hand them an array. Absent data (a null part, a missing kernel field) yields no point rather
 * than a made-up 0; a present-but-empty part yields explicit zeros where the table says so.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_NETWORK_CONNECTION_STATE,
  ATTR_NETWORK_INTERFACE_NAME,
  ATTR_NETWORK_IO_DIRECTION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  NETWORK_CONNECTION_STATE_VALUE_CLOSED,
  NETWORK_IO_DIRECTION_VALUE_RECEIVE,
  NETWORK_IO_DIRECTION_VALUE_TRANSMIT,
  NETWORK_TRANSPORT_VALUE_TCP,
  NETWORK_TRANSPORT_VALUE_UDP,
  NETWORK_TYPE_VALUE_IPV4,
  NETWORK_TYPE_VALUE_IPV6,
} from '../semconv.js';
import { zeroStates } from '../snapshot/empty.js';
import { TCP_STATES, type CounterSection, type Family, type Snapshot, type TcpState } from '../snapshot/types.js';
import {
  ATTR_ALERTS_DROP_REASON,
  ATTR_SAMPLER_NAME,
  ATTR_SOCKSTAT_PROTOCOL,
  METRICS,
  SOCKSTAT_PAGE_SIZE,
  type KernelCounterSource,
  type KernelSection,
  type KernelSectionSource,
  type MetricName,
  type SnapshotMetricGroup,
} from './table.js';

export type Observe = (metric: MetricName, value: number, attributes?: Attributes) => void;

export interface Observation {
  metric: MetricName;
  value: number;
  attributes: Attributes;
}

type NetworkType = typeof NETWORK_TYPE_VALUE_IPV4 | typeof NETWORK_TYPE_VALUE_IPV6;
const NETWORK_TYPES: readonly NetworkType[] = [NETWORK_TYPE_VALUE_IPV4, NETWORK_TYPE_VALUE_IPV6];

function networkType(family: Family): NetworkType | null {
  if (family === 'inet') return NETWORK_TYPE_VALUE_IPV4;
  if (family === 'inet6') return NETWORK_TYPE_VALUE_IPV6;
  return null;
}

/**
 * The snapshot model spells the closed state `close` (as `ss` and the kernel do); the semconv
 * enum value is `closed`. Every other state name is already the semconv value.
 */
export function connectionStateValue(state: TcpState): string {
  return state === 'close' ? NETWORK_CONNECTION_STATE_VALUE_CLOSED : state;
}

function usable(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

// --- connections -----------------------------------------------------------------------------

export function observeConnections(snapshot: Snapshot, observe: Observe): void {
  const metric = 'system.network.connection.count';
  // One pass over the socket table (it can hold a million entries), no intermediate arrays.
  const tcp = { ipv4: zeroStates(), ipv6: zeroStates() };
  const udp = { ipv4: 0, ipv6: 0 };
  let tcpListed = 0;
  let udpListed = 0;
  for (const s of snapshot.sockets) {
    const type = networkType(s.family);
    if (type === null) continue;
    if (s.transport === 'tcp') {
      tcpListed += 1;
      tcp[type][s.state] += 1;
    } else if (s.transport === 'udp') {
      udpListed += 1;
      udp[type] += 1;
    }
  }
  const tcpCounted = TCP_STATES.reduce((sum, state) => sum + snapshot.tcp.states[state], 0);

  // The socket list gives the IP version; a sampler that only counted (tcp.states) cannot, and
  // then we report the counts without network.type rather than guess.
  if (tcpListed > 0 || tcpCounted === 0) {
    for (const type of NETWORK_TYPES) {
      for (const state of TCP_STATES) {
        observe(metric, tcp[type][state], {
          [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_TCP,
          [ATTR_NETWORK_CONNECTION_STATE]: connectionStateValue(state),
          [ATTR_NETWORK_TYPE]: type,
        });
      }
    }
  } else {
    for (const state of TCP_STATES) {
      observe(metric, snapshot.tcp.states[state], {
        [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_TCP,
        [ATTR_NETWORK_CONNECTION_STATE]: connectionStateValue(state),
      });
    }
  }

  if (udpListed > 0 || snapshot.udp.sockets === 0) {
    for (const type of NETWORK_TYPES) {
      observe(metric, udp[type], { [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_UDP, [ATTR_NETWORK_TYPE]: type });
    }
  } else {
    observe(metric, snapshot.udp.sockets, { [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_UDP });
  }
}

// --- interfaces ------------------------------------------------------------------------------

export function observeInterfaces(snapshot: Snapshot, observe: Observe): void {
  for (const nic of snapshot.interfaces) {
    const rx = { [ATTR_NETWORK_INTERFACE_NAME]: nic.name, [ATTR_NETWORK_IO_DIRECTION]: NETWORK_IO_DIRECTION_VALUE_RECEIVE };
    const tx = { [ATTR_NETWORK_INTERFACE_NAME]: nic.name, [ATTR_NETWORK_IO_DIRECTION]: NETWORK_IO_DIRECTION_VALUE_TRANSMIT };
    const pairs: [MetricName, number, number][] = [
      ['system.network.io', nic.rxBytes, nic.txBytes],
      ['system.network.packet.count', nic.rxPackets, nic.txPackets],
      ['system.network.errors', nic.rxErrors, nic.txErrors],
      ['system.network.packet.dropped', nic.rxDropped, nic.txDropped],
    ];
    for (const [metric, receive, transmit] of pairs) {
      if (usable(receive)) observe(metric, receive, rx);
      if (usable(transmit)) observe(metric, transmit, tx);
    }
  }
}

// --- conntrack -------------------------------------------------------------------------------

export function observeConntrack(snapshot: Snapshot, observe: Observe): void {
  if (snapshot.conntrack === null) return;
  if (usable(snapshot.conntrack.count)) observe('system.network.conntrack.count', snapshot.conntrack.count);
  if (usable(snapshot.conntrack.max)) observe('system.network.conntrack.max', snapshot.conntrack.max);
}

// --- kernel counters: driven entirely by the `kernel` field of the table ---------------------

interface KernelSeries {
  section: CounterSection;
  /** What every point read from this section carries (`network.type` for UDP), before its own. */
  attributes: Attributes;
}

/** The sections a counter reads that the snapshot has, each with its series' attributes. */
function kernelSeries(snapshot: Snapshot, source: KernelSectionSource): KernelSeries[] {
  const wanted: [KernelSection, Attributes][] =
    'section' in source
      ? [[source.section, {}]]
      : Object.entries(source.bySection.sections).map(([value, name]) => [name, { [source.bySection.key]: value }]);
  return wanted.flatMap(([name, attributes]) => {
    const section = snapshot.counters[name];
    return section === null || section === undefined ? [] : [{ section, attributes }];
  });
}

function observeKernelCounter(snapshot: Snapshot, metric: MetricName, source: KernelCounterSource, observe: Observe): void {
  for (const { section, attributes } of kernelSeries(snapshot, source)) {
    const point = (field: string, own: Attributes = {}): void => {
      const v = section[field];
      if (usable(v)) observe(metric, v, { ...attributes, ...own });
    };
    if ('field' in source) {
      point(source.field);
    } else if ('byDirection' in source) {
      point(source.byDirection.receive, { [ATTR_NETWORK_IO_DIRECTION]: NETWORK_IO_DIRECTION_VALUE_RECEIVE });
      point(source.byDirection.transmit, { [ATTR_NETWORK_IO_DIRECTION]: NETWORK_IO_DIRECTION_VALUE_TRANSMIT });
    } else {
      for (const [value, field] of Object.entries(source.byAttribute.fields)) point(field, { [source.byAttribute.key]: value });
    }
  }
}

export function observeKernelCounters(snapshot: Snapshot, observe: Observe): void {
  for (const def of METRICS) {
    if ('kernel' in def) observeKernelCounter(snapshot, def.name, def.kernel, observe);
  }
}

// --- listeners -------------------------------------------------------------------------------

export function observeListeners(snapshot: Snapshot, observe: Observe): void {
  for (const transport of [NETWORK_TRANSPORT_VALUE_TCP, NETWORK_TRANSPORT_VALUE_UDP] as const) {
    for (const type of NETWORK_TYPES) {
      const n = snapshot.listeners.filter((l) => l.transport === transport && networkType(l.family) === type).length;
      observe('netstat.listeners', n, { [ATTR_NETWORK_TRANSPORT]: transport, [ATTR_NETWORK_TYPE]: type });
    }
  }
}

// --- sockstat --------------------------------------------------------------------------------

const SOCKSTAT_PROTOCOLS = ['TCP', 'UDP', 'UDPLITE', 'RAW'] as const;

export function observeSockstat(snapshot: Snapshot, observe: Observe): void {
  const sockstat = snapshot.sockstat;
  if (sockstat === null) return;
  const used = sockstat['sockets']?.['used'];
  if (usable(used)) observe('netstat.sockstat.sockets', used);

  for (const proto of SOCKSTAT_PROTOCOLS) {
    const protocol = proto.toLowerCase();
    const v4 = sockstat[proto]?.['inuse'];
    const v6 = sockstat[`${proto}6`]?.['inuse'];
    if (usable(v4)) observe('netstat.sockstat.inuse', v4, { [ATTR_SOCKSTAT_PROTOCOL]: protocol, [ATTR_NETWORK_TYPE]: NETWORK_TYPE_VALUE_IPV4 });
    if (usable(v6)) observe('netstat.sockstat.inuse', v6, { [ATTR_SOCKSTAT_PROTOCOL]: protocol, [ATTR_NETWORK_TYPE]: NETWORK_TYPE_VALUE_IPV6 });
  }

  const tcp = sockstat['TCP'];
  if (tcp !== undefined) {
    if (usable(tcp['orphan'])) observe('netstat.sockstat.tcp.orphan', tcp['orphan']);
    if (usable(tcp['tw'])) observe('netstat.sockstat.tcp.time_wait', tcp['tw']);
    if (usable(tcp['alloc'])) observe('netstat.sockstat.tcp.alloc', tcp['alloc']);
  }
  for (const proto of ['TCP', 'UDP'] as const) {
    const pages = sockstat[proto]?.['mem'];
    if (usable(pages)) {
      observe('netstat.sockstat.memory', pages * SOCKSTAT_PAGE_SIZE, { [ATTR_SOCKSTAT_PROTOCOL]: proto.toLowerCase() });
    }
  }
}

// --- ephemeral ports -------------------------------------------------------------------------

export interface EphemeralPortUsage {
  tcp: number;
  udp: number;
  /** Ports in the range, `high - low + 1`. */
  limit: number;
}

/**
 * Sockets holding a port of the ephemeral range for an outgoing flow. Accepted TCP connections
 * share their listener's port, so they are not counted even when that port lies in the range;
 * counting them would report port pressure on a busy server that has none. Exported so the rules
 * facts (`ports.ephemeralUsagePercent`) can use the same definition.
 */
export function ephemeralPortUsage(snapshot: Snapshot): EphemeralPortUsage | null {
  const range = snapshot.localPortRange;
  if (range === null) return null;
  const [low, high] = range;
  const inRange = (port: number | null): boolean => port !== null && port >= low && port <= high;
  const listening = new Set<number>();
  for (const l of snapshot.listeners) if (l.transport === 'tcp') listening.add(l.port);
  for (const s of snapshot.sockets) {
    if (s.transport === 'tcp' && s.state === 'listen' && s.localPort !== null) listening.add(s.localPort);
  }
  let tcp = 0;
  let udp = 0;
  for (const s of snapshot.sockets) {
    if (s.family === 'unix' || !inRange(s.localPort)) continue;
    if (s.transport === 'tcp' && s.state !== 'listen' && !listening.has(s.localPort as number)) tcp += 1;
    else if (s.transport === 'udp') udp += 1;
  }
  return { tcp, udp, limit: Math.max(0, high - low + 1) };
}

export function observePorts(snapshot: Snapshot, observe: Observe): void {
  const usage = ephemeralPortUsage(snapshot);
  if (usage === null) return;
  observe('netstat.ports.ephemeral.usage', usage.tcp, { [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_TCP });
  observe('netstat.ports.ephemeral.usage', usage.udp, { [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_UDP });
  observe('netstat.ports.ephemeral.limit', usage.limit);
}

// --- samplers --------------------------------------------------------------------------------

export function observeSamplers(snapshot: Snapshot, observe: Observe): void {
  const errorsBySource = new Map<string, number>();
  for (const sampler of snapshot.samplers) errorsBySource.set(sampler.name, 0);
  for (const error of snapshot.errors) errorsBySource.set(error.source, (errorsBySource.get(error.source) ?? 0) + 1);

  for (const sampler of snapshot.samplers) {
    const attributes = { [ATTR_SAMPLER_NAME]: sampler.name };
    observe('netstat.sampler.success', sampler.ok ? 1 : 0, attributes);
    if (usable(sampler.durationMs)) observe('netstat.sampler.duration', sampler.durationMs / 1000, attributes);
  }
  for (const [source, n] of errorsBySource) observe('netstat.sampler.errors', n, { [ATTR_SAMPLER_NAME]: source });
}

// --- alert delivery queue (not from the snapshot) ---------------------------------------------

export interface AlertQueueStats {
  queued: number;
  dropped: Readonly<Record<'queue_full' | 'rejected', number>>;
}

/** Both drop reasons are always reported, 0 included, so a rate works from the first export. */
export function observeAlertQueue(stats: AlertQueueStats, observe: Observe): void {
  observe('netstat.alerts.queued', stats.queued);
  for (const reason of ['queue_full', 'rejected'] as const) {
    observe('netstat.alerts.dropped', stats.dropped[reason], { [ATTR_ALERTS_DROP_REASON]: reason });
  }
}

// --- all groups ------------------------------------------------------------------------------

export const GROUP_OBSERVERS: Record<SnapshotMetricGroup, (snapshot: Snapshot, observe: Observe) => void> = {
  connections: observeConnections,
  interfaces: observeInterfaces,
  conntrack: observeConntrack,
  kernelCounters: observeKernelCounters,
  listeners: observeListeners,
  sockstat: observeSockstat,
  ports: observePorts,
  samplers: observeSamplers,
};

/** Run every group; one group throwing (a malformed snapshot) must not cost the others. */
export function observeSnapshot(snapshot: Snapshot, observe: Observe, onError?: (group: SnapshotMetricGroup, err: unknown) => void): void {
  for (const [group, fn] of Object.entries(GROUP_OBSERVERS) as [SnapshotMetricGroup, (s: Snapshot, o: Observe) => void][]) {
    try {
      fn(snapshot, observe);
    } catch (err) {
      onError?.(group, err);
    }
  }
}

/** Every data point of a snapshot as plain records (tests, `--once` summaries). */
export function observationsOf(snapshot: Snapshot): Observation[] {
  const out: Observation[] = [];
  observeSnapshot(snapshot, (metric, value, attributes = {}) => out.push({ metric, value, attributes }));
  return out;
}
