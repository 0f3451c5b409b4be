import { describe, expect, it } from 'vitest';
import { parseNetUnix } from '../../src/procfs/net_unix.js';
import { describeCorpus, readCorpus, readCorpusJson } from '../corpus.js';

const PROCFS_ROWS = [
  { state: 'listen', unixType: 'stream', inode: 3442596, localAddress: '/var/run/postgresql/.s.PGSQL.5432' },
  { state: 'listen', unixType: 'seqpacket', inode: 10061, localAddress: '/run/udev/control' },
  { state: 'close', unixType: 'dgram', inode: 12392, localAddress: '/dev/log' },
  { state: 'established', unixType: 'stream', inode: 4787297, localAddress: '/var/run/postgresql/.s.PGSQL.5432' },
  { state: 'established', unixType: 'stream', inode: 5091797, localAddress: null },
];

describeCorpus('parseNetUnix on prometheus/procfs fixtures', () => {
  it('proc/net/unix: five rows, listen flag, types, states, path or null', () => {
    const { value, issues } = parseNetUnix(readCorpus('procfs/proc/net/unix'), 'unix');
    expect(issues).toEqual([]);
    expect(value.map(({ state, unixType, inode, localAddress }) => ({ state, unixType, inode, localAddress }))).toEqual(PROCFS_ROWS);
  });

  it('proc/net/unix_without_inode: same rows, inode null', () => {
    const { value, issues } = parseNetUnix(readCorpus('procfs/proc/net/unix_without_inode'), 'unix');
    expect(issues).toEqual([]);
    expect(value.map(({ state, unixType, inode, localAddress }) => ({ state, unixType, inode, localAddress }))).toEqual(
      PROCFS_ROWS.map((r) => ({ ...r, inode: null })),
    );
  });
});

interface JcUnixRow {
  Flags: string;
  Type: string;
  St: string;
  Inode: number;
  Path?: string;
}

describeCorpus('parseNetUnix on jc linux-proc__net_unix', () => {
  it('matches every row of jc\'s parse', () => {
    const { value, issues } = parseNetUnix(readCorpus('jc/linux-proc__net_unix'), 'unix');
    const expected = readCorpusJson<JcUnixRow[]>('jc/linux-proc__net_unix.json');
    expect(issues).toEqual([]);
    expect(value).toHaveLength(expected.length);
    value.forEach((s, i) => {
      const e = expected[i]!;
      expect(s.inode).toBe(e.Inode);
      expect(s.localAddress).toBe(e.Path ?? null);
      expect(s.state === 'listen').toBe((parseInt(e.Flags, 16) & 0x10000) !== 0);
    });
  });
});

describe('parseNetUnix errors', () => {
  it('reports a bad row with its line and keeps the others', () => {
    const text = 'Num       RefCount Protocol Flags    Type St Inode Path\n' +
      '0000000000000000: 00000002 00000000 00010000 0001 01 100 /a\n' +
      '0000000000000000: 00000002 00000000 0001ZZZZ 0001 01 101 /b\n' +
      '0000000000000000: 00000002\n' +
      '0000000000000000: 00000002 00000000 00000000 0001 03 102 @abstract name\n';
    const { value, issues } = parseNetUnix(text, 'unix');
    expect(value.map((s) => s.localAddress)).toEqual(['/a', '@abstract name']);
    expect(issues.map((i) => i.line)).toEqual([3, 4]);
  });
});
