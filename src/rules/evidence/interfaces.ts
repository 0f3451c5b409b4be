/**
 * Interface errors: which counters moved over the last interval, by how much. rx errors point
 * at the link or the NIC, rx drops at a full ring buffer or an unwanted protocol, tx errors and
 * carrier at the cable or the peer: the counter names are the diagnosis.
 */
import type { InterfaceStats } from '../../snapshot/types.js';
import { counterDelta } from '../facts/counters.js';
import type { InterfaceErrorRate } from '../facts/interfaces.js';
import type { SnapshotHistory } from '../facts/history.js';
import { lastInterval } from './tcp_rates.js';
import type { Evidence } from './types.js';

/** Counters reported when they moved, as `ip -s link` names them (snake_case), in this order. */
const COUNTERS: readonly [keyof InterfaceStats, string][] = [
  ['rxErrors', 'rx_errors'],
  ['rxDropped', 'rx_dropped'],
  ['txErrors', 'tx_errors'],
  ['txDropped', 'tx_dropped'],
  ['rxFrame', 'rx_frame'],
  ['rxFifo', 'rx_fifo'],
  ['txCarrier', 'tx_carrier'],
  ['txFifo', 'tx_fifo'],
  ['txCollisions', 'tx_collisions'],
];

/** The four counters every platform has; they are attached as numbers even when 0. */
const CORE = new Set(['rx_errors', 'rx_dropped', 'tx_errors', 'tx_dropped']);

function counter(stats: InterfaceStats, key: keyof InterfaceStats): number | null {
  const v = stats[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** `item`: the interfaces.errorRate item the alert is about. */
export function interfaceEvidence(history: SnapshotHistory, item: unknown): Evidence | null {
  const name = (item as InterfaceErrorRate | null)?.name;
  const i = lastInterval(history);
  if (typeof name !== 'string' || !i) return null;
  const was = i.prev.interfaces.find((x) => x.name === name);
  const now = i.cur.interfaces.find((x) => x.name === name);
  if (!was || !now) return null;
  const moved: string[] = [];
  const movedAttr: string[] = [];
  const attributes: Record<string, number | string | string[]> = {};
  const values: Record<string, unknown> = { name, intervalSeconds: i.seconds };
  for (const [key, label] of COUNTERS) {
    const a = counter(was, key);
    const b = counter(now, key);
    if (a === null || b === null) continue;
    const delta = counterDelta(a, b);
    if (CORE.has(label)) {
      attributes[`netstat.evidence.interface.${label}`] = delta;
      values[key] = delta;
    }
    if (delta > 0) {
      moved.push(`${label} +${delta}`);
      movedAttr.push(`${label}=${delta}`);
    }
  }
  return {
    values: { ...values, moved },
    attributes: { ...attributes, 'netstat.evidence.interface.moved': movedAttr, 'netstat.evidence.interface.interval_seconds': i.seconds },
  };
}
