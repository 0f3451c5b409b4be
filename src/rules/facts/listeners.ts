/** listeners.* facts: listening sockets that are new, or not on the allowlist. */
import type { Listener } from '../../snapshot/types.js';
import type { ListenerMatcher } from '../allowlist.js';
import { listenerKey, type SnapshotHistory } from './history.js';

export interface ListenerItem extends Listener {
  /** Port inside ip_local_port_range (from the latest full snapshot); null when unknown. */
  ephemeralPort: boolean | null;
  /** ISO time the listener was first seen (listeners.new only). */
  firstSeen?: string;
}

function withPortRange(history: SnapshotHistory, l: Listener): ListenerItem {
  const range = history.latest?.localPortRange ?? null;
  return { ...l, ephemeralPort: range ? l.port >= range[0] && l.port <= range[1] : null };
}

/** See observeListeners in history.ts for what "new" means and how long it lasts. */
export function newListeners(history: SnapshotHistory): ListenerItem[] {
  const { current, firstSeen } = history.listeners;
  const out: ListenerItem[] = [];
  for (const l of current) {
    const since = firstSeen.get(listenerKey(l));
    if (since !== undefined) out.push({ ...withPortRange(history, l), firstSeen: new Date(since).toISOString() });
  }
  return out;
}

export function unexpectedListeners(history: SnapshotHistory, allowlist: ListenerMatcher): ListenerItem[] {
  return history.listeners.current.filter((l) => !allowlist.matches(l)).map((l) => withPortRange(history, l));
}
