/**
 * Route changes: old and new values are already in the facts (and the shipped messages); the
 * evidence adds what a person asks next: how many changes, when the last one was seen, and, for
 * the routing table, how many routes moved in all (the lists are cut to TOP_N).
 */
import type { SnapshotHistory } from '../facts/history.js';
import { changesWithin } from '../facts/routes.js';
import { TOP_N } from './top.js';
import type { Evidence } from './types.js';

const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());

export function defaultGatewayEvidence(history: SnapshotHistory): Evidence | null {
  const c = changesWithin(history, (d) => d.defaultGateways);
  if (!c) return null;
  const lastChangedAt = iso(c.lastAt);
  return {
    values: { old: c.old, new: c.now, changes: c.changes, lastChangedAt },
    attributes: {
      'netstat.evidence.default_gateway.old': c.old,
      'netstat.evidence.default_gateway.new': c.now,
      'netstat.evidence.default_gateway.changes': c.changes,
      ...(lastChangedAt === null ? {} : { 'netstat.evidence.default_gateway.last_changed_at': lastChangedAt }),
    },
  };
}

/** At most TOP_N lines, then `+N more`. */
function bounded(lines: readonly string[]): { shown: string[]; template: string[] } {
  const shown = lines.slice(0, TOP_N);
  const rest = lines.length - shown.length;
  return { shown, template: rest > 0 ? [...shown, `+${rest} more`] : shown };
}

export function routesEvidence(history: SnapshotHistory): Evidence | null {
  const c = changesWithin(history, (d) => d.routesHash);
  if (!c) return null;
  const old = new Set(history.routeSets.get(c.old) ?? []);
  const now = new Set(history.routeSets.get(c.now) ?? []);
  const added = [...now].filter((r) => !old.has(r));
  const removed = [...old].filter((r) => !now.has(r));
  const a = bounded(added);
  const r = bounded(removed);
  const lastChangedAt = iso(c.lastAt);
  return {
    values: { added: a.template, removed: r.template, addedCount: added.length, removedCount: removed.length, changes: c.changes, lastChangedAt },
    attributes: {
      'netstat.evidence.routes.added': a.shown,
      'netstat.evidence.routes.removed': r.shown,
      'netstat.evidence.routes.added_count': added.length,
      'netstat.evidence.routes.removed_count': removed.length,
      'netstat.evidence.routes.changes': c.changes,
      ...(lastChangedAt === null ? {} : { 'netstat.evidence.routes.last_changed_at': lastChangedAt }),
    },
  };
}
