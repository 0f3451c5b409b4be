import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ipv4RouteFlags, parseNetRoute } from '../../src/procfs/net_route.js';
import type { Route } from '../../src/snapshot/types.js';
import { describeCorpus, fixturePath, readCorpus, readCorpusJson } from '../corpus.js';

const fixture = (relative: string): string => readFileSync(fixturePath(relative), 'utf8');

// Every file here was written on a little-endian x86 host; say so, so the tests also hold on a
// big-endian machine.
const LE = { littleEndian: true };

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';

const route = (destination: string, gateway: string | null, iface: string | null, metric: number, flags: string): Route => ({
  family: 'inet',
  destination,
  gateway,
  interface: iface,
  metric,
  flags,
});

/** Test-side decoders, independent of src/procfs/address.ts: little-endian hex word -> dotted quad. */
const dotted = (hex: string): string => Buffer.from(hex, 'hex').reverse().join('.');
const maskBits = (hex: string): number => [...parseInt(hex, 16).toString(2)].filter((b) => b === '1').length;

describeCorpus('parseNetRoute on procfs inline/proc/net/route', () => {
  it('decodes both routes (space separated, no final newline)', () => {
    const text = readCorpus('procfs/inline/proc/net/route');
    expect(text.endsWith('\n')).toBe(false);
    const { value, issues } = parseNetRoute(text, 'inline/proc/net/route', LE);
    expect(issues).toEqual([]);
    expect(value).toEqual([
      route('0.0.0.0/0', '192.168.3.149', 'eno16780032', 100, 'UG'),
      route('192.168.0.0/16', null, 'eno16780032', 100, 'U'),
    ]);
  });
});

describeCorpus('parseNetRoute against jc (linux-proc__net_route.json)', () => {
  interface JcRow {
    Iface: string;
    Destination: string;
    Gateway: string;
    Flags: string;
    Metric: number;
    Mask: string;
  }

  it('matches every row: destination/mask as CIDR, gateway, interface, metric, flags', () => {
    const jc = readCorpusJson<JcRow[]>('jc/linux-proc__net_route.json');
    const { value, issues } = parseNetRoute(readCorpus('jc/linux-proc__net_route'), 'linux-proc__net_route', LE);
    expect(issues).toEqual([]);
    expect(value).toHaveLength(jc.length);
    jc.forEach((row, i) => {
      const flags = parseInt(row.Flags, 16);
      expect(value[i]).toEqual({
        family: 'inet',
        destination: `${dotted(row.Destination)}/${maskBits(row.Mask)}`,
        gateway: row.Gateway === '00000000' ? null : dotted(row.Gateway),
        interface: row.Iface,
        metric: row.Metric,
        // Only U (1), G (2) and H (4) occur in this file.
        flags: (flags & 1 ? 'U' : '') + (flags & 2 ? 'G' : '') + (flags & 4 ? 'H' : ''),
      });
    });
    // And spelled out, so a wrong test-side decoder cannot hide a wrong parser.
    expect(value).toEqual([
      route('0.0.0.0/0', '192.168.71.2', 'ens33', 100, 'UG'),
      route('192.168.71.0/24', null, 'ens33', 0, 'U'),
      route('192.168.71.2/32', null, 'ens33', 100, 'UH'),
    ]);
  });
});

describe('parseNetRoute on fixtures/linux-vm (checked against `ip -4 route` and `route -n`)', () => {
  it('has the default via 192.0.2.1 and the connected 192.0.2.0/24, both on eth0', () => {
    const { value, issues } = parseNetRoute(fixture('linux-vm/proc/net/route'), 'linux-vm/proc/net/route', LE);
    expect(issues).toEqual([]);
    expect(value).toEqual([route('0.0.0.0/0', '192.0.2.1', 'eth0', 0, 'UG'), route('192.0.2.0/24', null, 'eth0', 0, 'U')]);
  });
});

describe('parseNetRoute on fixtures/broken', () => {
  it('reports garbage hex and a truncated line by number, and keeps the good routes', () => {
    const file = 'broken/proc/net/route';
    const { value, issues } = parseNetRoute(fixture(file), file, LE);
    expect(issues).toEqual([
      { file, line: 2, reason: 'gateway "01Z200C0" is not 8 hex digits' },
      { file, line: 4, reason: 'expected 11 fields, found 4' },
    ]);
    expect(value).toEqual([route('192.0.2.0/24', null, 'eth0', 0, 'U'), route('192.0.2.10/32', null, 'eth0', 0, 'UH')]);
  });
});

describe('parseNetRoute line rules', () => {
  const parseLine = (line: string) => parseNetRoute(`${HEADER}\n${line}\n`, 'inline', LE);

  it('reads a big-endian host file when told so', () => {
    const { value } = parseNetRoute(`${HEADER}\neth0\t0A000000\t0A000001\t0003\t0\t0\t5\tFF000000\t0\t0\t0\n`, 'be', {
      littleEndian: false,
    });
    expect(value).toEqual([route('10.0.0.0/8', '10.0.0.1', 'eth0', 5, 'UG')]);
  });

  it('shows a metric the kernel printed as negative (%d of a u32) as ip route does', () => {
    expect(parseLine('eth0\t0000000A\t00000000\t0001\t0\t0\t-1\t000000FF\t0\t0\t0').value[0]?.metric).toBe(4294967295);
  });

  it('maps the device "*" to no interface', () => {
    expect(parseLine('*\t0000000A\t00000000\t0201\t0\t0\t0\t000000FF\t0\t0\t0').value).toEqual([
      route('10.0.0.0/8', null, null, 0, '!'),
    ]);
  });

  it('rejects a mask with holes and a non-numeric metric', () => {
    expect(parseLine('eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0').issues).toEqual([
      { file: 'inline', line: 2, reason: 'mask "00FF00FF" is not contiguous' },
    ]);
    expect(parseLine('eth0\t0000000A\t00000000\t0001\t0\t0\tx\t000000FF\t0\t0\t0').issues).toEqual([
      { file: 'inline', line: 2, reason: 'metric "x" is not a number' },
    ]);
    expect(parseLine('eth0\t0000000A\t00000000\tG\t0\t0\t0\t000000FF\t0\t0\t0').issues).toEqual([
      { file: 'inline', line: 2, reason: 'flags "G" are not hex' },
    ]);
  });

  it('reads a file without the header line', () => {
    expect(parseNetRoute('eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0', 'inline', LE).value).toEqual([
      route('0.0.0.0/0', '192.0.2.1', 'eth0', 0, 'UG'),
    ]);
  });
});

describe('ipv4RouteFlags prints what `route -n` prints', () => {
  it.each([
    [0x0001, 'U'],
    [0x0003, 'UG'],
    [0x0005, 'UH'],
    [0x0007, 'UGH'],
    // net-tools replaces U and G by "!" for a reject route.
    [0x0201, '!'],
    [0x0203, '!'],
    [0x0205, '!H'],
    [0x0019, 'URD'],
    [0x0021, 'UM'],
    [0x0000, ''],
  ])('flags %i -> %s', (flags, text) => {
    expect(ipv4RouteFlags(flags)).toBe(text);
  });
});
