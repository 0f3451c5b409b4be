/** outbound.* facts: who this host talks to, per process. */
import { compareCodeUnits } from '../../text_order.js';
import type { SnapshotHistory } from './history.js';

export interface OutboundProcess {
  pid: number | null;
  process: string | null;
  /** Outbound sockets of this process (TCP established/syn_sent, connected UDP). */
  connections: number;
  /** Distinct remote endpoints. */
  remoteCount: number;
  /** Distinct remote endpoints as `address:port` (`[v6]:port`), busiest first, at most MAX_REMOTES. */
  remotes: string[];
}

export const MAX_REMOTES = 20;

/** `address:port`, IPv6 in brackets (`[::1]:443`), as `ss` prints peers. */
export function endpoint(address: string, port: number | null): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return port === null ? host : `${host}:${port}`;
}

/**
 * Sockets this host opened towards others, grouped by owning process. A connection whose local
 * port is one of our TCP listening ports was accepted, not opened, so it is left out. Sockets
 * with no known owner are grouped under pid null.
 */
export function outboundByProcess(history: SnapshotHistory): OutboundProcess[] {
  const s = history.latest;
  if (!s) return [];
  const listening = new Set(s.sockets.filter((k) => k.transport === 'tcp' && k.state === 'listen').map((k) => k.localPort));
  for (const l of s.listeners) if (l.transport === 'tcp') listening.add(l.port);
  const groups = new Map<string, { pid: number | null; process: string | null; connections: number; remotes: Map<string, number> }>();
  for (const k of s.sockets) {
    if (k.remoteAddress === null || k.remotePort === null || k.remotePort === 0) continue;
    const outbound =
      (k.transport === 'tcp' && (k.state === 'established' || k.state === 'syn_sent') && !listening.has(k.localPort)) ||
      (k.transport === 'udp' && k.state === 'established');
    if (!outbound) continue;
    const key = `${k.pid ?? '-'}/${k.process ?? '-'}`;
    let g = groups.get(key);
    if (!g) {
      g = { pid: k.pid, process: k.process, connections: 0, remotes: new Map() };
      groups.set(key, g);
    }
    g.connections++;
    const remote = endpoint(k.remoteAddress, k.remotePort);
    g.remotes.set(remote, (g.remotes.get(remote) ?? 0) + 1);
  }
  return [...groups.values()].map((g) => ({
    pid: g.pid,
    process: g.process,
    connections: g.connections,
    remoteCount: g.remotes.size,
    remotes: [...g.remotes.entries()]
      .sort((a, b) => b[1] - a[1] || compareCodeUnits(a[0], b[0]))
      .slice(0, MAX_REMOTES)
      .map(([r]) => r),
  }));
}
