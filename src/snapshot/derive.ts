import { zeroStates } from './empty.js';
import type { DefaultGateway, Listener, Route, SocketRecord, TcpState } from './types.js';

/** Per-state TCP counts, IPv4 and IPv6 together, every state present. */
export function countTcpStates(sockets: readonly SocketRecord[]): Record<TcpState, number> {
  const states = zeroStates();
  for (const s of sockets) if (s.transport === 'tcp') states[s.state]++;
  return states;
}

export function countTransport(sockets: readonly SocketRecord[], transport: SocketRecord['transport']): number {
  let n = 0;
  for (const s of sockets) if (s.transport === transport) n++;
  return n;
}

/**
 * A UDP socket "listens" the way `ss -ulnp` shows it: bound to a port and not connected
 * (state close, no peer). Connected UDP sockets are clients, not listeners.
 */
export function isListening(s: SocketRecord): boolean {
  if (s.transport === 'tcp') return s.state === 'listen';
  // No peer: Linux prints port 0, Windows and macOS tables have none (null).
  return s.transport === 'udp' && s.state === 'close' && (s.remotePort ?? 0) === 0 && (s.localPort ?? 0) !== 0;
}

/**
 * Every listening socket, as `ss -tuln` lists them: on Linux several SO_REUSEPORT sockets on one
 * endpoint are several rows. `unique` folds rows with the same transport, family, address, port
 * and pid into one, for platforms whose tables repeat an endpoint per CPU or per stack.
 */
export function listenersOf(sockets: readonly SocketRecord[], options: { unique?: boolean } = {}): Listener[] {
  const listeners: Listener[] = [];
  const seen = new Set<string>();
  for (const s of sockets) {
    if (!isListening(s) || s.family === 'unix' || s.localAddress === null || s.localPort === null) continue;
    if (options.unique) {
      const key = `${s.transport}|${s.family}|${s.localAddress}|${s.localPort}|${s.pid ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    listeners.push({
      transport: s.transport as Listener['transport'],
      family: s.family,
      address: s.localAddress,
      port: s.localPort,
      pid: s.pid,
      process: s.process,
      uid: s.uid,
      inode: s.inode,
    });
  }
  return listeners;
}

const DEFAULT_DESTINATIONS = new Set(['0.0.0.0/0', '::/0']);

/** Default routes that have a next hop, lowest metric first (the one the kernel uses), stable otherwise. */
export function defaultGatewaysOf(routes: readonly Route[]): DefaultGateway[] {
  return routes
    .filter((r) => DEFAULT_DESTINATIONS.has(r.destination) && r.gateway !== null)
    .map((r, index) => ({ r, index }))
    .sort((a, b) => (a.r.metric ?? Infinity) - (b.r.metric ?? Infinity) || a.index - b.index)
    .map(({ r }) => ({ family: r.family, gateway: r.gateway!, interface: r.interface }));
}

export interface RemoteEndpointCount {
  address: string;
  port: number;
  connections: number;
}

export interface ProcessOutbound {
  pid: number | null;
  process: string | null;
  connections: number;
  remotes: RemoteEndpointCount[];
}

/**
 * Outbound TCP connections (established sockets whose local port is not one this host listens
 * on), grouped by owning process, remotes sorted by connection count. Sockets we could not
 * attribute are grouped under pid null.
 */
export function outboundByProcess(sockets: readonly SocketRecord[], listeners: readonly Listener[]): ProcessOutbound[] {
  const listeningPorts = new Set(listeners.filter((l) => l.transport === 'tcp').map((l) => l.port));
  const byPid = new Map<number | null, { process: string | null; remotes: Map<string, RemoteEndpointCount> }>();
  for (const s of sockets) {
    if (s.transport !== 'tcp' || s.state !== 'established' || listeningPorts.has(s.localPort ?? -1)) continue;
    if (s.remoteAddress === null || s.remotePort === null) continue;
    let entry = byPid.get(s.pid);
    if (!entry) byPid.set(s.pid, (entry = { process: s.process, remotes: new Map() }));
    const key = `${s.remoteAddress}|${s.remotePort}`;
    const remote = entry.remotes.get(key);
    if (remote) remote.connections++;
    else entry.remotes.set(key, { address: s.remoteAddress, port: s.remotePort, connections: 1 });
  }
  return [...byPid].map(([pid, { process, remotes }]) => {
    const list = [...remotes.values()].sort((a, b) => b.connections - a.connections);
    return { pid, process, connections: list.reduce((n, r) => n + r.connections, 0), remotes: list };
  }).sort((a, b) => b.connections - a.connections);
}
