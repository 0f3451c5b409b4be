/** conntrack.* facts: how full the connection-tracking table is. */
import type { SnapshotHistory } from './history.js';

/** Entries as a percentage of nf_conntrack_max (0-100); null without conntrack or with max 0. */
export function conntrackUsagePercent(history: SnapshotHistory): number | null {
  const ct = history.latest?.conntrack;
  if (!ct || !(ct.max > 0)) return null;
  return (ct.count / ct.max) * 100;
}
