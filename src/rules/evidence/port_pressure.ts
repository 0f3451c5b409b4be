/**
 * TIME_WAIT and ephemeral-port pressure: ports are used up per remote endpoint (the kernel can
 * reuse a local port towards a different peer), so the evidence is which peers the sockets go
 * to. TIME_WAIT sockets belong to no process any more; the ephemeral range also names the
 * processes that hold the sockets that still have one.
 */
import type { SnapshotHistory } from '../facts/history.js';
import { inRange, socketsListed } from '../facts/tcp.js';
import { socketsInState } from './close_wait.js';
import { tallyProcesses, tallyRemotes, topFields } from './top.js';
import type { Evidence } from './types.js';

export function timeWaitEvidence(history: SnapshotHistory): Evidence | null {
  const latest = history.latest;
  if (!latest) return null;
  const sockets = socketsInState(history, 'time_wait');
  const count = sockets?.length ?? latest.tcp.states.time_wait;
  const r = topFields('topRemotes', 'netstat.evidence.time_wait.top_remote_endpoints', sockets && tallyRemotes(sockets));
  return {
    values: { count, ...r.values },
    attributes: { 'netstat.evidence.time_wait.count': count, ...r.attributes },
  };
}

export function ephemeralPortsEvidence(history: SnapshotHistory): Evidence | null {
  const s = history.latest;
  const range = s?.localPortRange;
  if (!s || !range || !socketsListed(s)) return null;
  // The same sockets ports.ephemeralUsagePercent counts: not listening, local port in the range.
  const inUse = s.sockets.filter((k) => (k.transport === 'tcp' || k.transport === 'udp') && k.state !== 'listen' && inRange(k.localPort, range));
  const timeWait = inUse.filter((k) => k.state === 'time_wait').length;
  const r = topFields('topRemotes', 'netstat.evidence.ephemeral_ports.top_remote_endpoints', tallyRemotes(inUse));
  // TIME_WAIT sockets have no owner by design; counting them as "unknown" would crowd out the
  // processes that still hold ports.
  const p = topFields('topProcesses', 'netstat.evidence.ephemeral_ports.top_processes', tallyProcesses(inUse.filter((k) => k.state !== 'time_wait')));
  return {
    values: { count: inUse.length, timeWait, rangeSize: range[1] - range[0] + 1, ...r.values, ...p.values },
    attributes: {
      'netstat.evidence.ephemeral_ports.count': inUse.length,
      'netstat.evidence.ephemeral_ports.time_wait': timeWait,
      'netstat.evidence.ephemeral_ports.range': `${range[0]}-${range[1]}`,
      ...r.attributes,
      ...p.attributes,
    },
  };
}
