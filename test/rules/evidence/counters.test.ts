/** Evidence over counters and tables: retransmits, accept queues, conntrack, interfaces, routes. */
import { describe, expect, it } from 'vitest';
import { conntrackEvidence } from '../../../src/rules/evidence/conntrack.js';
import { interfaceEvidence } from '../../../src/rules/evidence/interfaces.js';
import { defaultGatewayEvidence, routesEvidence } from '../../../src/rules/evidence/routes.js';
import { listenQueuesEvidence, retransmitsEvidence } from '../../../src/rules/evidence/tcp_rates.js';
import { udpBuffersEvidence } from '../../../src/rules/evidence/udp_buffers.js';
import type { InterfaceStats, Route } from '../../../src/snapshot/types.js';
import { historyOf, snap, socket, states } from '../helpers.js';

const counters = (tcp: Record<string, number> | null, tcpExt: Record<string, number> | null) => ({ Tcp: tcp, TcpExt: tcpExt, Udp: null, Udp6: null, Ip: null });

describe('retransmitsEvidence', () => {
  it('gives the rates over the last interval', () => {
    const h = historyOf([
      snap(0, { counters: counters({ RetransSegs: 100, OutSegs: 1000 }, null) }),
      snap(2, { counters: counters({ RetransSegs: 1300, OutSegs: 25000 }, null) }),
    ]);
    expect(retransmitsEvidence(h)).toEqual({
      values: { perSecond: 10, ratio: 0.05, outSegmentsPerSecond: 200, intervalSeconds: 120 },
      attributes: {
        'netstat.evidence.retransmits.per_second': 10,
        'netstat.evidence.retransmits.ratio': 0.05,
        'netstat.evidence.retransmits.out_segments_per_second': 200,
        'netstat.evidence.retransmits.interval_seconds': 120,
      },
    });
  });

  it('is null with one sample', () => {
    expect(retransmitsEvidence(historyOf([snap(0, { counters: counters({ RetransSegs: 1, OutSegs: 1 }, null) })]))).toBeNull();
  });
});

describe('listenQueuesEvidence', () => {
  it('lists listeners with a non-empty accept queue, longest first, with their process', () => {
    const listen = (address: string, port: number, recvQ: number, pid: number | null, process: string | null) =>
      socket({ state: 'listen', localAddress: address, localPort: port, remoteAddress: '0.0.0.0', remotePort: 0, recvQ, pid, process });
    const sockets = [
      listen('0.0.0.0', 8080, 129, 1234, 'java'),
      listen('127.0.0.1', 9000, 3, 300, 'python3'),
      listen('::', 8443, 7, null, null),
      listen('0.0.0.0', 22, 0, 812, 'sshd'),
      socket({ state: 'established', recvQ: 5000 }), // a busy connection is not an accept queue
    ];
    const h = historyOf([
      snap(0, { counters: counters(null, { ListenOverflows: 0, ListenDrops: 0 }) }),
      snap(1, { sockets, tcp: states({ listen: 4, established: 1 }), counters: counters(null, { ListenOverflows: 600, ListenDrops: 660 }) }),
    ]);
    expect(listenQueuesEvidence(h)).toEqual({
      values: {
        overflowsPerSecond: 10,
        dropsPerSecond: 11,
        intervalSeconds: 60,
        topAcceptQueues: ['0.0.0.0:8080 1234/java (129)', '[::]:8443 unknown (7)', '127.0.0.1:9000 300/python3 (3)'],
      },
      attributes: {
        'netstat.evidence.listen_queues.overflows_per_second': 10,
        'netstat.evidence.listen_queues.drops_per_second': 11,
        'netstat.evidence.listen_queues.interval_seconds': 60,
        'netstat.evidence.listen_queues.top_accept_queues': ['0.0.0.0:8080 1234/java=129', '[::]:8443 unknown=7', '127.0.0.1:9000 300/python3=3'],
      },
    });
  });
});

describe('udpBuffersEvidence', () => {
  const udp = (v4: Record<string, number> | null, v6: Record<string, number> | null) => ({ Tcp: null, TcpExt: null, Udp: v4, Udp6: v6, Ip: null });
  const bufs = (rcvbuf: number, sndbuf: number, inDatagrams: number) => ({ RcvbufErrors: rcvbuf, SndbufErrors: sndbuf, InDatagrams: inDatagrams });

  it('splits the errors by family, gives the datagrams delivered and the UDP sockets with a full receive queue', () => {
    const udpSocket = (address: string, port: number, recvQ: number, pid: number | null, process: string | null) =>
      socket({ transport: 'udp', state: 'close', localAddress: address, localPort: port, remoteAddress: '0.0.0.0', remotePort: 0, recvQ, pid, process });
    const sockets = [
      udpSocket('0.0.0.0', 514, 212992, 812, 'rsyslogd'),
      udpSocket('::', 5353, 4352, null, null),
      udpSocket('127.0.0.1', 323, 0, 640, 'chronyd'),
      socket({ state: 'listen', recvQ: 100 }), // a TCP accept queue is not a UDP receive queue
    ];
    const h = historyOf([
      snap(0, { counters: udp(bufs(0, 0, 0), bufs(0, 0, 0)) }),
      snap(1, { sockets, tcp: states({ listen: 1 }), counters: udp(bufs(480, 60, 60000), bufs(240, 0, 6000)) }),
    ]);
    expect(udpBuffersEvidence(h)).toEqual({
      values: {
        ipv4PerSecond: 9,
        ipv6PerSecond: 4,
        inDatagramsPerSecond: 1100,
        intervalSeconds: 60,
        topReceiveQueues: ['0.0.0.0:514 812/rsyslogd (212992)', '[::]:5353 unknown (4352)'],
      },
      attributes: {
        'netstat.evidence.udp_buffers.ipv4_per_second': 9,
        'netstat.evidence.udp_buffers.ipv6_per_second': 4,
        'netstat.evidence.udp_buffers.in_datagrams_per_second': 1100,
        'netstat.evidence.udp_buffers.interval_seconds': 60,
        'netstat.evidence.udp_buffers.top_receive_queues': ['0.0.0.0:514 812/rsyslogd=212992', '[::]:5353 unknown=4352'],
      },
    });
  });

  it('leaves out IPv6 when it is off, and says the socket list is unknown when sockets were only counted', () => {
    const h = historyOf([
      snap(0, { counters: udp(bufs(0, 0, 0), null) }),
      snap(1, { tcp: states({ established: 3 }), counters: udp(bufs(1200, 0, 60000), null) }),
    ]);
    const e = udpBuffersEvidence(h);
    expect(e?.values).toMatchObject({ ipv4PerSecond: 20, ipv6PerSecond: null, topReceiveQueues: null });
    expect(Object.keys(e?.attributes ?? {})).toEqual([
      'netstat.evidence.udp_buffers.ipv4_per_second',
      'netstat.evidence.udp_buffers.in_datagrams_per_second',
      'netstat.evidence.udp_buffers.interval_seconds',
    ]);
  });

  it('is null with one sample or without UDP counters', () => {
    expect(udpBuffersEvidence(historyOf([snap(0, { counters: udp(bufs(1, 1, 1), null) })]))).toBeNull();
    expect(udpBuffersEvidence(historyOf([snap(0), snap(1)]))).toBeNull();
  });
});

describe('conntrackEvidence', () => {
  it('gives count, max and the usage percent', () => {
    expect(conntrackEvidence(historyOf([snap(0, { conntrack: { count: 850, max: 1000 } })]))?.attributes).toEqual({
      'netstat.evidence.conntrack.count': 850,
      'netstat.evidence.conntrack.max': 1000,
      'netstat.evidence.conntrack.usage_percent': 85,
    });
    expect(conntrackEvidence(historyOf([snap(0, { conntrack: null })]))).toBeNull();
  });
});

const iface = (name: string, patch: Partial<InterfaceStats> = {}): InterfaceStats => ({
  name, rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDropped: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDropped: 0, ...patch,
});

describe('interfaceEvidence', () => {
  it('names the counters that moved over the last interval, with their increase', () => {
    const h = historyOf([
      snap(0, { interfaces: [iface('eth0', { rxErrors: 10, rxFrame: 4, txCarrier: 0 }), iface('eth1')] }),
      snap(1, { interfaces: [iface('eth0', { rxErrors: 1210, txDropped: 30, rxFrame: 16, txCarrier: 0 }), iface('eth1', { rxErrors: 99 })] }),
    ]);
    const e = interfaceEvidence(h, { name: 'eth0' });
    expect(e?.values).toEqual({
      name: 'eth0',
      intervalSeconds: 60,
      rxErrors: 1200,
      rxDropped: 0,
      txErrors: 0,
      txDropped: 30,
      moved: ['rx_errors +1200', 'tx_dropped +30', 'rx_frame +12'],
    });
    expect(e?.attributes).toEqual({
      'netstat.evidence.interface.rx_errors': 1200,
      'netstat.evidence.interface.rx_dropped': 0,
      'netstat.evidence.interface.tx_errors': 0,
      'netstat.evidence.interface.tx_dropped': 30,
      'netstat.evidence.interface.moved': ['rx_errors=1200', 'tx_dropped=30', 'rx_frame=12'],
      'netstat.evidence.interface.interval_seconds': 60,
    });
  });

  it('treats a counter that went down as reset', () => {
    const h = historyOf([snap(0, { interfaces: [iface('eth0', { rxErrors: 500 })] }), snap(1, { interfaces: [iface('eth0', { rxErrors: 7 })] })]);
    expect(interfaceEvidence(h, { name: 'eth0' })?.values.moved).toEqual(['rx_errors +7']);
  });

  it('is null for an interface missing from either sample', () => {
    const h = historyOf([snap(0, { interfaces: [] }), snap(1, { interfaces: [iface('eth9')] })]);
    expect(interfaceEvidence(h, { name: 'eth9' })).toBeNull();
  });
});

const route = (destination: string, gateway: string | null, iface = 'eth0'): Route => ({
  family: 'inet', destination, gateway, interface: iface, metric: 100, flags: gateway ? 'UG' : 'U',
});

describe('route evidence', () => {
  it('gives old, new, the number of changes and when the last one was seen', () => {
    const gw = (g: string) => [{ family: 'inet' as const, gateway: g, interface: 'eth0' }];
    const h = historyOf([snap(0, { defaultGateways: gw('10.0.0.1') }), snap(1, { defaultGateways: gw('10.0.0.2') }), snap(2, { defaultGateways: gw('10.0.0.3') })]);
    expect(defaultGatewayEvidence(h)?.attributes).toEqual({
      'netstat.evidence.default_gateway.old': '10.0.0.1 dev eth0',
      'netstat.evidence.default_gateway.new': '10.0.0.3 dev eth0',
      'netstat.evidence.default_gateway.changes': 2,
      'netstat.evidence.default_gateway.last_changed_at': '2026-01-01T00:02:00.000Z',
    });
  });

  it('lists at most 5 added routes and counts them all', () => {
    const before = [route('10.0.0.0/24', null)];
    const after = [...before, ...Array.from({ length: 8 }, (_, i) => route(`172.16.${i}.0/24`, '10.0.0.7', 'tun0'))];
    const h = historyOf([snap(0, { routes: before }), snap(1, { routes: after })]);
    const e = routesEvidence(h);
    expect(e?.attributes['netstat.evidence.routes.added']).toHaveLength(5);
    expect(e?.attributes).toMatchObject({ 'netstat.evidence.routes.added_count': 8, 'netstat.evidence.routes.removed': [], 'netstat.evidence.routes.changes': 1 });
    expect((e?.values.added as string[]).at(-1)).toBe('+3 more');
  });
});
