/**
 * The one line per interval that shows a person the sidecar is alive and what it sees, even with
 * no collector anywhere:
 *   tcp estab=12 listen=5 time_wait=3 close_wait=0 | udp=4 | listeners=9 | conntrack 120/262144 (0.0%) | errors=0
 */
import type { Snapshot } from '../snapshot/types.js';

export interface StatusSummary {
  tcp: { established: number; listen: number; time_wait: number; close_wait: number };
  udp: number;
  listeners: number;
  conntrack: { count: number; max: number; usagePercent: number } | null;
  errors: number;
}

export function summarize(snapshot: Snapshot): StatusSummary {
  const s = snapshot.tcp.states;
  const ct = snapshot.conntrack;
  return {
    tcp: { established: s.established, listen: s.listen, time_wait: s.time_wait, close_wait: s.close_wait },
    udp: snapshot.udp.sockets,
    listeners: snapshot.listeners.length,
    conntrack:
      ct === null ? null : { count: ct.count, max: ct.max, usagePercent: ct.max > 0 ? Math.round((ct.count / ct.max) * 1000) / 10 : 0 },
    errors: snapshot.errors.length,
  };
}

export function statusLine(summary: StatusSummary): string {
  const { tcp, conntrack } = summary;
  const ct = conntrack === null ? 'conntrack n/a' : `conntrack ${conntrack.count}/${conntrack.max} (${conntrack.usagePercent.toFixed(1)}%)`;
  return [
    `tcp estab=${tcp.established} listen=${tcp.listen} time_wait=${tcp.time_wait} close_wait=${tcp.close_wait}`,
    `udp=${summary.udp}`,
    `listeners=${summary.listeners}`,
    ct,
    `errors=${summary.errors}`,
  ].join(' | ');
}
