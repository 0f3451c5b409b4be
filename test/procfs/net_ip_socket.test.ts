import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IpSocketTableParser, parseIpSockets } from '../../src/procfs/net_ip_socket.js';
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

describe('the streaming fast path', () => {
  const lines = [
    '   0: 0100007F:0050 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:0051 0100007F:C000 01 0000001A:00000000 01:00000014 00000000  1000        0 101 1 0000000000000000 20 4 30 10 -1',
    '   2: 0100007F:C001 0100007F:0051 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000',
    '   3: 0100007F:00\t52 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 102 1',
    '   4: 0100007F:0053 00000000:0000 0C 00000000:00000000 00:00000000 00000000     0        0 0 1',
    'garbage',
    '',
  ];
  const text = HEADER + lines.join('\n') + '\n';

  it('gives the same records and issues whatever the chunking', () => {
    const whole = parseIpSockets(text, 'tcp', TCP4);
    expect(whole.value.map((s) => s.inode)).toEqual([100, 101, 0, 0]);
    expect(whole.issues.map((i) => i.line)).toEqual([5, 7]);
    const bytes = Buffer.from(text, 'latin1');
    fc.assert(fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 8 }), (cuts) => {
      const parser = new IpSocketTableParser('tcp', TCP4);
      const ends = [...new Set(cuts)].sort((a, b) => a - b);
      // Feed as a reader would: unfinished lines carried into the next chunk.
      let carried = Buffer.alloc(0);
      let from = 0;
      for (const end of [...ends, bytes.length]) {
        const chunk = Buffer.concat([carried, bytes.subarray(from, end)]);
        const last = end === bytes.length;
        const used = parser.feed(chunk, 0, chunk.length, last);
        carried = chunk.subarray(used);
        from = end;
      }
      expect(parser.result()).toEqual(whole);
    }), { numRuns: 300, seed: 7 });
  });

  it('counts by state code exactly the rows it would return, checks included', () => {
    const counts = new Float64Array(16);
    const counted = parseIpSockets(text, 'tcp', TCP4, { counts });
    expect(counted.value).toEqual([]);
    expect(counted.issues).toEqual(parseIpSockets(text, 'tcp', TCP4).issues);
    expect(Array.from(counts.subarray(0, 13))).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1]);
  });

  it('keeps only the asked states, unparsed rows in other states skipped', () => {
    const { value } = parseIpSockets(text, 'tcp', TCP4, { states: 1 << 0x0a });
    expect(value.map((s) => [s.state, s.inode])).toEqual([['listen', 100]]);
  });

  it('reads text with non-ASCII characters line by line, to the same result for its ASCII rows', () => {
    const odd = parseIpSockets(text + '  9: é\n', 'tcp', TCP4);
    const plain = parseIpSockets(text, 'tcp', TCP4);
    expect(odd.value).toEqual(plain.value);
    expect(odd.issues).toEqual([...plain.issues, { file: 'tcp', line: 9, reason: expect.stringMatching(/fields/) }]);
  });
});

describe('values that do not fit are issues, not Infinity', () => {
  const row = '   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0';
  it.each([
    ['a queue over 8 hex digits', row.replace('00000000:00000000', `${'F'.repeat(9)}:00000000`), /queues/],
    ['a uid over 32 bits', row.replace('     0        0 1234', ' 4294967296 0 1234'), /uid .* out of range/],
    ['an inode past 2^53', row.replace(' 1234 ', ` ${'9'.repeat(17)} `), /inode .* out of range/],
  ])('%s', (_name, line, reason) => {
    const { value, issues } = parseIpSockets(`${HEADER}${line}\n`, 'tcp', TCP4);
    expect(value).toEqual([]);
    expect(issues).toEqual([{ file: 'tcp', line: 2, reason: expect.stringMatching(reason) }]);
  });

  it('a table without its header loses no row: line 1 is reported and read as a row', () => {
    const { value, issues } = parseIpSockets(`${row}\n`, 'tcp', TCP4);
    expect(value.map((s) => s.inode)).toEqual([1234]);
    expect(issues).toEqual([{ file: 'tcp', line: 1, reason: 'missing header "sl local_address ..."' }]);
  });
});
