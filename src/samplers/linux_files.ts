/**
 * The files the Linux samplers read, relative to the procfs root, in one place: the samplers,
 * the /proc/net socket reader and `record` (which copies exactly these, so a recorded directory
 * replays everything a live snapshot reads) all take them from here.
 */
export const LINUX_FILES = {
  tcp: ['net/tcp', 'net/tcp6'],
  udp: ['net/udp', 'net/udp6'],
  unix: ['net/unix'],
  interfaces: ['net/dev'],
  routes: ['net/route', 'net/ipv6_route'],
  counters: ['net/snmp', 'net/netstat', 'net/snmp6'],
  sockstat: ['net/sockstat', 'net/sockstat6'],
  conntrack: ['sys/net/netfilter/nf_conntrack_count', 'sys/net/netfilter/nf_conntrack_max'],
  portRange: ['sys/net/ipv4/ip_local_port_range'],
} as const;

/**
 * Files whose absence is normal (IPv6 disabled, nf_conntrack not loaded): no data, no error.
 * Any other missing file is reported.
 */
const OPTIONAL = new Set<string>([
  'net/tcp6', 'net/udp6', 'net/ipv6_route', 'net/sockstat6', 'net/snmp6', 'net/unix',
  ...LINUX_FILES.conntrack,
]);

export function isOptionalFile(relative: string): boolean {
  return OPTIONAL.has(relative);
}
