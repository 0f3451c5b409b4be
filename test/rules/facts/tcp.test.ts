import { describe, expect, it } from 'vitest';
import {
  closeWaitFit,
  connectionSpike,
  leastSquares,
  listenOverflowRate,
  retransmitRate,
  tcpStates,
  tcpTimeWait,
} from '../../../src/rules/facts/tcp.js';
import { historyOf, MIN, snap, socket, states } from '../helpers.js';

describe('tcp.states', () => {
  it('is the latest state table, every state present', () => {
    const h = historyOf([snap(0, { tcp: states({ established: 3, close_wait: 2 }) })]);
    const s = tcpStates(h);
    expect(s?.established).toBe(3);
    expect(s?.close_wait).toBe(2);
    expect(Object.keys(s ?? {})).toHaveLength(11);
  });
});

describe('tcp.timeWait', () => {
  it('counts TIME_WAIT and the share of the port range they hold', () => {
    const sockets = [
      ...Array.from({ length: 30 }, (_, i) => socket({ state: 'time_wait', localPort: 60000 + i })),
      socket({ state: 'time_wait', localPort: 443, remotePort: 50000 }), // server side: not in the range
      socket({ state: 'established', localPort: 60050 }),
    ];
    const h = historyOf([snap(0, { tcp: states({ time_wait: 31, established: 1 }), sockets, localPortRange: [60000, 60099] })]);
    expect(tcpTimeWait(h)).toEqual({ count: 31, portRangePercent: 30 });
  });

  it('leaves portRangePercent null when sockets were not listed or the range is unknown', () => {
    expect(tcpTimeWait(historyOf([snap(0, { tcp: states({ time_wait: 5 }), localPortRange: [1, 10] })]))).toEqual({
      count: 5,
      portRangePercent: null,
    });
    expect(tcpTimeWait(historyOf([snap(0, { tcp: states({ time_wait: 1 }), sockets: [socket({ state: 'time_wait' })] })]))?.portRangePercent).toBeNull();
  });
});

describe('least squares', () => {
  it('fits a line exactly', () => {
    expect(leastSquares([[0, 1], [1, 3], [2, 5]])).toEqual({ slope: 2, r2: 1 });
  });
  it('needs two points with different x', () => {
    expect(leastSquares([[0, 1]])).toBeNull();
    expect(leastSquares([[1, 1], [1, 5]])).toBeNull();
  });
  it('has no r2 for a flat series or two points', () => {
    expect(leastSquares([[0, 4], [1, 4], [2, 4]])).toEqual({ slope: 0, r2: null });
    expect(leastSquares([[0, 4], [1, 5]])?.r2).toBeNull();
  });
});

describe('tcp.closeWait.slopePerMinute', () => {
  const series = (values: number[], spacingMin = 1): ReturnType<typeof historyOf> =>
    historyOf(values.map((v, i) => snap(i * spacingMin, { tcp: states({ close_wait: v }) })));

  it('is the per-minute slope over the window', () => {
    const fit = closeWaitFit(series([10, 13, 16, 19, 22]));
    expect(fit?.slopePerMinute).toBeCloseTo(3);
    expect(fit?.r2).toBeCloseTo(1);
  });

  it('uses minutes, whatever the sampling interval', () => {
    expect(closeWaitFit(series([0, 15, 30], 0.5))?.slopePerMinute).toBeCloseTo(30);
  });

  it('only looks at the window', () => {
    // 20 minutes: falling for 10, then rising by 2/min; a 10-minute window sees only the rise.
    const values = [...Array.from({ length: 10 }, (_, i) => 100 - i * 5), ...Array.from({ length: 11 }, (_, i) => 50 + i * 2)];
    expect(closeWaitFit(series(values))?.slopePerMinute).toBeCloseTo(2);
  });

  it('is null with one sample', () => {
    expect(closeWaitFit(series([5]))).toBeNull();
  });
});

describe('tcp.retransmitRate', () => {
  const counters = (retrans: number, out: number) => ({ Tcp: { RetransSegs: retrans, OutSegs: out }, TcpExt: null, Udp: null, Udp6: null, Ip: null });

  it('is per second and as a ratio of segments sent', () => {
    const h = historyOf([snap(0, { counters: counters(100, 10_000) }), snap(1, { counters: counters(700, 70_000) })]);
    expect(retransmitRate(h)).toEqual({ perSecond: 10, ratio: 0.01 });
  });

  it('treats a decrease as a counter reset: the new value is the increase', () => {
    const h = historyOf([snap(0, { counters: counters(5_000_000, 90_000_000) }), snap(1, { counters: counters(120, 6_000) })]);
    expect(retransmitRate(h)).toEqual({ perSecond: 2, ratio: 0.02 });
  });

  it('is null without a previous sample or without the counters', () => {
    expect(retransmitRate(historyOf([snap(0, { counters: counters(1, 1) })]))).toBeNull();
    expect(retransmitRate(historyOf([snap(0), snap(1)]))).toBeNull();
  });

  it('has a null ratio when nothing was sent', () => {
    const h = historyOf([snap(0, { counters: counters(0, 500) }), snap(1, { counters: counters(0, 500) })]);
    expect(retransmitRate(h)).toEqual({ perSecond: 0, ratio: null });
  });
});

describe('tcp.listenOverflowRate', () => {
  const ext = (n: number) => ({ Tcp: null, TcpExt: { ListenOverflows: n, ListenDrops: n }, Udp: null, Udp6: null, Ip: null });
  it('is TcpExt.ListenOverflows per second', () => {
    expect(listenOverflowRate(historyOf([snap(0, { counters: ext(10) }), snap(1, { counters: ext(130) })]))).toBe(2);
  });
  it('handles a reset', () => {
    expect(listenOverflowRate(historyOf([snap(0, { counters: ext(1000) }), snap(2, { counters: ext(60) })]))).toBe(0.5);
  });
  it('is null without TcpExt', () => {
    expect(listenOverflowRate(historyOf([snap(0), snap(1)]))).toBeNull();
  });
});

describe('tcp.connectionSpike', () => {
  const est = (values: number[]) => historyOf(values.map((v, i) => snap(i, { tcp: states({ established: v }) })));

  it('compares now with the median of the earlier samples in the window', () => {
    expect(connectionSpike(est([100, 120, 80, 110, 450]))).toEqual({ established: 450, baseline: 105, ratio: 450 / 105, baselineSamples: 4 });
  });

  it('is not pulled up by one earlier spike (median, not mean)', () => {
    expect(connectionSpike(est([100, 100, 5000, 100, 100, 400]))?.baseline).toBe(100);
  });

  it('needs 3 earlier samples', () => {
    expect(connectionSpike(est([100, 100, 400]))).toBeNull();
    expect(connectionSpike(est([100, 100, 100, 400]))?.ratio).toBe(4);
  });

  it('divides by at least 1', () => {
    expect(connectionSpike(est([0, 0, 0, 7]))?.ratio).toBe(7);
  });

  it('forgets samples older than the window', () => {
    const values = [...Array(5).fill(1000), ...Array(11).fill(100), 300];
    expect(connectionSpike(historyOf(values.map((v, i) => snap(i, { tcp: states({ established: v }) })), 10 * MIN))?.baseline).toBe(100);
  });
});
