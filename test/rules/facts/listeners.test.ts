import { describe, expect, it } from 'vitest';
import { compileAllowlists } from '../../../src/rules/allowlist.js';
import { emptyHistory, observeListeners, pushSnapshot } from '../../../src/rules/facts/history.js';
import { newListeners, unexpectedListeners } from '../../../src/rules/facts/listeners.js';
import { historyOf, listener, MIN, snap, T0 } from '../helpers.js';

const ports = (items: { port: number }[]) => items.map((l) => l.port).sort((a, b) => a - b);

describe('listeners.new', () => {
  it('is empty at startup: the first observation is the baseline', () => {
    expect(newListeners(historyOf([snap(0, { listeners: [listener(22), listener(80)] })]))).toEqual([]);
  });

  it('lists a listener absent from the baseline and the previous observation, while it stays open', () => {
    const h = historyOf([
      snap(0, { listeners: [listener(22)] }),
      snap(1, { listeners: [listener(22), listener(8080)] }),
      snap(2, { listeners: [listener(22), listener(8080)] }),
    ]);
    const items = newListeners(h);
    expect(ports(items)).toEqual([8080]);
    expect(items[0]?.firstSeen).toBe(new Date(T0 + MIN).toISOString());
  });

  it('is keyed by transport/address/port: a new pid on the same socket is not new', () => {
    const h = historyOf([snap(0, { listeners: [listener(22)] }), snap(1, { listeners: [listener(22, { pid: 999, process: 'sshd2' })] })]);
    expect(newListeners(h)).toEqual([]);
    const other = historyOf([snap(0, { listeners: [listener(53)] }), snap(1, { listeners: [listener(53, { transport: 'udp' }), listener(53)] })]);
    expect(newListeners(other).map((l) => l.transport)).toEqual(['udp']);
  });

  it('stops being new after one window open, and when it closes', () => {
    let h = emptyHistory(10 * MIN);
    h = observeListeners(h, [], T0);
    h = observeListeners(h, [listener(9000)], T0 + MIN);
    h = observeListeners(h, [listener(9000)], T0 + 10 * MIN);
    expect(ports(newListeners(h))).toEqual([9000]);
    h = observeListeners(h, [listener(9000)], T0 + 11 * MIN);
    expect(newListeners(h)).toEqual([]);
    // Known now: closing and reopening does not make it new again.
    h = observeListeners(h, [], T0 + 12 * MIN);
    h = observeListeners(h, [listener(9000)], T0 + 13 * MIN);
    expect(newListeners(h)).toEqual([]);
  });

  it('is new again when it closes and reopens before it became known', () => {
    let h = emptyHistory(10 * MIN);
    h = observeListeners(h, [], T0);
    h = observeListeners(h, [listener(7000)], T0 + MIN);
    h = observeListeners(h, [], T0 + 2 * MIN);
    expect(newListeners(h)).toEqual([]);
    h = observeListeners(h, [listener(7000)], T0 + 3 * MIN);
    expect(newListeners(h)[0]?.firstSeen).toBe(new Date(T0 + 3 * MIN).toISOString());
  });

  it('ignores an observation older than the one it holds (slow full sample after the fast watch)', () => {
    let h = emptyHistory();
    h = observeListeners(h, [], T0);
    h = observeListeners(h, [listener(7000)], T0 + 5000);
    h = pushSnapshot(h, snap(0, { timestamp: new Date(T0 + 4000).toISOString(), listeners: [] }));
    expect(ports(newListeners(h))).toEqual([7000]);
  });

  it('marks ports in the local port range', () => {
    const h = historyOf([
      snap(0, { localPortRange: [32768, 60999] }),
      snap(1, { localPortRange: [32768, 60999], listeners: [listener(40000, { transport: 'udp' }), listener(8080)] }),
    ]);
    expect(newListeners(h).map((l) => [l.port, l.ephemeralPort])).toEqual([
      [40000, true],
      [8080, false],
    ]);
  });
});

describe('listeners.unexpected', () => {
  const allow = compileAllowlists([
    {
      ports: [22, '8000-8100'],
      cidrs: ['127.0.0.0/8', '::1'],
      processes: ['postgres*'],
      listeners: [{ transport: 'udp', port: 53, cidr: '127.0.0.53' }],
    },
  ]);
  const h = historyOf([
    snap(0, {
      listeners: [
        listener(22),
        listener(8050, { address: '::', family: 'inet6' }),
        listener(9000, { address: '127.0.0.1' }),
        listener(9001, { address: '::ffff:127.0.0.1', family: 'inet6' }),
        listener(9002, { address: '::1', family: 'inet6' }),
        listener(5432, { process: 'postgres' }),
        listener(53, { transport: 'udp', address: '127.0.0.53' }),
        listener(53, { transport: 'tcp', address: '127.0.0.53' }),
        listener(53, { transport: 'udp', address: '0.0.0.0' }),
        listener(8101),
        listener(6000, { process: null }),
      ],
    }),
  ]);

  it('lists what no allowlist entry matches', () => {
    expect(unexpectedListeners(h, allow).map((l) => `${l.transport}/${l.address}/${l.port}`)).toEqual([
      'udp/0.0.0.0/53',
      'tcp/0.0.0.0/8101',
      'tcp/0.0.0.0/6000',
    ]);
  });

  it('with no allowlist, every listener is unexpected', () => {
    expect(unexpectedListeners(h, compileAllowlists([]))).toHaveLength(11);
  });
});
