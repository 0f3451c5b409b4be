import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSockstat } from '../../src/procfs/sockstat.js';
import { describeCorpus, fixturePath, readCorpus } from '../corpus.js';

const fixture = (relative: string): string => readFileSync(fixturePath(relative), 'utf8');

describeCorpus('parseSockstat on the procfs corpus', () => {
  it('proc/net/sockstat: sockets used 1602, TCP first with inuse 35, every line as printed', () => {
    const { value, issues } = parseSockstat(readCorpus('procfs/proc/net/sockstat'), 'proc/net/sockstat');
    expect(issues).toEqual([]);
    expect(Object.keys(value)).toEqual(['sockets', 'TCP', 'UDP', 'UDPLITE', 'RAW', 'FRAG']);
    expect(value).toEqual({
      sockets: { used: 1602 },
      TCP: { inuse: 35, orphan: 0, tw: 4, alloc: 59, mem: 22 },
      UDP: { inuse: 12, mem: 62 },
      UDPLITE: { inuse: 0 },
      RAW: { inuse: 0 },
      FRAG: { inuse: 0, memory: 0 },
    });
  });

  it('proc/net/sockstat6: no sockets line, TCP6 first with inuse 17', () => {
    const { value, issues } = parseSockstat(readCorpus('procfs/proc/net/sockstat6'), 'proc/net/sockstat6');
    expect(issues).toEqual([]);
    expect(value.sockets).toBeUndefined();
    expect(Object.keys(value)[0]).toBe('TCP6');
    expect(value).toEqual({
      TCP6: { inuse: 17 },
      UDP6: { inuse: 9 },
      UDPLITE6: { inuse: 0 },
      RAW6: { inuse: 1 },
      FRAG6: { inuse: 0, memory: 0 },
    });
  });

  it('inline sockstat.sample2: fields not printed stay absent, FRAG has memory not mem', () => {
    const { value, issues } = parseSockstat(readCorpus('procfs/inline/proc/net/sockstat.sample2'), 'sockstat.sample2');
    expect(issues).toEqual([]);
    expect(value).toEqual({
      sockets: { used: 1591 },
      TCP: { inuse: 32, orphan: 0, tw: 0, alloc: 58, mem: 13 },
      UDP: { inuse: 8, mem: 115 },
      UDPLITE: { inuse: 0 },
      RAW: { inuse: 0 },
      FRAG: { inuse: 0, memory: 0 },
    });
    expect('mem' in value.FRAG!).toBe(false);
    expect('orphan' in value.UDP!).toBe(false);
  });

  it('inline sockstat6.sample2', () => {
    const { value, issues } = parseSockstat(readCorpus('procfs/inline/proc/net/sockstat6.sample2'), 'sockstat6.sample2');
    expect(issues).toEqual([]);
    expect(value).toEqual({
      TCP6: { inuse: 24 },
      UDP6: { inuse: 9 },
      UDPLITE6: { inuse: 0 },
      RAW6: { inuse: 1 },
      FRAG6: { inuse: 0, memory: 0 },
    });
  });
});

describe('parseSockstat rules procfs asserts (inline)', () => {
  it('rejects `sockets: used` with no number', () => {
    expect(parseSockstat('sockets: used\n', 'inline')).toEqual({
      value: {},
      issues: [{ file: 'inline', line: 1, reason: 'sockets: expected key/value pairs, found 1 tokens' }],
    });
  });

  it('rejects an odd key/value count', () => {
    expect(parseSockstat('TCP: inuse 32 orphan\n', 'inline')).toEqual({
      value: {},
      issues: [{ file: 'inline', line: 1, reason: 'TCP: expected key/value pairs, found 3 tokens' }],
    });
  });

  it('parses empty input to an empty result', () => {
    expect(parseSockstat('', 'inline')).toEqual({ value: {}, issues: [] });
  });

  it('reports a line without a label and a repeated label', () => {
    expect(parseSockstat('inuse 3\nTCP: inuse 1\nTCP: inuse 2\n', 'inline')).toEqual({
      value: { TCP: { inuse: 1 } },
      issues: [
        { file: 'inline', line: 1, reason: 'expected "LABEL: key value ..."' },
        { file: 'inline', line: 3, reason: 'TCP: line repeated; kept the first' },
      ],
    });
  });
});

describe('parseSockstat on fixtures/linux-vm (as `cat` showed them)', () => {
  it('sockstat', () => {
    const { value, issues } = parseSockstat(fixture('linux-vm/proc/net/sockstat'), 'linux-vm/proc/net/sockstat');
    expect(issues).toEqual([]);
    expect(value).toEqual({
      sockets: { used: 11 },
      TCP: { inuse: 1, orphan: 0, tw: 0, alloc: 1, mem: 52 },
      UDP: { inuse: 0, mem: 0 },
      UDPLITE: { inuse: 0 },
      RAW: { inuse: 0 },
      FRAG: { inuse: 0, memory: 0 },
    });
  });

  it('sockstat6, and the two merge without overlapping labels', () => {
    const v6 = parseSockstat(fixture('linux-vm/proc/net/sockstat6'), 'linux-vm/proc/net/sockstat6');
    expect(v6.issues).toEqual([]);
    expect(v6.value).toEqual({
      TCP6: { inuse: 0 },
      UDP6: { inuse: 0 },
      UDPLITE6: { inuse: 0 },
      RAW6: { inuse: 0 },
      FRAG6: { inuse: 0, memory: 0 },
    });
    const v4 = parseSockstat(fixture('linux-vm/proc/net/sockstat'), 'linux-vm/proc/net/sockstat');
    expect(Object.keys({ ...v4.value, ...v6.value })).toHaveLength(11);
  });
});

describe('parseSockstat on fixtures/broken', () => {
  it('reports the three bad lines by number and keeps UDPLITE, RAW and FRAG', () => {
    const file = 'broken/proc/net/sockstat';
    const { value, issues } = parseSockstat(fixture(file), file);
    expect(issues).toEqual([
      { file, line: 1, reason: 'sockets: expected key/value pairs, found 1 tokens' },
      { file, line: 2, reason: 'TCP: expected key/value pairs, found 9 tokens' },
      { file, line: 3, reason: 'UDP inuse: "0x0" is not a number' },
    ]);
    expect(value).toEqual({ UDPLITE: { inuse: 0 }, RAW: { inuse: 0 }, FRAG: { inuse: 0, memory: 0 } });
  });
});
