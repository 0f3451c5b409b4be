import { describe, expect, it } from 'vitest';
import { countTcpStates, defaultGatewaysOf, isListening, listenersOf, outboundByProcess } from '../../src/snapshot/derive.js';
import type { Route, SocketRecord } from '../../src/snapshot/types.js';

function tcp(state: SocketRecord['state'], local: [string, number], remote: [string, number], pid: number | null = null): SocketRecord {
  return {
    transport: 'tcp', family: local[0].includes(':') ? 'inet6' : 'inet', state,
    localAddress: local[0], localPort: local[1], remoteAddress: remote[0], remotePort: remote[1],
    recvQ: 0, sendQ: 0, uid: 0, inode: 1000 + local[1], pid, process: pid === null ? null : `proc${pid}`,
  };
}

const udp = (local: [string, number], remote: [string, number], state: SocketRecord['state'] = 'close'): SocketRecord => ({
  ...tcp(state, local, remote), transport: 'udp',
});

describe('countTcpStates', () => {
  it('counts IPv4 and IPv6 together, every state present, UDP not counted', () => {
    const states = countTcpStates([
      tcp('established', ['127.0.0.1', 1], ['127.0.0.1', 2]),
      tcp('established', ['::1', 3], ['::1', 4]),
      tcp('time_wait', ['::1', 5], ['::1', 6]),
      udp(['0.0.0.0', 53], ['0.0.0.0', 0]),
    ]);
    expect(states).toEqual({ established: 2, syn_sent: 0, syn_received: 0, fin_wait_1: 0, fin_wait_2: 0, time_wait: 1, close: 0, close_wait: 0, last_ack: 0, listen: 0, closing: 0 });
  });
});

describe('listeners', () => {
  it('are TCP LISTEN sockets and bound, unconnected UDP sockets, as ss -tuln shows', () => {
    expect(isListening(udp(['0.0.0.0', 53], ['0.0.0.0', 0]))).toBe(true);
    expect(isListening(udp(['10.0.0.1', 40000], ['8.8.8.8', 53], 'established'))).toBe(false);
    expect(isListening(udp(['0.0.0.0', 0], ['0.0.0.0', 0]))).toBe(false);
    const listeners = listenersOf([tcp('listen', ['::', 22], ['::', 0], 7), tcp('established', ['::1', 22], ['::1', 5000])]);
    expect(listeners).toEqual([{ transport: 'tcp', family: 'inet6', address: '::', port: 22, pid: 7, process: 'proc7', uid: 0, inode: 1022 }]);
  });
});

describe('defaultGatewaysOf', () => {
  it('takes routes to 0.0.0.0/0 and ::/0 that have a next hop', () => {
    const routes: Route[] = [
      { family: 'inet', destination: '0.0.0.0/0', gateway: '10.0.0.1', interface: 'eth0', metric: 100, flags: 'UG' },
      { family: 'inet', destination: '10.0.0.0/8', gateway: null, interface: 'eth0', metric: 0, flags: 'U' },
      { family: 'inet6', destination: '::/0', gateway: null, interface: 'lo', metric: 0, flags: '!n' },
    ];
    expect(defaultGatewaysOf(routes)).toEqual([{ family: 'inet', gateway: '10.0.0.1', interface: 'eth0' }]);
  });
});

describe('outboundByProcess', () => {
  it('groups established connections not to our listening ports by process, busiest first', () => {
    const sockets = [
      tcp('listen', ['0.0.0.0', 443], ['0.0.0.0', 0], 1),
      tcp('established', ['10.0.0.5', 443], ['10.0.0.9', 51000], 1), // inbound: not outbound
      tcp('established', ['10.0.0.5', 40001], ['10.0.0.7', 5432], 2),
      tcp('established', ['10.0.0.5', 40002], ['10.0.0.7', 5432], 2),
      tcp('established', ['10.0.0.5', 40003], ['10.0.0.8', 6379], 2),
      tcp('established', ['10.0.0.5', 40004], ['10.0.0.8', 6379], 3),
      tcp('time_wait', ['10.0.0.5', 40005], ['10.0.0.8', 6379], null),
    ];
    expect(outboundByProcess(sockets, listenersOf(sockets))).toEqual([
      { pid: 2, process: 'proc2', connections: 3, remotes: [{ address: '10.0.0.7', port: 5432, connections: 2 }, { address: '10.0.0.8', port: 6379, connections: 1 }] },
      { pid: 3, process: 'proc3', connections: 1, remotes: [{ address: '10.0.0.8', port: 6379, connections: 1 }] },
    ]);
  });
});
