import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetstat, parseSnmp } from '../../src/procfs/snmp.js';
import { describeCorpus, fixturePath, readCorpus, readCorpusJson } from '../corpus.js';

const fixture = (relative: string): string => readFileSync(fixturePath(relative), 'utf8');

describeCorpus('parseSnmp on procfs proc/26231/net/snmp', () => {
  const parsed = () => parseSnmp(readCorpus('procfs/proc/26231/net/snmp'), 'proc/26231/net/snmp');

  it('has the six sections in file order and no issues', () => {
    const { value, issues } = parsed();
    expect(issues).toEqual([]);
    expect(Object.keys(value)).toEqual(['Ip', 'Icmp', 'IcmpMsg', 'Tcp', 'Udp', 'UdpLite']);
  });

  it('has the values procfs asserts', () => {
    const { value } = parsed();
    expect(value.Ip).toMatchObject({ Forwarding: 2, DefaultTTL: 64 });
    expect(value.Icmp).toMatchObject({ InMsgs: 45 });
    expect(value.IcmpMsg).toEqual({ InType3: 45, OutType3: 50 });
    expect(value.Tcp).toMatchObject({ RtoAlgorithm: 1, RtoMin: 200 });
    expect(value.Udp).toMatchObject({ InDatagrams: 10179, NoPorts: 50 });
    expect(value.UdpLite).toMatchObject({ InDatagrams: 0, NoPorts: 0 });
  });

  it('has the derived values, including the negative MaxConn', () => {
    const { value } = parsed();
    expect(value.Tcp).toEqual({
      RtoAlgorithm: 1, RtoMin: 200, RtoMax: 120000, MaxConn: -1, ActiveOpens: 1103, PassiveOpens: 9,
      AttemptFails: 8, EstabResets: 51, CurrEstab: 15, InSegs: 653161, OutSegs: 594855, RetransSegs: 348,
      InErrs: 98, OutRsts: 1038, InCsumErrors: 0,
    });
    expect(value.Udp).toMatchObject({ InErrors: 0, IgnoredMulti: 58 });
  });
});

describeCorpus('parseNetstat on procfs proc/26231/net/netstat', () => {
  it('has the values procfs asserts and the derived ones', () => {
    const { value, issues } = parseNetstat(readCorpus('procfs/proc/26231/net/netstat'), 'proc/26231/net/netstat');
    expect(issues).toEqual([]);
    expect(Object.keys(value)).toEqual(['TcpExt', 'IpExt']);
    expect(Object.keys(value.TcpExt!)).toHaveLength(113);
    expect(Object.keys(value.IpExt!)).toHaveLength(18);
    expect(value.TcpExt).toMatchObject({
      SyncookiesSent: 0, EmbryonicRsts: 1, TW: 83, PAWSEstab: 3640, ListenOverflows: 0, ListenDrops: 0,
    });
    expect(value.IpExt).toMatchObject({
      InNoRoutes: 0, InMcastPkts: 208, OutMcastPkts: 214, InOctets: 190585481, OutOctets: 7512674,
    });
  });
});

describeCorpus('parseNetstat against jc (linux-proc__net_netstat.json)', () => {
  it('matches every section and every field', () => {
    const jc = readCorpusJson<Array<Record<string, number | string> & { type: string }>>('jc/linux-proc__net_netstat.json');
    const { value, issues } = parseNetstat(readCorpus('jc/linux-proc__net_netstat'), 'linux-proc__net_netstat');
    expect(issues).toEqual([]);
    // jc: one object per section, named by `type`; ours: sections keyed by name.
    const expected = Object.fromEntries(jc.map(({ type, ...fields }) => [type, fields]));
    expect(Object.keys(expected)).toEqual(['TcpExt', 'IpExt', 'MPTcpExt']);
    expect(value).toEqual(expected);
    expect(value.TcpExt).toMatchObject({ TW: 3, DelayedACKLocked: 53, TCPBacklogCoalesce: 2883 });
  });
});

describe('parseSnmp on fixtures/linux-vm (as `cat` showed them)', () => {
  it('snmp: six sections; Tcp, Udp and the newer Ip OutTransmits column', () => {
    const { value, issues } = parseSnmp(fixture('linux-vm/proc/net/snmp'), 'linux-vm/proc/net/snmp');
    expect(issues).toEqual([]);
    expect(Object.keys(value)).toEqual(['Ip', 'Icmp', 'IcmpMsg', 'Tcp', 'Udp', 'UdpLite']);
    expect(value.Tcp).toEqual({
      RtoAlgorithm: 1, RtoMin: 200, RtoMax: 120000, MaxConn: -1, ActiveOpens: 108, PassiveOpens: 2,
      AttemptFails: 0, EstabResets: 0, CurrEstab: 0, InSegs: 7864, OutSegs: 4698, RetransSegs: 0, InErrs: 0,
      OutRsts: 198, InCsumErrors: 0,
    });
    expect(value.Udp).toEqual({
      InDatagrams: 157, NoPorts: 0, InErrors: 0, OutDatagrams: 158, RcvbufErrors: 0, SndbufErrors: 0,
      InCsumErrors: 0, IgnoredMulti: 0, MemErrors: 0,
    });
    expect(value.Ip).toMatchObject({ Forwarding: 2, DefaultTTL: 64, InReceives: 8022, OutRequests: 4855, OutTransmits: 4855 });
    expect(value.IcmpMsg).toEqual({ InType3: 1 });
  });

  it('netstat: TcpExt (135 fields), IpExt (18), MPTcpExt (76)', () => {
    const { value, issues } = parseNetstat(fixture('linux-vm/proc/net/netstat'), 'linux-vm/proc/net/netstat');
    expect(issues).toEqual([]);
    expect(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Object.keys(v).length]))).toEqual({
      TcpExt: 135, IpExt: 18, MPTcpExt: 76,
    });
    expect(value.TcpExt).toMatchObject({ TW: 8, ListenOverflows: 0, ListenDrops: 0, TCPTimeouts: 2, TCPRcvCoalesce: 5026 });
    expect(value.IpExt).toMatchObject({ InOctets: 214051210, OutOctets: 433893, InNoECTPkts: 8022 });
  });
});

describe('parseSnmp on fixtures/broken', () => {
  it('snmp: skips the Tcp section on a count mismatch, drops one bad Udp value, keeps the rest', () => {
    const file = 'broken/proc/net/snmp';
    const { value, issues } = parseSnmp(fixture(file), file);
    expect(issues).toEqual([
      { file, line: 8, reason: 'Tcp: 15 names but 14 values; section skipped' },
      { file, line: 10, reason: 'Udp InErrors: "1e3" is not a number' },
    ]);
    expect(Object.keys(value)).toEqual(['Ip', 'Icmp', 'IcmpMsg', 'Udp', 'UdpLite']);
    expect(value.Udp).toEqual({
      InDatagrams: 157, NoPorts: 0, OutDatagrams: 158, RcvbufErrors: 0, SndbufErrors: 0, InCsumErrors: 0,
      IgnoredMulti: 0, MemErrors: 0,
    });
    expect(value.Ip).toMatchObject({ InReceives: 8022 });
  });

  it('netstat cut short inside IpExt: TcpExt intact, IpExt reported and skipped', () => {
    const file = 'broken/proc/net/netstat';
    const { value, issues } = parseNetstat(fixture(file), file);
    expect(issues).toEqual([{ file, line: 4, reason: 'IpExt: 18 names but 10 values; section skipped' }]);
    expect(Object.keys(value)).toEqual(['TcpExt']);
    expect(Object.keys(value.TcpExt!)).toHaveLength(135);
    expect(value.TcpExt?.TW).toBe(8);
  });
});

describe('parseSnmp pairing rules', () => {
  it('reads values above 2^32 exactly (below 2^53)', () => {
    const { value } = parseSnmp('IpExt: InOctets OutOctets\nIpExt: 303177290674 9007199254740991\n', 'inline');
    expect(value.IpExt).toEqual({ InOctets: 303177290674, OutOctets: 9007199254740991 });
  });

  it('re-pairs after a header that lost its value line', () => {
    const text = 'Ip: A B\nTcp: C D\nTcp: 3 4\n';
    expect(parseSnmp(text, 'inline')).toEqual({
      value: { Tcp: { C: 3, D: 4 } },
      issues: [{ file: 'inline', line: 1, reason: 'Ip: header without a value line' }],
    });
  });

  it('reports a header at the end of the file and a line without a label', () => {
    expect(parseSnmp('garbage\nUdp: A\nUdp: 1\nTcp: A B', 'inline')).toEqual({
      value: { Udp: { A: 1 } },
      issues: [
        { file: 'inline', line: 1, reason: 'expected "Section: ..." header line' },
        { file: 'inline', line: 4, reason: 'Tcp: header without a value line' },
      ],
    });
  });

  it('keeps the first of a repeated section', () => {
    expect(parseSnmp('Tcp: A\nTcp: 1\nTcp: A\nTcp: 2\n', 'inline')).toEqual({
      value: { Tcp: { A: 1 } },
      issues: [{ file: 'inline', line: 3, reason: 'Tcp: section repeated; kept the first' }],
    });
  });

  it('parses an empty file to no sections', () => {
    expect(parseSnmp('', 'inline')).toEqual({ value: {}, issues: [] });
  });
});
