import { TCP_STATES, type InterfaceStats, type Snapshot, type TcpState } from '../snapshot/types.js';
import { endpoint, percent, renderTable, type Cell } from './table.js';
import { compareCodeUnits } from '../text_order.js';

/** An alert as the watch view lists it; filled from the rules runtime when one runs. */
export interface FiringAlert {
  name: string;
  severity: 'warning' | 'critical';
  message: string;
  since: number;
}

export interface WatchFrameInput {
  previous: Snapshot | null;
  current: Snapshot;
  alerts: readonly FiringAlert[];
  host: string;
  intervalMs: number;
  width: number;
  height: number;
}

const STATE_LABELS: Record<TcpState, string> = {
  established: 'estab', syn_sent: 'syn-sent', syn_received: 'syn-recv', fin_wait_1: 'fin-wait-1',
  fin_wait_2: 'fin-wait-2', time_wait: 'time-wait', close: 'close', close_wait: 'close-wait',
  last_ack: 'last-ack', listen: 'listen', closing: 'closing',
};

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

function statesLine(cur: Snapshot, prev: Snapshot | null): string {
  return TCP_STATES.filter((s) => cur.tcp.states[s] > 0 || (prev?.tcp.states[s] ?? 0) > 0 || s === 'established' || s === 'listen')
    .map((s) => {
      const delta = prev ? cur.tcp.states[s] - prev.tcp.states[s] : 0;
      return `${STATE_LABELS[s]} ${cur.tcp.states[s]}${delta ? ` (${signed(delta)})` : ''}`;
    })
    .join('  ');
}

function resourcesLine(s: Snapshot): string {
  const parts = [`udp ${s.udp.sockets}`];
  if (s.unix) parts.push(`unix ${s.unix.sockets}`);
  parts.push(s.conntrack ? `conntrack ${s.conntrack.count}/${s.conntrack.max} (${percent(s.conntrack.count, s.conntrack.max)})` : 'conntrack n/a');
  if (s.localPortRange) {
    const [low, high] = s.localPortRange;
    const used = s.sockets.filter((k) => k.transport === 'tcp' && k.localPort !== null && k.localPort >= low && k.localPort <= high).length;
    parts.push(`ephemeral ports ${used}/${high - low + 1} (${percent(used, high - low + 1)})`);
  }
  if (s.errors.length) parts.push(`sampling errors ${s.errors.length}`);
  return parts.join('  ');
}

function listenersTable(s: Snapshot): string {
  const rows = [...s.listeners]
    .sort((a, b) => a.port - b.port || compareCodeUnits(a.transport, b.transport))
    .map((l): Cell[] => [l.transport + (l.family === 'inet6' ? '6' : ''), endpoint(l.address, l.port), l.pid === null ? '-' : `${l.pid}/${l.process ?? '?'}`]);
  return renderTable(['Proto', 'Local', 'PID/Program'], rows);
}

function processesTable(s: Snapshot, limit: number): string {
  const byPid = new Map<number, { process: string | null; estab: number; closeWait: number; other: number }>();
  for (const k of s.sockets) {
    if (k.transport !== 'tcp' || k.pid === null || k.state === 'listen') continue;
    let e = byPid.get(k.pid);
    if (!e) byPid.set(k.pid, (e = { process: k.process, estab: 0, closeWait: 0, other: 0 }));
    if (k.state === 'established') e.estab++;
    else if (k.state === 'close_wait') e.closeWait++;
    else e.other++;
  }
  const rows = [...byPid]
    .map(([pid, e]) => ({ pid, ...e, total: e.estab + e.closeWait + e.other }))
    .sort((a, b) => b.total - a.total || a.pid - b.pid)
    .slice(0, limit)
    .map((p): Cell[] => [`${p.pid}/${p.process ?? '?'}`, p.total, p.estab, p.closeWait]);
  return rows.length ? renderTable(['PID/Program', 'TCP', 'Estab', 'Close-wait'], rows) : '(no attributed TCP connections)';
}

function rate(cur: number, prev: number | undefined, seconds: number): number {
  // A counter that went down was reset (interface re-created): show the new value's rate from zero.
  if (prev === undefined || seconds <= 0) return 0;
  return Math.round((cur >= prev ? cur - prev : cur) / seconds);
}

function humanBytes(perSecond: number): string {
  const units = ['B/s', 'KB/s', 'MB/s', 'GB/s'];
  let v = perSecond;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

function interfacesTable(cur: Snapshot, prev: Snapshot | null): string {
  const seconds = prev ? (Date.parse(cur.timestamp) - Date.parse(prev.timestamp)) / 1000 : 0;
  const before = new Map<string, InterfaceStats>((prev?.interfaces ?? []).map((i) => [i.name, i]));
  const rows = cur.interfaces.map((i): Cell[] => {
    const p = before.get(i.name);
    const faults = (x: InterfaceStats) => x.rxErrors + x.rxDropped + x.txErrors + x.txDropped;
    return [i.name, i.operState ?? '-', humanBytes(rate(i.rxBytes, p?.rxBytes, seconds)), humanBytes(rate(i.txBytes, p?.txBytes, seconds)),
      faults(i), p ? rate(faults(i), faults(p), seconds) : 0];
  });
  return renderTable(['Iface', 'State', 'RX', 'TX', 'Err+Drop', 'Err+Drop/s'], rows);
}

function alertsBlock(alerts: readonly FiringAlert[], now: number): string {
  if (alerts.length === 0) return 'none';
  return alerts
    .map((a) => `${a.severity === 'critical' ? 'CRIT' : 'WARN'} ${a.name}: ${a.message} (for ${Math.max(0, Math.round((now - a.since) / 1000))}s)`)
    .join('\n');
}

function clip(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

function fit(lines: string[], width: number, height: number): string {
  const kept = lines.length <= height ? lines : [...lines.slice(0, height - 1), `… ${lines.length - height + 1} more lines (enlarge the terminal)`];
  return kept.map((l) => clip(l, width)).join('\n');
}

/**
 * One screen of `netstat-otel watch`, like `top` for the network. Alerts come first after the
 * summary so they survive truncation on small terminals.
 */
export function renderWatchFrame(input: WatchFrameInput): string {
  const { current: cur, previous: prev } = input;
  const now = Date.parse(cur.timestamp);
  const sections = [
    `netstat-otel watch — ${input.host} — ${cur.timestamp.slice(11, 19)} UTC, every ${input.intervalMs / 1000}s — q to quit`,
    `TCP  ${statesLine(cur, prev)}`,
    resourcesLine(cur),
    '',
    `ALERTS FIRING (${input.alerts.length})`,
    alertsBlock(input.alerts, now),
    '',
    'INTERFACES',
    interfacesTable(cur, prev),
    '',
    'TOP PROCESSES BY TCP CONNECTIONS',
    processesTable(cur, 8),
    '',
    `LISTENERS (${cur.listeners.length})`,
    listenersTable(cur),
  ];
  return fit(sections.join('\n').split('\n'), input.width, input.height);
}
