import { describe, expect, it } from 'vitest';
import { defaultGatewayChanged, routesChanged } from '../../../src/rules/facts/routes.js';
import type { Route } from '../../../src/snapshot/types.js';
import { historyOf, snap } from '../helpers.js';

const route = (destination: string, gateway: string | null, iface = 'eth0'): Route => ({
  family: destination.includes(':') ? 'inet6' : 'inet',
  destination,
  gateway,
  interface: iface,
  metric: 100,
  flags: gateway ? 'UG' : 'U',
});
const gw = (gateway: string, iface = 'eth0') => ({ family: 'inet' as const, gateway, interface: iface });

describe('routes.defaultGatewayChanged', () => {
  it('is false while nothing changes', () => {
    const h = historyOf([0, 1, 2].map((m) => snap(m, { defaultGateways: [gw('10.0.0.1')] })));
    expect(defaultGatewayChanged(h)).toEqual({ changed: false, changes: 0, old: '10.0.0.1 dev eth0', new: '10.0.0.1 dev eth0' });
  });

  it('reports old and new for a window after a change, then forgets it', () => {
    const snaps = [
      snap(0, { defaultGateways: [gw('10.0.0.1')] }),
      ...Array.from({ length: 12 }, (_, i) => snap(i + 1, { defaultGateways: [gw('10.0.0.254', 'eth1')] })),
    ];
    expect(defaultGatewayChanged(historyOf(snaps.slice(0, 2)))).toEqual({
      changed: true,
      changes: 1,
      old: '10.0.0.1 dev eth0',
      new: '10.0.0.254 dev eth1',
    });
    expect(defaultGatewayChanged(historyOf(snaps.slice(0, 12)))?.changed).toBe(true); // change at 1m, now 11m
    expect(defaultGatewayChanged(historyOf(snaps))?.changed).toBe(false); // now 12m
  });

  it('counts a flap (away and back) as changes with old equal to new', () => {
    const h = historyOf([snap(0, { defaultGateways: [gw('a')] }), snap(1, { defaultGateways: [gw('b')] }), snap(2, { defaultGateways: [gw('a')] })]);
    expect(defaultGatewayChanged(h)).toMatchObject({ changed: true, changes: 2, old: 'a dev eth0', new: 'a dev eth0' });
  });

  it('says none when the default route disappears', () => {
    const h = historyOf([snap(0, { defaultGateways: [gw('10.0.0.1')] }), snap(1, { defaultGateways: [] })]);
    expect(defaultGatewayChanged(h)).toMatchObject({ changed: true, old: '10.0.0.1 dev eth0', new: 'none' });
  });

  it('does not take a failed route read for a change', () => {
    const h = historyOf([
      snap(0, { defaultGateways: [gw('10.0.0.1')] }),
      snap(1, { defaultGateways: [], errors: [{ source: 'routes', file: '/proc/net/route', line: null, message: 'EACCES' }] }),
      snap(2, { defaultGateways: [gw('10.0.0.1')] }),
    ]);
    expect(defaultGatewayChanged(h)?.changed).toBe(false);
  });
});

describe('routes.changed', () => {
  const base = [route('0.0.0.0/0', '10.0.0.1'), route('10.0.0.0/24', null)];

  it('lists added and removed routes, ignoring default routes', () => {
    const h = historyOf([
      snap(0, { routes: base }),
      snap(1, { routes: [route('0.0.0.0/0', '10.0.0.9'), route('10.0.0.0/24', null, 'eth1'), route('fd00::/64', 'fe80::1')] }),
    ]);
    expect(routesChanged(h)).toEqual({
      changed: true,
      changes: 1,
      added: ['10.0.0.0/24 dev eth1 metric 100', 'fd00::/64 via fe80::1 dev eth0 metric 100'],
      removed: ['10.0.0.0/24 dev eth0 metric 100'],
    });
  });

  it('is unchanged when only the default route moved (that is the gateway fact)', () => {
    const h = historyOf([snap(0, { routes: base }), snap(1, { routes: [route('0.0.0.0/0', '10.0.0.9'), route('10.0.0.0/24', null)] })]);
    expect(routesChanged(h)).toEqual({ changed: false, changes: 0, added: [], removed: [] });
  });

  it('does not depend on route order', () => {
    const h = historyOf([snap(0, { routes: base }), snap(1, { routes: [...base].reverse() })]);
    expect(routesChanged(h)?.changed).toBe(false);
  });
});
