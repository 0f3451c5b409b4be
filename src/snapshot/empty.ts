import { TCP_STATES, type Snapshot, type TcpState } from './types.js';

export function zeroStates(): Record<TcpState, number> {
  return Object.fromEntries(TCP_STATES.map((s) => [s, 0])) as Record<TcpState, number>;
}

/** A snapshot with nothing in it: the base samplers fill, and what tests build partial snapshots from. */
export function emptySnapshot(platform: Snapshot['platform'] = 'linux', at: Date = new Date()): Snapshot {
  return {
    timestamp: at.toISOString(),
    platform,
    sockets: [],
    tcp: { states: zeroStates() },
    udp: { sockets: 0 },
    unix: null,
    listeners: [],
    interfaces: [],
    routes: [],
    defaultGateways: [],
    conntrack: null,
    counters: { Tcp: null, TcpExt: null, Udp: null, Ip: null },
    sockstat: null,
    localPortRange: null,
    errors: [],
    samplers: [],
  };
}
