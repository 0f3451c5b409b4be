/**
 * CLOSE_WAIT: the peer closed, our process did not. The culprit is whoever holds the sockets,
 * so the evidence is what `ss -tanp state close-wait` would show, grouped: processes, the local
 * ports (which of its services) and the remote peers (which backend hung up).
 */
import type { SocketRecord } from '../../snapshot/types.js';
import type { SnapshotHistory } from '../facts/history.js';
import { socketsListed } from '../facts/tcp.js';
import { tallyLocalPorts, tallyProcesses, tallyRemotes, topFields } from './top.js';
import type { Evidence } from './types.js';

/** Sockets of one TCP state in the latest snapshot; null when the sampler did not list sockets. */
export function socketsInState(history: SnapshotHistory, state: SocketRecord['state']): SocketRecord[] | null {
  const s = history.latest;
  if (!s || !socketsListed(s)) return null;
  return s.sockets.filter((k) => k.transport === 'tcp' && k.state === state);
}

export function closeWaitEvidence(history: SnapshotHistory): Evidence | null {
  const latest = history.latest;
  if (!latest) return null;
  const sockets = socketsInState(history, 'close_wait');
  const count = sockets?.length ?? latest.tcp.states.close_wait;
  const p = topFields('topProcesses', 'netstat.evidence.close_wait.top_processes', sockets && tallyProcesses(sockets));
  const l = topFields('topLocalPorts', 'netstat.evidence.close_wait.top_local_ports', sockets && tallyLocalPorts(sockets));
  const r = topFields('topRemotes', 'netstat.evidence.close_wait.top_remote_endpoints', sockets && tallyRemotes(sockets));
  return {
    values: { count, ...p.values, ...l.values, ...r.values },
    attributes: { 'netstat.evidence.close_wait.count': count, ...p.attributes, ...l.attributes, ...r.attributes },
  };
}
