import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ipv6RouteFlags, parseNetIpv6Route } from '../../src/procfs/net_ipv6_route.js';
import type { Route } from '../../src/snapshot/types.js';
import { describeCorpus, fixturePath, readCorpus, readCorpusJson } from '../corpus.js';

const fixture = (relative: string): string => readFileSync(fixturePath(relative), 'utf8');

const route = (destination: string, gateway: string | null, iface: string | null, metric: number, flags: string): Route => ({
  family: 'inet6',
  destination,
  gateway,
  interface: iface,
  metric,
  flags,
});

/** Test-side oracle, independent of src/procfs/address.ts: the WHATWG URL host serializer. */
const compress = (hex32: string): string => new URL(`http://[${hex32.match(/.{4}/g)!.join(':')}]`).hostname.slice(1, -1);

const ZERO = '0'.repeat(32);
/** One ipv6_route line in the kernel's layout. */
const line = (dest: string, plen: string, nextHop: string, metric: string, flags: string, device: string): string =>
  `${dest} ${plen} ${ZERO} 00 ${nextHop} ${metric} 00000001 00000000 ${flags} ${device.padStart(8)}`;

describeCorpus('parseNetIpv6Route against jc (linux-proc__net_ipv6_route.json)', () => {
  interface JcRow {
    dest_net: string;
    dest_prefix: string;
    next_hop: string;
    metric: string;
    flags: string;
    device: string;
  }
  const isNullEntry = (row: JcRow): boolean =>
    row.dest_net === ZERO && row.dest_prefix === '00' && row.metric === 'ffffffff' && row.device === 'lo';

  it('matches every row jc lists except the two kernel null entries', () => {
    const jc = readCorpusJson<JcRow[]>('jc/linux-proc__net_ipv6_route.json');
    const { value, issues } = parseNetIpv6Route(readCorpus('jc/linux-proc__net_ipv6_route'), 'linux-proc__net_ipv6_route');
    expect(issues).toEqual([]);
    expect(jc.filter(isNullEntry)).toHaveLength(2);
    const kept = jc.filter((row) => !isNullEntry(row));
    expect(value).toHaveLength(kept.length);
    kept.forEach((row, i) => {
      expect(value[i]).toMatchObject({
        family: 'inet6',
        destination: `${compress(row.dest_net)}/${parseInt(row.dest_prefix, 16)}`,
        gateway: row.next_hop === ZERO ? null : compress(row.next_hop),
        interface: row.device,
        metric: parseInt(row.metric, 16),
      });
    });
    // Spelled out, flags included (`Un` = RTF_UP | RTF_NONEXTHOP, local-table entries).
    expect(value).toEqual([
      route('::1/128', null, 'lo', 256, 'U'),
      route('fe80::/64', null, 'ens33', 256, 'U'),
      route('::1/128', null, 'lo', 0, 'Un'),
      route('fe80::20c:29ff:fea4:e315/128', null, 'ens33', 0, 'Un'),
      route('ff00::/8', null, 'ens33', 256, 'U'),
    ]);
  });
});

describe('parseNetIpv6Route on fixtures/linux-vm', () => {
  const parsed = () => parseNetIpv6Route(fixture('linux-vm/proc/net/ipv6_route'), 'linux-vm/proc/net/ipv6_route');

  it('has the three routes `ip -6 route` printed (main table), default via fd00::1 metric 1024', () => {
    const { value, issues } = parsed();
    expect(issues).toEqual([]);
    expect(value).toEqual(
      expect.arrayContaining([
        route('fd00::/64', null, 'eth0', 256, 'U'),
        route('fe80::/64', null, 'eth0', 256, 'U'),
        route('::/0', 'fd00::1', 'eth0', 1024, 'UG'),
      ]),
    );
  });

  it('lists what `route -n -A inet6` printed, in its order, without its `::/0 !n -1 lo` null entry', () => {
    expect(parsed().value).toEqual([
      route('fd00::/64', null, 'eth0', 256, 'U'),
      route('fe80::/64', null, 'eth0', 256, 'U'),
      route('::/0', 'fd00::1', 'eth0', 1024, 'UG'),
      route('::1/128', null, 'lo', 0, 'Un'),
      route('fd00::2/128', null, 'eth0', 0, 'Un'),
      route('fe80::fc:ff:fe00:1/128', null, 'eth0', 0, 'Un'),
      route('ff00::/8', null, 'eth0', 256, 'U'),
    ]);
  });
});

describe('parseNetIpv6Route on fixtures/broken', () => {
  it('reports garbage hex and a truncated line by number and keeps the other routes', () => {
    const file = 'broken/proc/net/ipv6_route';
    const { value, issues } = parseNetIpv6Route(fixture(file), file);
    expect(issues).toEqual([
      { file, line: 2, reason: 'destination "fe80zz00000000000000000000000000" is not 32 hex digits' },
      { file, line: 4, reason: 'expected 10 fields, found 4' },
    ]);
    expect(value.map((r) => r.destination)).toEqual(['fd00::/64', '::/0', 'fd00::2/128', 'fe80::fc:ff:fe00:1/128', 'ff00::/8']);
    expect(value[1]).toEqual(route('::/0', 'fd00::1', 'eth0', 1024, 'UG'));
  });
});

describe('parseNetIpv6Route line rules', () => {
  const one = (text: string) => parseNetIpv6Route(text + '\n', 'inline');

  it('keeps a configured unreachable route on lo, flagged "!" (synthetic line)', () => {
    const text = line('20010db8000000000000000000000000', '20', ZERO, '00000400', '00200200', 'lo');
    expect(one(text)).toEqual({ value: [route('2001:db8::/32', null, 'lo', 1024, '!n')], issues: [] });
  });

  it('drops only the exact null entry (::/0, reject, metric 0xffffffff, lo)', () => {
    const nullEntry = line(ZERO, '00', ZERO, 'ffffffff', '00200200', 'lo');
    const rejectDefault = line(ZERO, '00', ZERO, '00000400', '00200200', 'lo');
    expect(one(`${nullEntry}\n${rejectDefault}`).value).toEqual([route('::/0', null, 'lo', 1024, '!n')]);
  });

  it('gives a route without a device (9 fields) no interface', () => {
    const text = line('20010db8000000000000000000000000', '20', ZERO, '00000400', '00000001', '');
    expect(one(text)).toEqual({ value: [route('2001:db8::/32', null, null, 1024, 'U')], issues: [] });
  });

  it('prints v4-mapped destinations as ss does', () => {
    const text = line('00000000000000000000ffff0a000000', '68', ZERO, '00000100', '00000001', 'eth0');
    expect(one(text).value[0]?.destination).toBe('::ffff:10.0.0.0/104');
  });

  it('rejects a prefix length above 128 and a short metric', () => {
    expect(one(line(ZERO, '81', ZERO, '00000100', '00000001', 'eth0')).issues).toEqual([
      { file: 'inline', line: 1, reason: 'destination prefix length 129 is above 128' },
    ]);
    expect(one(line(ZERO, '40', ZERO, '100', '00000001', 'eth0')).issues).toEqual([
      { file: 'inline', line: 1, reason: 'metric "100" is not 8 hex digits' },
    ]);
  });

  it('parses an empty file to no routes', () => {
    expect(parseNetIpv6Route('', 'inline')).toEqual({ value: [], issues: [] });
  });
});

describe('ipv6RouteFlags prints what `route -n -A inet6` prints', () => {
  it.each([
    [0x00000001, 'U'],
    [0x00000003, 'UG'],
    [0x80200001, 'Un'],
    [0x00200200, '!n'],
    [0x00040001, 'UA'],
    [0x01000001, 'UC'],
    [0x00450003, 'UGDAe'],
  ])('flags %i -> %s', (flags, text) => {
    expect(ipv6RouteFlags(flags)).toBe(text);
  });
});
