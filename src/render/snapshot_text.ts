import { TCP_STATES, type Snapshot } from '../snapshot/types.js';
import { outboundByProcess } from '../snapshot/derive.js';
import { endpoint, percent, renderTable, type Cell } from './table.js';
import { compareCodeUnits } from '../text_order.js';

/** The counters a person checks first, with the section they live in. */
const KEY_COUNTERS: readonly [section: string, field: string, meaning: string][] = [
  ['Tcp', 'ActiveOpens', 'connections opened'],
  ['Tcp', 'PassiveOpens', 'connections accepted'],
  ['Tcp', 'AttemptFails', 'failed connection attempts'],
  ['Tcp', 'EstabResets', 'established connections reset'],
  ['Tcp', 'RetransSegs', 'segments retransmitted'],
  ['Tcp', 'InErrs', 'bad segments received'],
  ['Tcp', 'OutRsts', 'resets sent'],
  ['TcpExt', 'ListenOverflows', 'accept queue overflows'],
  ['TcpExt', 'ListenDrops', 'SYNs dropped at listen'],
  ['TcpExt', 'TCPTimeouts', 'retransmission timeouts'],
  ['Udp', 'InErrors', 'UDP receive errors (IPv4)'],
  ['Udp', 'RcvbufErrors', 'UDP receive buffer full (IPv4)'],
  ['Udp', 'NoPorts', 'UDP to closed ports (IPv4)'],
  ['Udp6', 'InErrors', 'UDP receive errors (IPv6)'],
  ['Udp6', 'RcvbufErrors', 'UDP receive buffer full (IPv6)'],
  ['Udp6', 'NoPorts', 'UDP to closed ports (IPv6)'],
];

function section(title: string, body: string): string {
  return `${title}\n${body}`;
}

function statesSection(s: Snapshot): string {
  const rows: Cell[][] = TCP_STATES.map((state) => [state, s.tcp.states[state]]);
  const total = TCP_STATES.reduce((n, state) => n + s.tcp.states[state], 0);
  rows.push(['total', total]);
  return section(`TCP connections by state (UDP sockets: ${s.udp.sockets}${s.unix ? `, unix sockets: ${s.unix.sockets}` : ''})`, renderTable(['State', 'Count'], rows));
}

function listenersSection(s: Snapshot): string {
  const rows = [...s.listeners]
    .sort((a, b) => compareCodeUnits(a.transport, b.transport) || a.port - b.port || compareCodeUnits(a.address, b.address))
    .map((l): Cell[] => [l.transport + (l.family === 'inet6' ? '6' : ''), endpoint(l.address, l.port), l.pid === null ? '-' : `${l.pid}/${l.process ?? '?'}`]);
  return section(`Listening sockets (${s.listeners.length})`, renderTable(['Proto', 'Local Address:Port', 'PID/Program'], rows));
}

function interfacesSection(s: Snapshot): string {
  const rows = s.interfaces.map((i): Cell[] => [i.name, i.operState ?? null, i.mtu == null ? null : String(i.mtu), i.rxBytes, i.rxPackets, i.rxErrors, i.rxDropped, i.txBytes, i.txPackets, i.txErrors, i.txDropped]);
  return section('Interfaces (counters since boot)', renderTable(['Iface', 'State', 'MTU', 'RX-Bytes', 'RX-Pkts', 'RX-Err', 'RX-Drop', 'TX-Bytes', 'TX-Pkts', 'TX-Err', 'TX-Drop'], rows));
}

const TOP_PROCESSES = 10;

function outboundSection(s: Snapshot): string {
  const rows = outboundByProcess(s.sockets, s.listeners).slice(0, TOP_PROCESSES).map((p): Cell[] => [
    p.pid === null ? '-' : `${p.pid}/${p.process ?? '?'}`,
    p.connections,
    p.remotes.slice(0, 3).map((r) => `${endpoint(r.address, r.port)} (${r.connections})`).join(', '),
  ]);
  return section('Outbound TCP connections by process', rows.length ? renderTable(['PID/Program', 'Conns', 'Top remotes'], rows) : 'none');
}

function routesSection(s: Snapshot): string {
  const gateways = s.defaultGateways.map((g) => `${g.gateway} dev ${g.interface ?? '?'}`).join(', ') || 'none';
  const rows = s.routes.map((r): Cell[] => [r.destination, r.gateway ?? '*', r.flags, r.metric === null ? null : String(r.metric), r.interface]);
  return section(`Routes (default gateway: ${gateways})`, renderTable(['Destination', 'Gateway', 'Flags', 'Metric', 'Iface'], rows));
}

function countersSection(s: Snapshot): string {
  const rows = KEY_COUNTERS.map(([sec, field, meaning]): Cell[] => [`${sec}.${field}`, s.counters[sec]?.[field] ?? null, meaning]);
  return section('Key counters (since boot)', renderTable(['Counter', 'Value', 'Meaning'], rows));
}

function resourcesSection(s: Snapshot): string {
  const lines: string[] = [];
  // Off Linux there is no conntrack at all; "not loaded" would send a person looking for a module.
  const noConntrack = s.platform === 'linux' ? 'not available (nf_conntrack not loaded)' : `not available on ${s.platform}`;
  lines.push(s.conntrack ? `conntrack: ${s.conntrack.count} of ${s.conntrack.max} entries (${percent(s.conntrack.count, s.conntrack.max)})` : `conntrack: ${noConntrack}`);
  if (s.localPortRange) {
    const [low, high] = s.localPortRange;
    const used = s.sockets.filter((k) => k.transport === 'tcp' && k.localPort !== null && k.localPort >= low && k.localPort <= high).length;
    lines.push(`local port range: ${low}-${high}, ${used} TCP sockets in it (${percent(used, high - low + 1)})`);
  }
  const tcp = s.sockstat?.['TCP'];
  if (tcp) lines.push(`sockstat TCP: inuse ${tcp['inuse'] ?? '?'}, orphan ${tcp['orphan'] ?? '?'}, tw ${tcp['tw'] ?? '?'}, alloc ${tcp['alloc'] ?? '?'}, mem ${tcp['mem'] ?? '?'} pages`);
  return section('Resources', lines.join('\n'));
}

function errorsSection(s: Snapshot): string {
  if (s.errors.length === 0) return 'Errors: none';
  const lines = s.errors.map((e) => `  ${e.source}: ${e.file ?? ''}${e.line !== null ? `:${e.line}` : ''}${e.file ? ': ' : ''}${e.message}`);
  return section(`Errors (${s.errors.length})`, lines.join('\n'));
}

/** The human view of `netstat-otel snapshot`: what `netstat -s`, `ss -s`, `ss -tlnp`, `ip -s link` and `route -n` would show. */
export function renderSnapshotText(s: Snapshot): string {
  return [
    `netstat-otel snapshot at ${s.timestamp} (${s.platform})`,
    statesSection(s),
    listenersSection(s),
    outboundSection(s),
    interfacesSection(s),
    routesSection(s),
    resourcesSection(s),
    countersSection(s),
    errorsSection(s),
  ].join('\n\n');
}
