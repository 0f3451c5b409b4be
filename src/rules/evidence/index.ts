/**
 * The evidence table: which rule families get which evidence, under which template fields and
 * log record attributes. One declarative list drives evaluation, `rules check` (an
 * `{{evidence.*}}` placeholder must name a field this rule gets) and the evidence table in
 * docs/rules.md (a test keeps that table in step with this one).
 *
 * A rule gets a family's evidence when it reads one of the family's facts, in its conditions,
 * `each` or message; custom rules over the same facts get the same evidence.
 */
import type { AlertAttributes } from '../../alerts/types.js';
import type { FactRef, RuleSpec } from '../schema.js';
import type { SnapshotHistory } from '../facts/history.js';
import { closeWaitEvidence } from './close_wait.js';
import { conntrackEvidence } from './conntrack.js';
import { establishedEvidence } from './connections.js';
import { interfaceEvidence } from './interfaces.js';
import { ephemeralPortsEvidence, timeWaitEvidence } from './port_pressure.js';
import { processEvidence } from './process.js';
import { defaultGatewayEvidence, routesEvidence } from './routes.js';
import { listenQueuesEvidence, retransmitsEvidence } from './tcp_rates.js';
import type { Evidence, EvidenceContext, ProcessInfo } from './types.js';
import { udpBuffersEvidence } from './udp_buffers.js';

/** The name templates use: `{{evidence.closeWait.topProcesses}}`. */
export const EVIDENCE_NAME = 'evidence';

/** What a family needs to know about a rule to decide whether it applies. */
export interface RuleReads {
  each: string | null;
  facts: ReadonlySet<string>;
  refs: readonly FactRef[];
}

export interface EvidenceField {
  /** Template field: `{{evidence.<family>.<name>}}`. */
  name: string;
  type: string;
  /** The log record attribute carrying it, or null when it is for messages only. */
  attribute: string | null;
  description: string;
}

export interface EvidenceFamily {
  name: string;
  /** For the docs: which facts bring this evidence. */
  when: string;
  applies(rule: RuleReads): boolean;
  /** Computed per alert item (listeners, interfaces); else once per evaluation. */
  perItem: boolean;
  fields: readonly EvidenceField[];
  compute(ctx: EvidenceContext, item: unknown): Evidence | null;
}

const reads = (rule: RuleReads, ...facts: string[]): boolean => facts.some((f) => rule.facts.has(f) || rule.each === f);
/** `tcp.states` with `"path": "$.close_wait"` (or `{{tcp.states.close_wait}}`) counts as reading that state. */
const readsState = (rule: RuleReads, state: string): boolean => rule.refs.some((r) => r.fact === 'tcp.states' && r.path === `$.${state}`);

const LIST = 'string[] (top 5)';
const TOP_NOTE = 'Message: `label (count)`, plus `+N more (M)` when groups were left out; attribute: `label=count`, at most 5.';

export const EVIDENCE: readonly EvidenceFamily[] = [
  {
    name: 'closeWait',
    when: '`tcp.closeWait.*`, `tcp.states` `$.close_wait`',
    applies: (r) => reads(r, 'tcp.closeWait.slopePerMinute', 'tcp.closeWait.r2') || readsState(r, 'close_wait'),
    perItem: false,
    fields: [
      { name: 'count', type: 'number', attribute: 'netstat.evidence.close_wait.count', description: 'CLOSE_WAIT sockets now.' },
      { name: 'topProcesses', type: LIST, attribute: 'netstat.evidence.close_wait.top_processes', description: `Processes holding them, \`pid/name\` (\`unknown\` without a pid). ${TOP_NOTE}` },
      { name: 'topLocalPorts', type: LIST, attribute: 'netstat.evidence.close_wait.top_local_ports', description: 'Their local ports (which service).' },
      { name: 'topRemotes', type: LIST, attribute: 'netstat.evidence.close_wait.top_remote_endpoints', description: 'Their peers, `address:port` (who hung up).' },
    ],
    compute: (ctx) => closeWaitEvidence(ctx.history),
  },
  {
    name: 'timeWait',
    when: '`tcp.timeWait`, `tcp.states` `$.time_wait`',
    applies: (r) => reads(r, 'tcp.timeWait') || readsState(r, 'time_wait'),
    perItem: false,
    fields: [
      { name: 'count', type: 'number', attribute: 'netstat.evidence.time_wait.count', description: 'TIME_WAIT sockets now.' },
      { name: 'topRemotes', type: LIST, attribute: 'netstat.evidence.time_wait.top_remote_endpoints', description: 'Their peers, `address:port`. TIME_WAIT sockets have no process.' },
    ],
    compute: (ctx) => timeWaitEvidence(ctx.history),
  },
  {
    name: 'ephemeralPorts',
    when: '`ports.ephemeralUsagePercent`',
    applies: (r) => reads(r, 'ports.ephemeralUsagePercent'),
    perItem: false,
    fields: [
      { name: 'count', type: 'number', attribute: 'netstat.evidence.ephemeral_ports.count', description: 'Non-listening TCP and UDP sockets on a port in `ip_local_port_range`.' },
      { name: 'timeWait', type: 'number', attribute: 'netstat.evidence.ephemeral_ports.time_wait', description: 'How many of them are in TIME_WAIT.' },
      { name: 'rangeSize', type: 'number', attribute: null, description: 'Ports in the range; the attribute `netstat.evidence.ephemeral_ports.range` is `low-high`.' },
      { name: 'topRemotes', type: LIST, attribute: 'netstat.evidence.ephemeral_ports.top_remote_endpoints', description: 'Peers of those sockets, `address:port`.' },
      { name: 'topProcesses', type: LIST, attribute: 'netstat.evidence.ephemeral_ports.top_processes', description: 'Processes holding those not in TIME_WAIT.' },
    ],
    compute: (ctx) => ephemeralPortsEvidence(ctx.history),
  },
  {
    name: 'established',
    when: '`tcp.connectionSpike`, `tcp.states` `$.established`',
    applies: (r) => reads(r, 'tcp.connectionSpike') || readsState(r, 'established'),
    perItem: false,
    fields: [
      { name: 'count', type: 'number', attribute: 'netstat.evidence.established.count', description: 'ESTABLISHED sockets now.' },
      { name: 'topRemoteAddresses', type: LIST, attribute: 'netstat.evidence.established.top_remote_addresses', description: 'Remote addresses, each with the local listening ports it hit: `203.0.113.7 -> :443,:8443` (bare address for connections we opened).' },
      { name: 'topLocalPorts', type: LIST, attribute: 'netstat.evidence.established.top_local_ports', description: 'Our listening ports by inbound connections.' },
    ],
    compute: (ctx) => establishedEvidence(ctx.history),
  },
  {
    name: 'retransmits',
    when: '`tcp.retransmitRate`',
    applies: (r) => reads(r, 'tcp.retransmitRate'),
    perItem: false,
    fields: [
      { name: 'perSecond', type: 'number', attribute: 'netstat.evidence.retransmits.per_second', description: '`Tcp.RetransSegs` per second over the last interval.' },
      { name: 'ratio', type: 'number | null', attribute: 'netstat.evidence.retransmits.ratio', description: 'Retransmitted / sent segments (0-1).' },
      { name: 'outSegmentsPerSecond', type: 'number | null', attribute: 'netstat.evidence.retransmits.out_segments_per_second', description: '`Tcp.OutSegs` per second.' },
      { name: 'intervalSeconds', type: 'number', attribute: 'netstat.evidence.retransmits.interval_seconds', description: 'The interval the rates cover.' },
    ],
    compute: (ctx) => retransmitsEvidence(ctx.history),
  },
  {
    name: 'listenQueues',
    when: '`tcp.listenOverflowRate`',
    applies: (r) => reads(r, 'tcp.listenOverflowRate'),
    perItem: false,
    fields: [
      { name: 'overflowsPerSecond', type: 'number | null', attribute: 'netstat.evidence.listen_queues.overflows_per_second', description: '`TcpExt.ListenOverflows` per second.' },
      { name: 'dropsPerSecond', type: 'number | null', attribute: 'netstat.evidence.listen_queues.drops_per_second', description: '`TcpExt.ListenDrops` per second (overflows plus other SYN drops).' },
      { name: 'intervalSeconds', type: 'number | null', attribute: 'netstat.evidence.listen_queues.interval_seconds', description: 'The interval the rates cover.' },
      { name: 'topAcceptQueues', type: LIST, attribute: 'netstat.evidence.listen_queues.top_accept_queues', description: 'Listeners with connections waiting in the accept queue (`Recv-Q`) now: `127.0.0.1:8080 1234/java`, counted by queue length; `none` when every queue is empty.' },
    ],
    compute: (ctx) => listenQueuesEvidence(ctx.history),
  },
  {
    name: 'udpBuffers',
    when: '`udp.bufferErrorRate`',
    applies: (r) => reads(r, 'udp.bufferErrorRate'),
    perItem: false,
    fields: [
      { name: 'ipv4PerSecond', type: 'number | null', attribute: 'netstat.evidence.udp_buffers.ipv4_per_second', description: 'Buffer errors (receive and send) per second over IPv4 (`Udp`); null when not counted.' },
      { name: 'ipv6PerSecond', type: 'number | null', attribute: 'netstat.evidence.udp_buffers.ipv6_per_second', description: 'Likewise over IPv6 (`Udp6`); null when IPv6 is off.' },
      { name: 'inDatagramsPerSecond', type: 'number | null', attribute: 'netstat.evidence.udp_buffers.in_datagrams_per_second', description: '`InDatagrams` per second, IPv4 and IPv6: datagrams delivered to sockets (those dropped are not among them).' },
      { name: 'intervalSeconds', type: 'number', attribute: 'netstat.evidence.udp_buffers.interval_seconds', description: 'The interval the rates cover.' },
      { name: 'topReceiveQueues', type: LIST, attribute: 'netstat.evidence.udp_buffers.top_receive_queues', description: 'UDP sockets with data waiting in the receive queue now: `0.0.0.0:514 812/rsyslogd`, counted by bytes queued (`ss` Recv-Q); `none` when every queue is empty.' },
    ],
    compute: (ctx) => udpBuffersEvidence(ctx.history),
  },
  {
    name: 'conntrack',
    when: '`conntrack.usagePercent`',
    applies: (r) => reads(r, 'conntrack.usagePercent'),
    perItem: false,
    fields: [
      { name: 'count', type: 'number', attribute: 'netstat.evidence.conntrack.count', description: '`nf_conntrack_count`.' },
      { name: 'max', type: 'number', attribute: 'netstat.evidence.conntrack.max', description: '`nf_conntrack_max`.' },
      { name: 'usagePercent', type: 'number | null', attribute: 'netstat.evidence.conntrack.usage_percent', description: 'count / max, 0-100.' },
    ],
    compute: (ctx) => conntrackEvidence(ctx.history),
  },
  {
    name: 'interface',
    when: '`each`: `interfaces.errorRate`',
    applies: (r) => r.each === 'interfaces.errorRate',
    perItem: true,
    fields: [
      { name: 'name', type: 'string', attribute: null, description: 'The interface (attribute `network.interface.name`, from the item).' },
      { name: 'moved', type: 'string[]', attribute: 'netstat.evidence.interface.moved', description: 'Counters that moved over the last interval, with their increase: message `rx_errors +1200`, attribute `rx_errors=1200`. Also `rx_frame`, `rx_fifo`, `tx_carrier`, `tx_fifo`, `tx_collisions` where the platform has them.' },
      { name: 'rxErrors', type: 'number', attribute: 'netstat.evidence.interface.rx_errors', description: 'Increase over the last interval, 0 when it did not move.' },
      { name: 'rxDropped', type: 'number', attribute: 'netstat.evidence.interface.rx_dropped', description: 'Likewise.' },
      { name: 'txErrors', type: 'number', attribute: 'netstat.evidence.interface.tx_errors', description: 'Likewise.' },
      { name: 'txDropped', type: 'number', attribute: 'netstat.evidence.interface.tx_dropped', description: 'Likewise.' },
      { name: 'intervalSeconds', type: 'number', attribute: 'netstat.evidence.interface.interval_seconds', description: 'The interval the increases cover.' },
    ],
    compute: (ctx, item) => interfaceEvidence(ctx.history, item),
  },
  {
    name: 'defaultGateway',
    when: '`routes.defaultGatewayChanged`',
    applies: (r) => reads(r, 'routes.defaultGatewayChanged'),
    perItem: false,
    fields: [
      { name: 'old', type: 'string', attribute: 'netstat.evidence.default_gateway.old', description: 'Default gateways before the first change in the window: `10.0.0.1 dev eth0`.' },
      { name: 'new', type: 'string', attribute: 'netstat.evidence.default_gateway.new', description: 'Default gateways now.' },
      { name: 'changes', type: 'number', attribute: 'netstat.evidence.default_gateway.changes', description: 'Changes seen in the window (more than 1: flapping).' },
      { name: 'lastChangedAt', type: 'string | null', attribute: 'netstat.evidence.default_gateway.last_changed_at', description: 'ISO time of the sample that showed the last change.' },
    ],
    compute: (ctx) => defaultGatewayEvidence(ctx.history),
  },
  {
    name: 'routes',
    when: '`routes.changed`',
    applies: (r) => reads(r, 'routes.changed'),
    perItem: false,
    fields: [
      { name: 'added', type: 'string[] (first 5)', attribute: 'netstat.evidence.routes.added', description: 'Routes added, `ip route` style; the message adds `+N more`.' },
      { name: 'removed', type: 'string[] (first 5)', attribute: 'netstat.evidence.routes.removed', description: 'Routes removed.' },
      { name: 'addedCount', type: 'number', attribute: 'netstat.evidence.routes.added_count', description: 'All routes added (the lists are cut).' },
      { name: 'removedCount', type: 'number', attribute: 'netstat.evidence.routes.removed_count', description: 'All routes removed.' },
      { name: 'changes', type: 'number', attribute: 'netstat.evidence.routes.changes', description: 'Changes seen in the window.' },
      { name: 'lastChangedAt', type: 'string | null', attribute: 'netstat.evidence.routes.last_changed_at', description: 'ISO time of the sample that showed the last change.' },
    ],
    compute: (ctx) => routesEvidence(ctx.history),
  },
  {
    name: 'process',
    when: '`each`: `listeners.new`, `listeners.unexpected`, `outbound.byProcess`',
    applies: (r) => r.each === 'listeners.new' || r.each === 'listeners.unexpected' || r.each === 'outbound.byProcess',
    perItem: true,
    fields: [
      { name: 'pid', type: 'number | null', attribute: 'process.pid', description: 'From the item.' },
      { name: 'name', type: 'string | null', attribute: 'process.executable.name', description: 'From the item (the kernel `comm`).' },
      { name: 'commandLine', type: 'string | null', attribute: 'process.command_line', description: '`/proc/<pid>/cmdline`, arguments joined with spaces, at most 256 characters. Can hold secrets: see *Command lines* below.' },
      { name: 'uid', type: 'number | null', attribute: 'process.user.id', description: 'Effective uid (`/proc/<pid>/status`), else the socket\'s uid. Also as `user.id`, a string.' },
      { name: 'user', type: 'string | null', attribute: 'process.owner', description: 'The uid\'s name in the passwd file; null (attribute absent) when none.' },
      { name: 'description', type: 'string', attribute: null, description: '`4242/nc as alice (uid 1000): nc -l 4444`, leaving out what is unknown.' },
    ],
    compute: (ctx, item) => processEvidence(ctx, item),
  },
];

export const EVIDENCE_BY_NAME: ReadonlyMap<string, EvidenceFamily> = new Map(EVIDENCE.map((f) => [f.name, f]));

export function familiesFor(rule: RuleReads): EvidenceFamily[] {
  return EVIDENCE.filter((f) => f.applies(rule));
}

/**
 * Checks the path of an `{{evidence...}}` placeholder (the parts after `evidence`) for a rule;
 * returns the problem, or null when this rule gets that field.
 */
export function checkEvidenceReference(path: readonly string[], rule: RuleReads): string | null {
  const [familyName, field] = path;
  const family = familyName === undefined ? undefined : EVIDENCE_BY_NAME.get(familyName);
  if (!family) return `unknown evidence "${familyName ?? ''}" (one of ${EVIDENCE.map((f) => f.name).join(', ')})`;
  if (field === undefined || !family.fields.some((f) => f.name === field)) {
    return `evidence.${family.name} has no field "${field ?? ''}" (${family.fields.map((f) => f.name).join(', ')})`;
  }
  if (!family.applies(rule)) return `evidence.${family.name} comes only with rules that read ${family.when}`;
  return null;
}

/** Evidence for one alert: template values by family (`evidence.<family>.<field>`) and attributes. */
export interface CollectedEvidence {
  values: Record<string, Record<string, unknown>>;
  attributes: AlertAttributes;
}

/** What rule evaluation asks for evidence (see engine.ts). */
export interface EvidenceSource {
  /** Does the alert with this key get evidence now? Only if it is firing or fires at this evaluation. */
  wanted(key: string, forMs: number): boolean;
  collect(rule: RuleSpec, item: unknown): CollectedEvidence;
}

export interface EvidenceSourceOptions {
  history: SnapshotHistory;
  processes: ProcessInfo;
  commandLine: boolean;
  wanted(key: string, forMs: number): boolean;
  /** A family that threw: the alert still goes out, without that evidence. */
  onError?(family: string, error: Error): void;
}

/** An evidence source for one evaluation; per-evaluation families are computed once and shared. */
export function createEvidenceSource(options: EvidenceSourceOptions): EvidenceSource {
  const ctx: EvidenceContext = { history: options.history, processes: options.processes, commandLine: options.commandLine };
  const shared = new Map<string, Evidence | null>();
  const run = (family: EvidenceFamily, item: unknown): Evidence | null => {
    if (!family.perItem && shared.has(family.name)) return shared.get(family.name) ?? null;
    let evidence: Evidence | null = null;
    try {
      evidence = family.compute(ctx, family.perItem ? item : null);
    } catch (err) {
      options.onError?.(family.name, err as Error);
    }
    if (!family.perItem) shared.set(family.name, evidence);
    return evidence;
  };
  return {
    wanted: options.wanted,
    collect(rule, item) {
      const out: CollectedEvidence = { values: {}, attributes: {} };
      for (const family of familiesFor(rule)) {
        const evidence = run(family, item);
        if (!evidence) continue;
        out.values[family.name] = evidence.values;
        Object.assign(out.attributes, evidence.attributes);
      }
      return out;
    },
  };
}

/** `NETSTAT_OTEL_EVIDENCE_CMDLINE=0` (or false, no, off) leaves command lines out. */
export function commandLineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.NETSTAT_OTEL_EVIDENCE_CMDLINE?.trim().toLowerCase();
  return !(v === '0' || v === 'false' || v === 'no' || v === 'off');
}

/** The evidence table of docs/rules.md, generated from EVIDENCE. */
export function renderEvidenceTable(): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const rows = EVIDENCE.flatMap((family) =>
    family.fields.map(
      (f, i) =>
        `| ${i === 0 ? `\`${family.name}\` | ${cell(family.when)}` : ' | '} | \`${f.name}\` | ${f.attribute ? `\`${f.attribute}\`` : '—'} | ${cell(f.type)} | ${cell(f.description)} |`,
    ),
  );
  return ['| evidence | for rules reading | field | attribute | type | meaning |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
