/** Hand-built snapshots for the metric tests: small, and every number distinct so mix-ups show. */
import { emptySnapshot } from '../../src/snapshot/empty.js';
import type { Snapshot, SocketRecord } from '../../src/snapshot/types.js';

export function socket(partial: Partial<SocketRecord> & Pick<SocketRecord, 'transport' | 'family' | 'state'>): SocketRecord {
  return {
    localAddress: partial.family === 'inet6' ? '::1' : '127.0.0.1',
    localPort: 0,
    remoteAddress: null,
    remotePort: null,
    recvQ: 0,
    sendQ: 0,
    uid: 0,
    inode: 1,
    pid: null,
    process: null,
    ...partial,
  };
}

/** A busy little host: sockets of both families, one interface, every counter section. */
export function busySnapshot(): Snapshot {
  const s = emptySnapshot('linux', new Date('2026-01-01T00:00:00Z'));
  s.sockets = [
    socket({ transport: 'tcp', family: 'inet', state: 'listen', localPort: 8080 }),
    socket({ transport: 'tcp', family: 'inet6', state: 'listen', localPort: 40000 }),
    // accepted connection on a listener port inside the ephemeral range: not port pressure
    socket({ transport: 'tcp', family: 'inet6', state: 'established', localPort: 40000, remotePort: 50001 }),
    socket({ transport: 'tcp', family: 'inet', state: 'established', localPort: 8080, remotePort: 50002 }),
    socket({ transport: 'tcp', family: 'inet', state: 'established', localPort: 50002, remotePort: 8080 }),
    socket({ transport: 'tcp', family: 'inet', state: 'time_wait', localPort: 50003, remotePort: 443 }),
    socket({ transport: 'tcp', family: 'inet', state: 'close', localPort: 50004, remotePort: 443 }),
    socket({ transport: 'udp', family: 'inet', state: 'close', localPort: 53, remotePort: 0 }),
    socket({ transport: 'udp', family: 'inet6', state: 'established', localPort: 50005, remotePort: 53 }),
    socket({ transport: 'unix', family: 'unix', state: 'listen', localAddress: '/run/x.sock', localPort: null }),
  ];
  s.tcp.states.listen = 2;
  s.tcp.states.established = 3;
  s.tcp.states.time_wait = 1;
  s.tcp.states.close = 1;
  s.udp.sockets = 2;
  s.listeners = [
    { transport: 'tcp', family: 'inet', address: '127.0.0.1', port: 8080, pid: 10, process: 'web', uid: 0, inode: 1 },
    { transport: 'tcp', family: 'inet6', address: '::1', port: 40000, pid: 11, process: 'api', uid: 0, inode: 2 },
    { transport: 'udp', family: 'inet', address: '127.0.0.1', port: 53, pid: 12, process: 'dns', uid: 0, inode: 3 },
  ];
  s.interfaces = [
    { name: 'eth0', rxBytes: 1001, rxPackets: 11, rxErrors: 2, rxDropped: 3, txBytes: 2002, txPackets: 22, txErrors: 4, txDropped: 5 },
    { name: 'lo', rxBytes: 7, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 7, txPackets: 1, txErrors: 0, txDropped: 0 },
  ];
  s.conntrack = { count: 120, max: 262144 };
  s.counters = {
    Tcp: { InSegs: 500, OutSegs: 600, RetransSegs: 7, InErrs: 1, OutRsts: 9, EstabResets: 4, AttemptFails: 6, ActiveOpens: 30, PassiveOpens: 31 },
    TcpExt: { ListenOverflows: 13, ListenDrops: 17, SyncookiesSent: 19 },
    Udp: { InDatagrams: 100, OutDatagrams: 101, InErrors: 21, RcvbufErrors: 22, SndbufErrors: 23, NoPorts: 24 },
    Udp6: { InDatagrams: 200, OutDatagrams: 201, InErrors: 31, RcvbufErrors: 32, SndbufErrors: 33, NoPorts: 34 },
    Ip: { Forwarding: 2 },
  };
  s.sockstat = {
    sockets: { used: 42 },
    TCP: { inuse: 5, orphan: 1, tw: 3, alloc: 8, mem: 2 },
    UDP: { inuse: 2, mem: 1 },
    UDPLITE: { inuse: 0 },
    RAW: { inuse: 1 },
    FRAG: { inuse: 0, memory: 0 },
    TCP6: { inuse: 4 },
    UDP6: { inuse: 1 },
    UDPLITE6: { inuse: 0 },
    RAW6: { inuse: 0 },
  };
  s.localPortRange = [32768, 60999];
  s.samplers = [
    { name: 'tcp', ok: true, durationMs: 12.5 },
    { name: 'conntrack', ok: false, durationMs: 0.5 },
  ];
  s.errors = [
    { source: 'conntrack', file: '/proc/sys/net/netfilter/nf_conntrack_count', line: null, message: 'EACCES' },
    { source: 'conntrack', file: '/proc/sys/net/netfilter/nf_conntrack_max', line: null, message: 'EACCES' },
    { source: 'routes', file: null, line: null, message: 'odd line' },
  ];
  return s;
}
