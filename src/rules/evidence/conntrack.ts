/** conntrack: the numbers behind the percentage, so "raise nf_conntrack_max to what" is answerable. */
import type { SnapshotHistory } from '../facts/history.js';
import type { Evidence } from './types.js';

export function conntrackEvidence(history: SnapshotHistory): Evidence | null {
  const ct = history.latest?.conntrack;
  if (!ct) return null;
  const usagePercent = ct.max > 0 ? (ct.count / ct.max) * 100 : null;
  return {
    values: { count: ct.count, max: ct.max, usagePercent },
    attributes: {
      'netstat.evidence.conntrack.count': ct.count,
      'netstat.evidence.conntrack.max': ct.max,
      ...(usagePercent === null ? {} : { 'netstat.evidence.conntrack.usage_percent': usagePercent }),
    },
  };
}
