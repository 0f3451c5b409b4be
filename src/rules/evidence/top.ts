/**
 * Top-N lists, the shape most evidence takes ("who holds the most"). Bounded to TOP_N entries
 * so an alert record stays small however many processes or peers a host has; what was left out
 * is summed, so a reader knows the list is not the whole story.
 */
import { compareCodeUnits } from '../../text_order.js';
import type { SocketRecord } from '../../snapshot/types.js';
import { endpoint } from '../facts/outbound.js';

export const TOP_N = 5;

/** How a socket with no known owning process is shown. */
export const UNKNOWN = 'unknown';

export interface TopEntry {
  label: string;
  count: number;
}

export interface TopList {
  entries: TopEntry[];
  /** Groups left out, and what they counted together. */
  otherGroups: number;
  otherCount: number;
}

/** Counts by key, kept with a sort key for ties (numeric where the label is a number or pid). */
export class Tally {
  private readonly counts = new Map<string, { count: number; tie: number | string }>();

  add(label: string, tie: number | string = label, weight = 1): void {
    const cur = this.counts.get(label);
    if (cur) cur.count += weight;
    else this.counts.set(label, { count: weight, tie });
  }

  get size(): number {
    return this.counts.size;
  }

  /** Highest count first; equal counts by tie key (numbers before strings, unknown last), then by label in code-unit order, so the same input always gives the same list. */
  top(n: number = TOP_N): TopList {
    const all = [...this.counts.entries()].sort(([la, a], [lb, b]) => b.count - a.count || compareTie(a.tie, b.tie) || compareCodeUnits(la, lb));
    const kept = all.slice(0, n);
    const rest = all.slice(n);
    return {
      entries: kept.map(([label, { count }]) => ({ label, count })),
      otherGroups: rest.length,
      otherCount: rest.reduce((sum, [, v]) => sum + v.count, 0),
    };
  }
}

function compareTie(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareCodeUnits(a, b);
}

/** For messages: `1234/java (380)`, plus `+3 more (12)` when entries were left out. */
export function listForTemplate(list: TopList): string[] {
  const out = list.entries.map((e) => `${e.label} (${e.count})`);
  if (list.otherGroups > 0) out.push(`+${list.otherGroups} more (${list.otherCount})`);
  return out;
}

/** For log record attributes: `1234/java=380` (split at the last `=`); at most TOP_N strings. */
export function listForAttribute(list: TopList): string[] {
  return list.entries.map((e) => `${e.label}=${e.count}`);
}

/** `1234/java`, `1234/?` without a name, `unknown` without a pid. */
export function processLabel(pid: number | null, name: string | null): string {
  return pid === null ? UNKNOWN : `${pid}/${name ?? '?'}`;
}

/** Ties among processes: lower pid first, unknown last. */
export function processTie(pid: number | null): number | string {
  return pid ?? '\uffff';
}

export function tallyProcesses(sockets: Iterable<SocketRecord>): Tally {
  const t = new Tally();
  for (const s of sockets) t.add(processLabel(s.pid, s.process), processTie(s.pid));
  return t;
}

/** Remote endpoints as `address:port` (`[v6]:port`); sockets without a peer are skipped. */
export function tallyRemotes(sockets: Iterable<SocketRecord>): Tally {
  const t = new Tally();
  for (const s of sockets) if (s.remoteAddress !== null && s.remotePort) t.add(endpoint(s.remoteAddress, s.remotePort));
  return t;
}

export function tallyLocalPorts(sockets: Iterable<SocketRecord>): Tally {
  const t = new Tally();
  for (const s of sockets) if (s.localPort !== null) t.add(String(s.localPort), s.localPort);
  return t;
}

/** Both renderings of a list, under one field name (template) and one attribute name. */
export function topFields(field: string, attribute: string, tally: Tally | null): { values: Record<string, unknown>; attributes: Record<string, string[]> } {
  if (tally === null) return { values: { [field]: null }, attributes: {} };
  const list = tally.top();
  return { values: { [field]: listForTemplate(list) }, attributes: { [attribute]: listForAttribute(list) } };
}
