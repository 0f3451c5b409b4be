import { describe, expect, it } from 'vitest';
import { ephemeralUsagePercent } from '../../../src/rules/facts/ports.js';
import { historyOf, snap, socket, states } from '../helpers.js';

describe('ports.ephemeralUsagePercent', () => {
  const range: [number, number] = [50000, 50199]; // 200 ports

  it('counts non-listening sockets in the range, the busier transport', () => {
    const sockets = [
      ...Array.from({ length: 50 }, (_, i) => socket({ localPort: 50000 + i })),
      ...Array.from({ length: 10 }, (_, i) => socket({ state: 'time_wait', localPort: 50100 + i })),
      ...Array.from({ length: 20 }, (_, i) => socket({ transport: 'udp', state: 'close', localPort: 50000 + i })),
      socket({ state: 'listen', localPort: 50150, remoteAddress: '0.0.0.0', remotePort: 0 }),
      socket({ localPort: 443 }),
    ];
    const h = historyOf([snap(0, { sockets, localPortRange: range, tcp: states({ established: 51, time_wait: 10, listen: 1 }) })]);
    expect(ephemeralUsagePercent(h)).toBe(30);
  });

  it('is null without a port range or when sockets were not listed', () => {
    expect(ephemeralUsagePercent(historyOf([snap(0, { sockets: [socket({})] })]))).toBeNull();
    expect(ephemeralUsagePercent(historyOf([snap(0, { localPortRange: range, tcp: states({ established: 9 }) })]))).toBeNull();
  });

  it('is 0 on an idle host', () => {
    expect(ephemeralUsagePercent(historyOf([snap(0, { localPortRange: range })]))).toBe(0);
  });
});
