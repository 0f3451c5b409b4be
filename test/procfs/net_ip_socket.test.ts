import { describe, expect, it } from 'vitest';
import { parseIpSockets } from '../../src/procfs/net_ip_socket.js';
import { describeCorpus, readCorpus, readCorpusJson } from '../corpus.js';

const TCP4 = { transport: 'tcp', family: 'inet' } as const;
const TCP6 = { transport: 'tcp', family: 'inet6' } as const;
const UDP4 = { transport: 'udp', family: 'inet' } as const;
const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

describeCorpus('parseIpSockets on prometheus/procfs fixtures', () => {
  it('proc/net/tcp: three LISTEN rows with their queues, uid and inode', () => {
    const { value, issues } = parseIpSockets(readCorpus('procfs/proc/net/tcp'), 'tcp', TCP4);
    expect(issues).toEqual([]);
    expect(value.map((s) => [s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.state, s.sendQ, s.recvQ, s.uid, s.inode])).toEqual([
      ['10.0.0.5', 22, '0.0.0.0', 0, 'listen', 0, 1, 0, 2740],
      ['0.0.0.0', 22, '0.0.0.0', 0, 'listen', 1, 0, 0, 2740],
      ['0.0.0.0', 22, '0.0.0.0', 0, 'listen', 1, 1, 0, 2740],
    ]);
  });

  it('proc/net/tcp6: CLOSE rows, link-local address decoded word by word', () => {
    const { value, issues } = parseIpSockets(readCorpus('procfs/proc/net/tcp6'), 'tcp6', TCP6);
    expect(issues).toEqual([]);
    expect(value.map((s) => [s.localAddress, s.localPort, s.remoteAddress, s.state, s.uid, s.inode])).toEqual([
      ['::', 5355, '::', 'close', 981, 21040],
      ['fe80::56e1:adff:fe7c:6609', 51073, '::', 'close', 1000, 11337031],
    ]);
  });

  it('proc/net/udp (same bytes as tcp) parses as UDP records', () => {
    const { value } = parseIpSockets(readCorpus('procfs/proc/net/udp'), 'udp', UDP4);
    expect(value).toHaveLength(3);
    expect(value.every((s) => s.transport === 'udp' && s.inode === 2740)).toBe(true);
    expect(value.reduce((n, s) => n + s.sendQ, 0)).toBe(2);
    expect(value.reduce((n, s) => n + s.recvQ, 0)).toBe(2);
  });

  it('proc/net/udp_broken: the 4-field row is an issue on line 2', () => {
    const { value, issues } = parseIpSockets(readCorpus('procfs/proc/net/udp_broken'), 'udp_broken', UDP4);
    expect(value).toEqual([]);
    expect(issues).toEqual([{ file: 'udp_broken', line: 2, reason: 'expected at least 10 fields, found 4' }]);
  });
});

interface JcTcpRow {
  local_address: string;
  local_port: number;
  remote_address: string;
  remote_port: number;
  state: string;
  tx_queue: string;
  rx_queue: string;
  uid: number;
  inode: number;
}

const STATE_HEX: Record<string, string> = { '01': 'established', '06': 'time_wait', '08': 'close_wait', '0A': 'listen', '04': 'fin_wait_1' };

describeCorpus('parseIpSockets on jc linux-proc__net_tcp (padded lines, 12-field TIME_WAIT rows)', () => {
  it('matches every row of jc\'s parse', () => {
    const { value, issues } = parseIpSockets(readCorpus('jc/linux-proc__net_tcp'), 'tcp', TCP4);
    const expected = readCorpusJson<JcTcpRow[]>('jc/linux-proc__net_tcp.json');
    expect(issues).toEqual([]);
    expect(value).toHaveLength(expected.length);
    expect(value.filter((s) => s.state === 'time_wait')).toHaveLength(15);
    value.forEach((s, i) => {
      const e = expected[i]!;
      expect([s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.state, s.sendQ, s.recvQ, s.uid, s.inode]).toEqual([
        e.local_address,
        e.local_port,
        e.remote_address,
        e.remote_port,
        STATE_HEX[e.state],
        parseInt(e.tx_queue, 16),
        parseInt(e.rx_queue, 16),
        e.uid,
        e.inode,
      ]);
    });
  });
});

describe('parseIpSockets single-line rules (from procfs net_ip_socket_test.go)', () => {
  const one = (line: string) => parseIpSockets(HEADER + line + '\n', 'tcp', TCP4);

  it('accepts the short tr:tm form and reads queues', () => {
    const { value, issues } = one('11: 00000000:0000 00000000:0000 0A 00000017:0000002A 0:0 0 1000 0 39309');
    expect(issues).toEqual([]);
    expect(value[0]).toMatchObject({ localAddress: '0.0.0.0', localPort: 0, state: 'listen', sendQ: 23, recvQ: 42, uid: 1000, inode: 39309 });
  });

  it.each([
    ['fewer than 10 fields', '1: 00000000:0016 00000000:0000 0A', /at least 10 fields/],
    ['slot not a number', 'a: 00000000:0000 00000000:0000 0A 00000017:0000002A 0:0 0 1000 0 39309', /slot/],
    ['non-hex address (letter O)', '11: 0000000O:0000 00000000:0000 0A 00000017:0000002A 0:0 0 1000 0 39309', /address/],
    ['tx/rx without colon', '11: 00000000:0000 00000000:0000 0A 0000000000000001 0:0 0 1000 0 39309', /queues/],
    ['non-hex tx_queue', '11: 00000000:0000 00000000:0000 0A DEADCODE:0000002A 0:0 0 1000 0 39309', /queues/],
    ['non-hex rx_queue', '11: 00000000:0000 00000000:0000 0A 00000017:FEEDCODE 0:0 0 1000 0 39309', /queues/],
    ['negative uid', '11: 00000000:0000 00000000:0000 0A 00000017:0000002A 0:0 0 -10 0 39309', /uid/],
    ['negative inode', '11: 00000000:0000 00000000:0000 0A 00000017:0000002A 0:0 0 1000 0 -39309', /inode/],
    ['unknown state', '11: 00000000:0000 00000000:0000 1F 00000017:0000002A 0:0 0 1000 0 39309', /state/],
  ])('rejects %s with the line number', (_name, line, reason) => {
    const { value, issues } = one(line);
    expect(value).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'tcp', line: 2 });
    expect(issues[0]!.reason).toMatch(reason);
  });

  it('keeps the good rows around a bad one', () => {
    const text =
      HEADER +
      '   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0\n' +
      '   1: 0100007F:00\n' +
      '   2: 0100007F:0051 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0 100 0 0 10 0\n';
    const { value, issues } = parseIpSockets(text, 'tcp', TCP4);
    expect(value.map((s) => s.localPort)).toEqual([80, 81]);
    expect(issues.map((i) => i.line)).toEqual([3]);
  });

  it('maps NEW_SYN_RECV (0C) to syn_received as ss does', () => {
    const { value } = one('0: 0100007F:0050 0100007F:C000 0C 00000000:00000000 00:00000000 00000000 0 0 0 1 0');
    expect(value[0]?.state).toBe('syn_received');
  });
});
