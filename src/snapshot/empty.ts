import { TCP_STATES, type Counters, type Snapshot, type TcpState } from './types.js';

/** Every named counter section, null: what a platform that reads none of them reports. */
export function emptyCounters(): Counters {
  return { Tcp: null, TcpExt: null, Udp: null, Udp6: null, Ip: null };
}

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
    counters: emptyCounters(),
    sockstat: null,
    localPortRange: null,
    errors: [],
    samplers: [],
  };
}
