/**
 * routes.* facts. A change is reported for a whole window after it was seen (like Prometheus's
 * `changes(x[10m]) > 0`), so an alert on it lives long enough to be noticed and resolves on its
 * own; `old` is the value before the first change in the window, `new` the current one.
 */
import { inWindow, type Digest, type SnapshotHistory } from './history.js';

export interface ChangesWithin<T> {
  old: T;
  now: T;
  changes: number;
  /** Time (epoch ms) of the sample that showed the last change; null without a change. */
  lastAt: number | null;
}

/** Counts the changes of one digest value that were seen inside the window. */
export function changesWithin<T>(history: SnapshotHistory, pick: (d: Digest) => T | null): ChangesWithin<T> | null {
  const windowStart = inWindow(history)[0]?.at;
  if (windowStart === undefined) return null;
  let previous: T | null = null;
  let old: T | null = null;
  let changes = 0;
  let lastAt: number | null = null;
  for (const entry of history.entries) {
    const value = pick(entry);
    if (value === null) continue; // unread this time: neither a change nor a reference
    if (previous !== null && value !== previous && entry.at >= windowStart) {
      if (changes === 0) old = previous;
      changes++;
      lastAt = entry.at;
    }
    previous = value;
  }
  if (previous === null) return null;
  return { old: old ?? previous, now: previous, changes, lastAt };
}

export interface GatewayChange {
  changed: boolean;
  changes: number;
  /** Default gateways before the first change in the window: `10.0.0.1 dev eth0, fe80::1 dev eth0`, or `none`. */
  old: string;
  new: string;
}

export function defaultGatewayChanged(history: SnapshotHistory): GatewayChange | null {
  const c = changesWithin(history, (d) => d.defaultGateways);
  return c && { changed: c.changes > 0, changes: c.changes, old: c.old, new: c.now };
}

export interface RoutesChange {
  changed: boolean;
  changes: number;
  /** Routes (other than default routes) in the current table and not in the old one, `ip route` style. */
  added: string[];
  removed: string[];
}

/** At most this many added/removed lines are reported; a router's full table would flood a log record. */
export const MAX_ROUTE_LINES = 20;

/** Default routes are left to routes.defaultGatewayChanged, so one change raises one alert. */
export function routesChanged(history: SnapshotHistory): RoutesChange | null {
  const c = changesWithin(history, (d) => d.routesHash);
  if (!c) return null;
  const old = new Set(history.routeSets.get(c.old) ?? []);
  const now = new Set(history.routeSets.get(c.now) ?? []);
  return {
    changed: c.changes > 0,
    changes: c.changes,
    added: [...now].filter((r) => !old.has(r)).slice(0, MAX_ROUTE_LINES),
    removed: [...old].filter((r) => !now.has(r)).slice(0, MAX_ROUTE_LINES),
  };
}
