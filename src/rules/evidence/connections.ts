/**
 * Connection spikes: who the new connections come from and what they hit. ESTABLISHED sockets
 * are grouped by remote address (a client's source ports change with every connection, so the
 * address is what identifies it), each with the local listening ports it connected to; and by
 * local listening port (which of our services took the load).
 */
import type { SocketRecord } from '../../snapshot/types.js';
import type { SnapshotHistory } from '../facts/history.js';
import { Tally, tallyLocalPorts, topFields } from './top.js';
import { socketsInState } from './close_wait.js';
import type { Evidence } from './types.js';

/** Ports shown per remote address: enough to tell "all on :443" from "scanning every port". */
const PORTS_PER_ADDRESS = 3;

/** TCP ports this host listens on (sockets in LISTEN, and the listener list). */
export function listeningPorts(history: SnapshotHistory): Set<number> {
  const s = history.latest;
  const ports = new Set<number>();
  if (!s) return ports;
  for (const k of s.sockets) if (k.transport === 'tcp' && k.state === 'listen' && k.localPort !== null) ports.add(k.localPort);
  for (const l of s.listeners) if (l.transport === 'tcp') ports.add(l.port);
  return ports;
}

/** `203.0.113.7 -> :443,:8443` for clients of our listeners; the bare address for peers we connected to. */
export function tallyRemoteAddresses(sockets: readonly SocketRecord[], listening: ReadonlySet<number>): Tally {
  const byAddress = new Map<string, { count: number; ports: Tally }>();
  for (const k of sockets) {
    if (k.remoteAddress === null) continue;
    let entry = byAddress.get(k.remoteAddress);
    if (!entry) byAddress.set(k.remoteAddress, (entry = { count: 0, ports: new Tally() }));
    entry.count++;
    if (k.localPort !== null && listening.has(k.localPort)) entry.ports.add(String(k.localPort), k.localPort);
  }
  const out = new Tally();
  for (const [address, { count, ports }] of byAddress) {
    const top = ports.top(PORTS_PER_ADDRESS);
    const hit = top.entries.map((e) => `:${e.label}`).join(',') + (top.otherGroups ? ',…' : '');
    out.add(hit ? `${address} -> ${hit}` : address, address, count);
  }
  return out;
}

export function establishedEvidence(history: SnapshotHistory): Evidence | null {
  const latest = history.latest;
  if (!latest) return null;
  const sockets = socketsInState(history, 'established');
  const count = sockets?.length ?? latest.tcp.states.established;
  const listening = listeningPorts(history);
  const inbound = sockets?.filter((k) => k.localPort !== null && listening.has(k.localPort)) ?? null;
  const a = topFields('topRemoteAddresses', 'netstat.evidence.established.top_remote_addresses', sockets && tallyRemoteAddresses(sockets, listening));
  const p = topFields('topLocalPorts', 'netstat.evidence.established.top_local_ports', inbound && tallyLocalPorts(inbound));
  return {
    values: { count, ...a.values, ...p.values },
    attributes: { 'netstat.evidence.established.count': count, ...a.attributes, ...p.attributes },
  };
}
