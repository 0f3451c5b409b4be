import { describe, expect, it } from 'vitest';
import { describeCorpus, readCorpus, readCorpusJson } from '../corpus.js';
import { parseRoutePrint, type RoutePrintRoute } from '../../src/windows/route-print.js';
import { routesFromRoutePrint } from '../../src/windows/to-snapshot.js';
import { defaultGatewaysOf } from '../../src/snapshot/derive.js';

type JcEntry =
  | { interfaces: { id: string; mac: string; name: string }[] }
  | { destination: string; genmask: string; gateway: string; iface: string; metric: number }
  | { network: string; address: string; genmask: string; gateway: string }
  | { iface: string; metric: number; destination: string; gateway: string };

const FILE = 'jc/windows-10__route.out';

describeCorpus('Windows route print matches jc, entry for entry', () => {
  it('windows-10__route', () => {
    const { value, issues } = parseRoutePrint(readCorpus(FILE), FILE);
    const jc = readCorpusJson<JcEntry[]>('jc/windows-10__route.json');
    expect(issues).toEqual([]);

    const [head, ...routes] = jc;
    // jc: id as string, MAC colon-joined, '' when none; ours: number and null.
    expect(value.interfaces).toEqual(
      (head as { interfaces: { id: string; mac: string; name: string }[] }).interfaces.map((i) => ({
        index: Number(i.id),
        mac: i.mac === '' ? null : i.mac,
        name: i.name,
      })),
    );

    expect(value.routes).toHaveLength(routes.length);
    value.routes.forEach((r, i) => {
      const j = routes[i] as Record<string, unknown>;
      expect(toJc(r), `route ${i} (line ${r.line})`).toEqual(j);
    });
  });

  it('turns masks into CIDR, On-link into no gateway, and wrapped IPv6 rows into one route', () => {
    const { value } = parseRoutePrint(readCorpus(FILE), FILE);
    expect(value.routes[0]).toEqual({
      line: 18,
      family: 'inet',
      persistent: false,
      destination: '0.0.0.0/0',
      network: '0.0.0.0',
      netmask: '0.0.0.0',
      gatewayText: '192.168.31.1',
      gateway: '192.168.31.1',
      interface: '192.168.31.221',
      metric: 30,
    });
    expect(value.routes.find((r) => r.network === '172.17.96.0')?.destination).toBe('172.17.96.0/20');
    const wrapped = value.routes.find((r) => r.destination === 'fe80::244e:2f1e:2096:62b2/128');
    expect(wrapped).toMatchObject({ line: 84, family: 'inet6', interface: '9', metric: 286, gatewayText: 'On-link', gateway: null });
    expect(value.routes.filter((r) => r.persistent)).toHaveLength(1);
    expect(value.routes.filter((r) => r.family === 'inet6')).toHaveLength(26);
  });

  it('gives the snapshot active routes and the default gateway', () => {
    const { value } = parseRoutePrint(readCorpus(FILE), FILE);
    const routes = routesFromRoutePrint(value);
    expect(routes).toHaveLength(73); // 74 parsed, minus the persistent one
    expect(routes[0]).toEqual({
      family: 'inet',
      destination: '0.0.0.0/0',
      gateway: '192.168.31.1',
      interface: '192.168.31.221',
      metric: 30,
      flags: 'UG',
    });
    expect(routes.find((r) => r.destination === '127.0.0.1/32')?.flags).toBe('UH');
    expect(routes.find((r) => r.destination === '157.0.0.0/8')).toMatchObject({ gateway: '157.55.80.1', flags: 'UG' });
    expect(defaultGatewaysOf(routes)).toEqual([{ family: 'inet', gateway: '192.168.31.1', interface: '192.168.31.221' }]);
  });
});

/** Our route in the shape jc gives it. */
function toJc(r: RoutePrintRoute): Record<string, unknown> {
  if (r.family === 'inet' && !r.persistent) {
    return { destination: r.network, genmask: r.netmask, gateway: r.gatewayText, iface: r.interface, metric: r.metric };
  }
  if (r.persistent) {
    // Deliberate difference: jc reads the persistent list with the active list's keys shifted
    // (network=destination, address=netmask, genmask=gateway, gateway=metric as a string).
    // We keep the real meaning; this maps ours onto jc's labels for the comparison.
    return { network: r.network, address: r.netmask, genmask: r.gatewayText, gateway: String(r.metric) };
  }
  return { iface: r.interface, metric: r.metric, destination: r.destination, gateway: r.gatewayText };
}

describe('broken route print input', () => {
  const text = [
    '===========================================================================',
    'Interface List',
    '  7...00 15 5d 00 11 22 ......Microsoft Hyper-V Network Adapter',
    '  bad interface line',
    '===========================================================================',
    'IPv4 Route Table',
    '===========================================================================',
    'Active Routes:',
    'Network Destination        Netmask          Gateway       Interface  Metric',
    '          0.0.0.0          0.0.0.0       10.0.0.1       10.0.0.5     25',
    '         10.0.0.0    255.255.0.255         On-link       10.0.0.5    281',
    '         10.0.0.5  255.255.255.255         On-link       10.0.0.5    xx',
    '        127.0.0.0        255.0.0.0         On-link         127.0.0.1    331',
    'IPv6 Route Table',
    'Active Routes:',
    ' If Metric Network Destination      Gateway',
    '  7    281 fe80::1234:5678:9abc:def0:1/128',
    '  7    281 ::/0                     fe80::1',
    '  7    abc ff00::/8                 On-link',
  ].join('\r\n');

  it('reports bad lines with numbers and keeps the rest', () => {
    const { value, issues } = parseRoutePrint(text, 'route print');
    expect(value.interfaces).toEqual([{ index: 7, mac: '00:15:5d:00:11:22', name: 'Microsoft Hyper-V Network Adapter' }]);
    expect(value.routes.map((r) => [r.line, r.destination, r.gateway])).toEqual([
      [10, '0.0.0.0/0', '10.0.0.1'],
      [13, '127.0.0.0/8', null],
      [18, '::/0', 'fe80::1'],
    ]);
    expect(issues.map((i) => i.line)).toEqual([4, 11, 12, 17, 19]);
    expect(issues[1]?.reason).toMatch(/bad IPv4 route/); // non-contiguous mask
    expect(issues[3]?.reason).toBe('IPv6 route without a gateway');
  });

  it('never throws on arbitrary text', () => {
    for (const junk of ['', 'IPv6', 'IPv6\n 1 2', 'IPv4\n1.2.3.4', '====\n:\n:\n:']) {
      expect(() => parseRoutePrint(junk, 'j')).not.toThrow();
    }
  });
});
