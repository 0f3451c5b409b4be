/** ports.* facts: use of the ephemeral (local) port range. */
import { inRange, socketsListed } from './tcp.js';
import type { SnapshotHistory } from './history.js';

/**
 * Sockets bound to a port inside ip_local_port_range, as % of the range size, for the busier of
 * TCP and UDP (each has its own port space). Listening sockets are left out: they hold a port
 * on purpose, not from the ephemeral pool. Can exceed 100 in principle, because the kernel
 * shares one local port among connections to different remote endpoints.
 */
export function ephemeralUsagePercent(history: SnapshotHistory): number | null {
  const s = history.latest;
  if (!s || !s.localPortRange || !socketsListed(s)) return null;
  const range = s.localPortRange;
  const size = range[1] - range[0] + 1;
  if (size <= 0) return null;
  let tcp = 0;
  let udp = 0;
  for (const k of s.sockets) {
    if (k.state === 'listen' || !inRange(k.localPort, range)) continue;
    if (k.transport === 'tcp') tcp++;
    else if (k.transport === 'udp') udp++;
  }
  return (Math.max(tcp, udp) / size) * 100;
}
