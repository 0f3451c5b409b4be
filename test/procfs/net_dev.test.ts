import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetDev } from '../../src/procfs/net_dev.js';
import type { InterfaceStats } from '../../src/snapshot/types.js';
import { describeCorpus, fixturePath, readCorpus, readCorpusJson } from '../corpus.js';

const fixture = (relative: string): string => readFileSync(fixturePath(relative), 'utf8');

const ZERO = {
  rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDropped: 0, rxFifo: 0, rxFrame: 0, rxCompressed: 0, rxMulticast: 0,
  txBytes: 0, txPackets: 0, txErrors: 0, txDropped: 0, txFifo: 0, txCollisions: 0, txCarrier: 0, txCompressed: 0,
};

/** An interface whose counters are all 0 except the ones given. */
const iface = (name: string, counters: Partial<typeof ZERO> = {}): InterfaceStats => ({ name, ...ZERO, ...counters });

const HEADER =
  'Inter-|   Receive                                                |  Transmit\n' +
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';

describeCorpus('parseNetDev on the procfs corpus', () => {
  it('proc/net/dev: four interfaces, a long name touching its first number', () => {
    const { value, issues } = parseNetDev(readCorpus('procfs/proc/net/dev'), 'proc/net/dev');
    expect(issues).toEqual([]);
    expect(value).toEqual([
      iface('vethf345468', { rxBytes: 648, rxPackets: 8, txBytes: 438, txPackets: 5 }),
      iface('lo', { rxBytes: 1664039048, rxPackets: 1566805, txBytes: 1664039048, txPackets: 1566805 }),
      iface('docker0', { rxBytes: 2568, rxPackets: 38, txBytes: 438, txPackets: 5 }),
      iface('eth0', { rxBytes: 874354587, rxPackets: 1036395, txBytes: 563352563, txPackets: 732147 }),
    ]);
  });

  it('proc/26231/net/dev: the per-process view', () => {
    const { value, issues } = parseNetDev(readCorpus('procfs/proc/26231/net/dev'), 'proc/26231/net/dev');
    expect(issues).toEqual([]);
    expect(value).toEqual([iface('lo'), iface('eth0', { rxBytes: 438, rxPackets: 5, txBytes: 648, txPackets: 8 })]);
  });
});

describeCorpus('parseNetDev against jc (linux-proc__net_dev.json)', () => {
  type JcRow = Record<string, number> & { interface: string };
  // jc's column names, in the kernel's column order, next to ours.
  const JC_TO_OURS: ReadonlyArray<readonly [string, keyof typeof ZERO]> = [
    ['r_bytes', 'rxBytes'], ['r_packets', 'rxPackets'], ['r_errs', 'rxErrors'], ['r_drop', 'rxDropped'],
    ['r_fifo', 'rxFifo'], ['r_frame', 'rxFrame'], ['r_compressed', 'rxCompressed'], ['r_multicast', 'rxMulticast'],
    ['t_bytes', 'txBytes'], ['t_packets', 'txPackets'], ['t_errs', 'txErrors'], ['t_drop', 'txDropped'],
    ['t_fifo', 'txFifo'], ['t_colls', 'txCollisions'], ['t_carrier', 'txCarrier'], ['t_compressed', 'txCompressed'],
  ];

  it('matches every row and every one of the 16 counters', () => {
    const jc = readCorpusJson<JcRow[]>('jc/linux-proc__net_dev.json');
    const { value, issues } = parseNetDev(readCorpus('jc/linux-proc__net_dev'), 'linux-proc__net_dev');
    expect(issues).toEqual([]);
    const expected = jc.map((row) => {
      const record: Record<string, unknown> = { name: row.interface };
      for (const [theirs, ours] of JC_TO_OURS) record[ours] = row[theirs];
      return record;
    });
    expect(expected.map((r) => r.name)).toEqual(['lo', 'ens33']);
    expect(value).toEqual(expected);
  });
});

describe('parseNetDev line rules', () => {
  it('keeps a colon inside the name (eth0:1) and maps the 16 counters in kernel order', () => {
    const line = 'eth0:1: ' + Array.from({ length: 16 }, (_, i) => i + 1).join(' ');
    const { value, issues } = parseNetDev(HEADER + line + '\n', 'inline');
    expect(issues).toEqual([]);
    expect(value).toEqual([
      {
        name: 'eth0:1',
        rxBytes: 1, rxPackets: 2, rxErrors: 3, rxDropped: 4, rxFifo: 5, rxFrame: 6, rxCompressed: 7, rxMulticast: 8,
        txBytes: 9, txPackets: 10, txErrors: 11, txDropped: 12, txFifo: 13, txCollisions: 14, txCarrier: 15,
        txCompressed: 16,
      },
    ]);
  });

  it('reads counters above 2^32', () => {
    const line = '  eth0: 5000000000 1 0 0 0 0 0 0 6000000000 2 0 0 0 0 0 0';
    const { value } = parseNetDev(HEADER + line, 'inline');
    expect(value[0]?.rxBytes).toBe(5_000_000_000);
    expect(value[0]?.txBytes).toBe(6_000_000_000);
  });

  it('reports a line without a colon, an empty name and too many counters', () => {
    const text = HEADER + 'eth0 1 2 3\n: ' + '0 '.repeat(16) + '\n  eth1: ' + '1 '.repeat(17) + '\n';
    const { value, issues } = parseNetDev(text, 'inline');
    expect(value).toEqual([]);
    expect(issues).toEqual([
      { file: 'inline', line: 3, reason: 'no ":" after the interface name' },
      { file: 'inline', line: 4, reason: 'empty interface name' },
      { file: 'inline', line: 5, reason: 'eth1: expected 16 counters, found 17' },
    ]);
  });

  it('parses an empty file to no interfaces', () => {
    expect(parseNetDev('', 'inline')).toEqual({ value: [], issues: [] });
  });
});

describe('parseNetDev on fixtures/linux-vm (checked against `ip -s link`)', () => {
  it('has lo, ifb0, ifb1 and eth0 with the byte and packet counts ip printed', () => {
    const { value, issues } = parseNetDev(fixture('linux-vm/proc/net/dev'), 'linux-vm/proc/net/dev');
    expect(issues).toEqual([]);
    expect(value).toEqual([
      iface('lo', { rxBytes: 3193, rxPackets: 29, txBytes: 3193, txPackets: 29 }),
      iface('ifb0'),
      iface('ifb1'),
      iface('eth0', { rxBytes: 214160145, rxPackets: 7996, txBytes: 499274, txPackets: 4837 }),
    ]);
  });
});

describe('parseNetDev on fixtures/broken', () => {
  it('reports the truncated and the garbage line by number and keeps lo and eth0', () => {
    const file = 'broken/proc/net/dev';
    const { value, issues } = parseNetDev(fixture(file), file);
    expect(issues).toEqual([
      { file, line: 4, reason: 'ifb0: expected 16 counters, found 5' },
      { file, line: 5, reason: 'ifb1: rxPackets "0x1" is not a number' },
    ]);
    expect(value.map((i) => i.name)).toEqual(['lo', 'eth0']);
    expect(value[1]).toEqual(iface('eth0', { rxBytes: 214160145, rxPackets: 7996, txBytes: 499274, txPackets: 4837 }));
  });
});
