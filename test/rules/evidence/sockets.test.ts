/** Evidence over the socket list: CLOSE_WAIT holders, TIME_WAIT and ephemeral-range peers, connection spike sources. */
import { describe, expect, it } from 'vitest';
import { closeWaitEvidence } from '../../../src/rules/evidence/close_wait.js';
import { establishedEvidence } from '../../../src/rules/evidence/connections.js';
import { ephemeralPortsEvidence, timeWaitEvidence } from '../../../src/rules/evidence/port_pressure.js';
import type { SocketRecord } from '../../../src/snapshot/types.js';
import { historyOf, snap, socket, states } from '../helpers.js';

/** `n` sockets, each from its own client port. */
function many(n: number, patch: Partial<SocketRecord>, firstPort = 40000): SocketRecord[] {
  return Array.from({ length: n }, (_, i) => socket({ localPort: firstPort + i, ...patch }));
}

describe('closeWaitEvidence', () => {
  it('names the processes holding the most CLOSE_WAIT sockets, bounded to 5, with ports and peers', () => {
    const cw = { state: 'close_wait' as const };
    const sockets = [
      ...many(380, { ...cw, pid: 1234, process: 'java', localPort: 8080, remoteAddress: '10.0.0.20', remotePort: 5432 }),
      ...many(32, { ...cw, pid: 88, process: 'nginx', localPort: 443, remoteAddress: '2001:db8::7', remotePort: 8000 }),
      ...many(4, { ...cw, pid: 7, process: 'a' }, 41000),
      ...many(4, { ...cw, pid: 5, process: 'b' }, 42000),
      ...many(2, { ...cw, pid: null, process: null }, 43000),
      ...many(1, { ...cw, pid: 9, process: 'c' }, 44000),
      ...many(50, { state: 'established', pid: 1, process: 'other' }, 45000),
    ];
    const h = historyOf([snap(0, { sockets, tcp: states({ close_wait: 423, established: 50 }) })]);
    const e = closeWaitEvidence(h);
    expect(e?.values).toMatchObject({
      count: 423,
      // equal counts (4, 4): lower pid first; the sixth group is summed, not dropped silently
      topProcesses: ['1234/java (380)', '88/nginx (32)', '5/b (4)', '7/a (4)', 'unknown (2)', '+1 more (1)'],
      topLocalPorts: expect.arrayContaining(['8080 (380)', '443 (32)']),
      topRemotes: expect.arrayContaining(['10.0.0.20:5432 (380)', '[2001:db8::7]:8000 (32)']),
    });
    expect(e?.attributes).toMatchObject({
      'netstat.evidence.close_wait.count': 423,
      'netstat.evidence.close_wait.top_processes': ['1234/java=380', '88/nginx=32', '5/b=4', '7/a=4', 'unknown=2'],
    });
    expect(e?.attributes['netstat.evidence.close_wait.top_local_ports']).toHaveLength(5);
  });

  it('shows sockets without a pid as unknown', () => {
    const h = historyOf([snap(0, { sockets: many(3, { state: 'close_wait', pid: null, process: null }), tcp: states({ close_wait: 3 }) })]);
    expect(closeWaitEvidence(h)?.values.topProcesses).toEqual(['unknown (3)']);
  });

  it('says nothing it does not know when the sampler only counted states', () => {
    const h = historyOf([snap(0, { tcp: states({ close_wait: 70 }) })]);
    const e = closeWaitEvidence(h);
    expect(e?.values).toEqual({ count: 70, topProcesses: null, topLocalPorts: null, topRemotes: null });
    expect(e?.attributes).toEqual({ 'netstat.evidence.close_wait.count': 70 });
  });

  it('is null before the first snapshot', () => {
    expect(closeWaitEvidence(historyOf([]))).toBeNull();
  });
});

describe('timeWaitEvidence', () => {
  it('lists the peers of TIME_WAIT sockets by count', () => {
    const tw = { state: 'time_wait' as const, pid: null, process: null };
    const sockets = [
      ...many(6, { ...tw, remoteAddress: '10.0.0.9', remotePort: 443 }),
      ...many(6, { ...tw, remoteAddress: '10.0.0.8', remotePort: 443 }, 41000),
      ...many(9, { ...tw, remoteAddress: '10.0.0.9', remotePort: 80 }, 42000),
      ...many(3, { state: 'established', remoteAddress: '10.0.0.1', remotePort: 22 }, 43000),
    ];
    const e = timeWaitEvidence(historyOf([snap(0, { sockets, tcp: states({ time_wait: 21, established: 3 }) })]));
    expect(e?.values).toEqual({ count: 21, topRemotes: ['10.0.0.9:80 (9)', '10.0.0.8:443 (6)', '10.0.0.9:443 (6)'] });
    expect(e?.attributes).toEqual({
      'netstat.evidence.time_wait.count': 21,
      'netstat.evidence.time_wait.top_remote_endpoints': ['10.0.0.9:80=9', '10.0.0.8:443=6', '10.0.0.9:443=6'],
    });
  });
});

describe('ephemeralPortsEvidence', () => {
  it('counts non-listening sockets in the local port range, their peers, and the processes of those not in TIME_WAIT', () => {
    const sockets = [
      ...many(5, { state: 'time_wait', pid: null, process: null, remoteAddress: '10.0.0.9', remotePort: 443 }, 60000),
      ...many(3, { state: 'established', pid: 42, process: 'curl', remoteAddress: '10.0.0.9', remotePort: 443 }, 60010),
      ...many(2, { transport: 'udp', state: 'established', pid: 53, process: 'dig', remoteAddress: '9.9.9.9', remotePort: 53 }, 60020),
      socket({ state: 'listen', localPort: 60050, remoteAddress: '0.0.0.0', remotePort: 0 }),
      ...many(4, { state: 'established', remoteAddress: '10.0.0.7', remotePort: 22 }, 1000), // below the range
    ];
    const h = historyOf([snap(0, { sockets, localPortRange: [60000, 60099], tcp: states({ time_wait: 5, established: 7, listen: 1 }) })]);
    const e = ephemeralPortsEvidence(h);
    expect(e?.values).toEqual({
      count: 10,
      timeWait: 5,
      rangeSize: 100,
      topRemotes: ['10.0.0.9:443 (8)', '9.9.9.9:53 (2)'],
      topProcesses: ['42/curl (3)', '53/dig (2)'],
    });
    expect(e?.attributes).toMatchObject({ 'netstat.evidence.ephemeral_ports.range': '60000-60099', 'netstat.evidence.ephemeral_ports.count': 10 });
  });

  it('is null without a port range', () => {
    expect(ephemeralPortsEvidence(historyOf([snap(0, { sockets: [socket({})] })]))).toBeNull();
  });
});

describe('establishedEvidence', () => {
  it('groups by remote address with the local listening ports each hit, and counts our ports', () => {
    const listen = (port: number) => socket({ state: 'listen', localAddress: '0.0.0.0', localPort: port, remoteAddress: '0.0.0.0', remotePort: 0 });
    const sockets = [
      listen(443),
      listen(80),
      ...many(6, { localPort: 443, remoteAddress: '203.0.113.7' }).map((s, i) => ({ ...s, remotePort: 50000 + i })),
      ...many(2, { localPort: 443, remoteAddress: '198.51.100.2' }).map((s, i) => ({ ...s, remotePort: 51000 + i })),
      ...many(2, { localPort: 80, remoteAddress: '198.51.100.2' }).map((s, i) => ({ ...s, remotePort: 52000 + i })),
      ...many(3, { remoteAddress: '10.0.0.9', remotePort: 5432 }, 40000), // we connected out
    ];
    const e = establishedEvidence(historyOf([snap(0, { sockets, tcp: states({ established: 13, listen: 2 }) })]));
    // 198.51.100.2 hit :443 and :80 twice each: equal counts list the lower port first.
    expect(e?.values).toEqual({
      count: 13,
      topRemoteAddresses: ['203.0.113.7 -> :443 (6)', '198.51.100.2 -> :80,:443 (4)', '10.0.0.9 (3)'],
      topLocalPorts: ['443 (8)', '80 (2)'],
    });
    expect(e?.attributes['netstat.evidence.established.top_remote_addresses']).toEqual(['203.0.113.7 -> :443=6', '198.51.100.2 -> :80,:443=4', '10.0.0.9=3']);
  });

  it('bounds the list to 5 addresses', () => {
    const sockets = Array.from({ length: 8 }, (_, i) => socket({ remoteAddress: `192.0.2.${i + 1}`, localPort: 40000 + i }));
    const e = establishedEvidence(historyOf([snap(0, { sockets, tcp: states({ established: 8 }) })]));
    expect(e?.attributes['netstat.evidence.established.top_remote_addresses']).toHaveLength(5);
    expect((e?.values.topRemoteAddresses as string[]).at(-1)).toBe('+3 more (3)');
  });
});
