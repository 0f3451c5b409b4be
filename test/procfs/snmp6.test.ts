import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSnmp6 } from '../../src/procfs/snmp6.js';
import { describeCorpus, fixturePath, readCorpus } from '../corpus.js';

const fixture = (relative: string): string => readFileSync(fixturePath(relative), 'utf8');

/** The field names /proc/net/snmp's `Udp:` header has on the same kernels: Udp6 must match them. */
const UDP_FIELDS = ['InDatagrams', 'NoPorts', 'InErrors', 'OutDatagrams', 'RcvbufErrors', 'SndbufErrors', 'InCsumErrors', 'IgnoredMulti', 'MemErrors'];

describeCorpus('parseSnmp6 on procfs proc/26231/net/snmp6', () => {
  const file = 'proc/26231/net/snmp6';
  const parsed = () => parseSnmp6(readCorpus(`procfs/${file}`), file);

  it('keeps Udp6 and UdpLite6 with the prefix stripped, drops Ip6 and Icmp6', () => {
    const { value } = parsed();
    expect(Object.keys(value)).toEqual(['Udp6', 'UdpLite6']);
    // An older kernel: no MemErrors yet, so one field fewer than today's Udp header.
    expect(value.Udp6).toEqual({
      InDatagrams: 2016, NoPorts: 0, InErrors: 0, OutDatagrams: 1546, RcvbufErrors: 0, SndbufErrors: 0,
      InCsumErrors: 0, IgnoredMulti: 12,
    });
    // UdpLite6 printed no IgnoredMulti on that kernel.
    expect(value.UdpLite6).toEqual({
      InDatagrams: 0, NoPorts: 0, InErrors: 0, OutDatagrams: 0, RcvbufErrors: 0, SndbufErrors: 0, InCsumErrors: 0,
    });
    // procfs asserts UdpLite6InDatagrams 0 and Udp6InDatagrams 2016 (EXPECTED.md).
    expect(value.UdpLite6?.InDatagrams).toBe(0);
  });

  it('reports the ttar trailer line the extraction left at the end, and nothing else', () => {
    // The corpus file ends in `Mode: 644` (see corpus README: ttar writes it after each file's
    // lines). It is not a counter line, so it is an issue with its line number, not a counter.
    expect(parsed().issues).toEqual([{ file, line: 92, reason: '"Mode:" is not a counter name' }]);
  });
});

describe('parseSnmp6 on fixtures/linux-vm (cat /proc/net/snmp6 on kernel 6.18.44)', () => {
  it('has Udp6 with exactly the Udp field names, and UdpLite6; no issues', () => {
    const file = 'linux-vm/proc/net/snmp6';
    const { value, issues } = parseSnmp6(fixture(file), file);
    expect(issues).toEqual([]);
    expect(Object.keys(value)).toEqual(['Udp6', 'UdpLite6']);
    expect(Object.keys(value.Udp6!)).toEqual(UDP_FIELDS);
    expect(value.Udp6).toMatchObject({ InDatagrams: 20, OutDatagrams: 20, NoPorts: 0, RcvbufErrors: 0 });
    expect(Object.keys(value.UdpLite6!)).toEqual(UDP_FIELDS.filter((f) => f !== 'IgnoredMulti'));
  });
});

describe('parseSnmp6 on fixtures/broken', () => {
  it('drops only the bad lines, each reported with its number; the other Udp6 fields stay', () => {
    const file = 'broken/proc/net/snmp6';
    const { value, issues } = parseSnmp6(fixture(file), file);
    expect(issues).toEqual([
      { file, line: 76, reason: 'Udp6InErrors: "1e3" is not a number' },
      { file, line: 79, reason: 'expected "Name value", got 1 fields' },
    ]);
    expect(value.Udp6).toEqual({
      InDatagrams: 20, NoPorts: 0, OutDatagrams: 20, RcvbufErrors: 0, InCsumErrors: 0, IgnoredMulti: 0, MemErrors: 0,
    });
    expect(value.UdpLite6).toMatchObject({ InDatagrams: 0 });
  });
});

describe('parseSnmp6 line rules', () => {
  it('reads values above 2^32 exactly, tabs or spaces between name and value', () => {
    const { value, issues } = parseSnmp6('Udp6InDatagrams \t 303177290674\nUdp6OutDatagrams 9007199254740991\n', 'inline');
    expect(issues).toEqual([]);
    expect(value).toEqual({ Udp6: { InDatagrams: 303177290674, OutDatagrams: 9007199254740991 } });
  });

  it('checks Ip6 and Icmp6 lines but keeps none of them', () => {
    expect(parseSnmp6('Ip6InReceives 5\nIcmp6InType134 x\nUdp6NoPorts 1\n', 'inline')).toEqual({
      value: { Udp6: { NoPorts: 1 } },
      issues: [{ file: 'inline', line: 2, reason: 'Icmp6InType134: "x" is not a number' }],
    });
  });

  it('does not take UdpLite6 lines for Udp6 ones', () => {
    expect(parseSnmp6('UdpLite6InErrors 3\nUdp6InErrors 4\n', 'inline').value).toEqual({
      UdpLite6: { InErrors: 3 },
      Udp6: { InErrors: 4 },
    });
  });

  it('keeps the first of a repeated name, and reports a prefix with no field', () => {
    expect(parseSnmp6('Udp6NoPorts 1\nUdp6NoPorts 2\nUdp6 7\n', 'inline')).toEqual({
      value: { Udp6: { NoPorts: 1 } },
      issues: [
        { file: 'inline', line: 2, reason: 'Udp6NoPorts: repeated; kept the first' },
        { file: 'inline', line: 3, reason: 'Udp6: no counter name after the Udp6 prefix' },
      ],
    });
  });

  it('reports lines in the /proc/net/snmp format (a wrong file) and keeps prototype-named fields as counters', () => {
    const { value, issues } = parseSnmp6('Udp: InDatagrams NoPorts\nUdp: 1 2\nUdp6__proto__ 5\n', 'inline');
    expect(issues.map((i) => i.line)).toEqual([1, 2]);
    expect(JSON.stringify(value)).toBe('{"Udp6":{"__proto__":5}}');
    expect(Object.getPrototypeOf(value.Udp6)).toBe(Object.prototype);
  });

  it('parses an empty file to no sections', () => {
    expect(parseSnmp6('', 'inline')).toEqual({ value: {}, issues: [] });
  });
});
