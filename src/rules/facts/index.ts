/**
 * The fact table: one declarative list that drives validation (unknown fact names are errors),
 * evaluation, per-item rules and the facts table in docs/rules.md (a test keeps that table in
 * step with this one).
 */
import type { AnyValue } from '@opentelemetry/api-logs';
import type { ListenerMatcher } from '../allowlist.js';
import { conntrackUsagePercent } from './conntrack.js';
import { firewallRulesetChanged } from './firewall.js';
import type { SnapshotHistory } from './history.js';
import { interfaceErrorRates, type InterfaceErrorRate } from './interfaces.js';
import { newListeners, unexpectedListeners, type ListenerItem } from './listeners.js';
import { outboundByProcess, type OutboundProcess } from './outbound.js';
import { ephemeralUsagePercent } from './ports.js';
import { defaultGatewayChanged, routesChanged } from './routes.js';
import {
  closeWaitFit,
  connectionSpike,
  listenOverflowRate,
  retransmitRate,
  tcpStates,
  tcpTimeWait,
} from './tcp.js';
import { udpBufferErrorRate } from './udp.js';

export type Attributes = Record<string, AnyValue>;

export interface FactContext {
  allowlist: ListenerMatcher;
}

/** How a list fact's items become alert instances: a stable key and OTel attributes. */
export interface ItemSpec {
  key(item: unknown): string;
  attributes(item: unknown): Attributes;
}

export interface FactDef {
  name: string;
  /** Type as the docs show it. */
  type: string;
  unit: string;
  description: string;
  /** Present for list facts: rules may say `"each": "<name>"`. */
  item?: ItemSpec;
  /** Computed from the listener observation alone; the fast listener watch evaluates only rules over these. */
  listenerOnly?: boolean;
  compute(history: SnapshotHistory, ctx: FactContext): unknown;
}

function defined(attributes: Record<string, AnyValue | null | undefined>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

const listenerItem: ItemSpec = {
  key: (item) => {
    const l = item as ListenerItem;
    return `${l.transport}/${l.address}/${l.port}`;
  },
  attributes: (item) => {
    const l = item as ListenerItem;
    return defined({
      'network.transport': l.transport,
      'network.type': l.family === 'inet6' ? 'ipv6' : 'ipv4',
      'network.local.address': l.address,
      'network.local.port': l.port,
      'process.pid': l.pid,
      'process.executable.name': l.process,
    });
  },
};

const interfaceItem: ItemSpec = {
  key: (item) => (item as InterfaceErrorRate).name,
  attributes: (item) => {
    const i = item as InterfaceErrorRate;
    return defined({
      'network.interface.name': i.name,
      'netstat.interface.errors_and_drops_per_second': i.perSecond,
      'netstat.interface.error_ratio': i.ratio,
    });
  },
};

const processItem: ItemSpec = {
  key: (item) => {
    const p = item as OutboundProcess;
    return `${p.pid ?? '-'}/${p.process ?? '-'}`;
  },
  attributes: (item) => {
    const p = item as OutboundProcess;
    return defined({
      'process.pid': p.pid,
      'process.executable.name': p.process,
      'netstat.outbound.connections': p.connections,
      'netstat.outbound.remote_count': p.remoteCount,
      'netstat.outbound.remotes': p.remotes,
    });
  },
};

export const FACTS: readonly FactDef[] = [
  {
    name: 'conntrack.usagePercent',
    type: 'number | null',
    unit: '%',
    description: 'Connection-tracking entries as a percentage of `nf_conntrack_max` (0-100). null without conntrack.',
    compute: conntrackUsagePercent,
  },
  {
    name: 'tcp.states',
    type: '{ established, syn_sent, …, closing: number }',
    unit: '{socket}',
    description: 'TCP sockets by state (IPv4 and IPv6 together), every state present. Use `path`: `$.close_wait`.',
    compute: tcpStates,
  },
  {
    name: 'tcp.timeWait',
    type: '{ count: number, portRangePercent: number | null }',
    unit: '{socket}, %',
    description:
      'TIME_WAIT sockets; `portRangePercent`: those on a local port inside `ip_local_port_range`, as % of the range size (null when sockets were not listed).',
    compute: tcpTimeWait,
  },
  {
    name: 'tcp.closeWait.slopePerMinute',
    type: 'number | null',
    unit: '{socket}/min',
    description: 'Least-squares slope of the CLOSE_WAIT count over the window. null with fewer than 2 samples.',
    compute: (h) => closeWaitFit(h)?.slopePerMinute ?? null,
  },
  {
    name: 'tcp.closeWait.r2',
    type: 'number | null',
    unit: '1',
    description:
      'R² (0-1) of that fit: near 1 means steady growth, lower means jumps. null below 3 samples or when the count is flat.',
    compute: (h) => closeWaitFit(h)?.r2 ?? null,
  },
  {
    name: 'tcp.retransmitRate',
    type: '{ perSecond: number, ratio: number | null }',
    unit: '{segment}/s, 1',
    description:
      '`Tcp.RetransSegs` per second over the last interval, and as a ratio (0-1) of `Tcp.OutSegs` sent in it. Counter resets handled.',
    compute: retransmitRate,
  },
  {
    name: 'tcp.listenOverflowRate',
    type: 'number | null',
    unit: '{event}/s',
    description: '`TcpExt.ListenOverflows` per second over the last interval: SYNs/ACKs dropped because an accept queue was full.',
    compute: listenOverflowRate,
  },
  {
    name: 'tcp.connectionSpike',
    type: '{ established, baseline, ratio, baselineSamples: number }',
    unit: '{socket}, 1',
    description:
      'ESTABLISHED now vs the median of the earlier samples in the window; `ratio` = established / max(baseline, 1). null below 3 earlier samples.',
    compute: connectionSpike,
  },
  {
    name: 'udp.bufferErrorRate',
    type: '{ receivePerSecond: number | null, sendPerSecond: number | null, perSecond: number }',
    unit: '{error}/s',
    description:
      '`RcvbufErrors` (datagrams dropped: a socket\'s receive buffer was full) and `SndbufErrors` (sends failed for want of send buffer) per second over the last interval, IPv4 (`Udp`) and IPv6 (`Udp6`) summed; `perSecond` is both. Counter resets handled. A direction no family counts is null; null when neither is counted.',
    compute: udpBufferErrorRate,
  },
  {
    name: 'ports.ephemeralUsagePercent',
    type: 'number | null',
    unit: '%',
    description:
      'Non-listening sockets on a local port inside `ip_local_port_range`, as % of the range size (the busier of TCP and UDP).',
    compute: ephemeralUsagePercent,
  },
  {
    name: 'interfaces.errorRate',
    type: 'list of { name, perSecond, errorsPerSecond, dropsPerSecond, packetsPerSecond, ratio }',
    unit: '{packet}/s, 1',
    description:
      'Per interface, over the last interval: errors+drops per second (rx+tx) and their ratio to packets (null when no packet moved). Item key: interface name.',
    item: interfaceItem,
    compute: interfaceErrorRates,
  },
  {
    name: 'listeners.new',
    type: 'list of { transport, family, address, port, pid, process, uid, inode, ephemeralPort, firstSeen }',
    unit: '{listener}',
    description:
      'Listeners absent from the startup baseline and from the observation before they appeared; each stays new while open, until open a whole window. Item key: transport/address/port.',
    item: listenerItem,
    listenerOnly: true,
    compute: newListeners,
  },
  {
    name: 'listeners.unexpected',
    type: 'list of { transport, family, address, port, pid, process, uid, inode, ephemeralPort }',
    unit: '{listener}',
    description: 'Listeners that no allowlist (of any loaded rules file) matches. Item key: transport/address/port.',
    item: listenerItem,
    listenerOnly: true,
    compute: (h, ctx) => unexpectedListeners(h, ctx.allowlist),
  },
  {
    name: 'routes.defaultGatewayChanged',
    type: '{ changed: boolean, changes: number, old: string, new: string }',
    unit: '—',
    description:
      'Whether the default gateways changed within the window; `old`/`new` like `10.0.0.1 dev eth0` (`none` when there is none).',
    compute: defaultGatewayChanged,
  },
  {
    name: 'routes.changed',
    type: '{ changed: boolean, changes: number, added: string[], removed: string[] }',
    unit: '—',
    description:
      'Whether the routing table other than default routes changed within the window; routes added and removed since before the first change, `ip route` style.',
    compute: routesChanged,
  },
  {
    name: 'firewall.rulesetChanged',
    type: '{ changed: boolean, changes: number, tool: string, old: string, new: string } | null',
    unit: '—',
    description:
      'Whether the sha256 of the ruleset (`nft list ruleset`, else `iptables-save`) changed within the window; `old`/`new` are hash prefixes. null when no tool can read it.',
    compute: firewallRulesetChanged,
  },
  {
    name: 'outbound.byProcess',
    type: 'list of { pid, process, connections, remoteCount, remotes: string[] }',
    unit: '{connection}',
    description:
      'Outbound sockets (TCP established/syn_sent not on a listening port, connected UDP) grouped by process, with distinct remote endpoints. Item key: pid/process.',
    item: processItem,
    compute: outboundByProcess,
  },
];

export const FACT_BY_NAME: ReadonlyMap<string, FactDef> = new Map(FACTS.map((f) => [f.name, f]));

/** The per-item fact name rules use for "the current item" of an `each` rule. */
export const ITEM_FACT = 'item';

export type FactValues = Record<string, unknown>;

/** Computes the named facts (all by default). A fact that cannot be computed is null. */
export function computeFacts(history: SnapshotHistory, ctx: FactContext, names?: Iterable<string>): FactValues {
  const out: FactValues = {};
  for (const name of names ?? FACT_BY_NAME.keys()) {
    const def = FACT_BY_NAME.get(name);
    if (def) out[name] = def.compute(history, ctx) ?? null;
  }
  return out;
}

/** The facts table of docs/rules.md, generated from FACTS. */
export function renderFactsTable(): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const rows = FACTS.map((f) => `| \`${f.name}\` | ${cell(f.type)} | ${cell(f.unit)} | ${cell(f.description)} |`);
  return ['| fact | type | unit | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
