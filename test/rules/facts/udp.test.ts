import { describe, expect, it } from 'vitest';
import { udpBufferErrorRate, type UdpBufferErrorFact } from '../../../src/rules/facts/udp.js';
import type { CounterSection } from '../../../src/snapshot/types.js';
import { historyOf, snap } from '../helpers.js';

const bufs = (rcvbuf: number, sndbuf: number): CounterSection => ({ InDatagrams: 1_000_000, RcvbufErrors: rcvbuf, SndbufErrors: sndbuf });

/** One sample: minutes after T0, the Udp (IPv4) and Udp6 (IPv6) sections. */
type Sample = [minutes: number, udp: CounterSection | null, udp6: CounterSection | null];

const history = (samples: Sample[]) =>
  historyOf(samples.map(([m, udp, udp6]) => snap(m, { counters: { Tcp: null, TcpExt: null, Udp: udp, Udp6: udp6, Ip: null } })));

describe('udp.bufferErrorRate', () => {
  const cases: { name: string; samples: Sample[]; want: UdpBufferErrorFact | null }[] = [
    {
      name: 'is RcvbufErrors and SndbufErrors per second over the last interval, and their sum',
      samples: [[0, bufs(100, 10), null], [1, bufs(1300, 70), null]],
      want: { receivePerSecond: 20, sendPerSecond: 1, perSecond: 21 },
    },
    {
      name: 'sums IPv4 (Udp) and IPv6 (Udp6): the kernel counts each datagram in one of them',
      samples: [[0, bufs(0, 0), bufs(0, 0)], [1, bufs(480, 60), bufs(240, 120)]],
      want: { receivePerSecond: 12, sendPerSecond: 3, perSecond: 15 },
    },
    {
      name: 'counts IPv4 alone when Udp6 is null (IPv6 disabled)',
      samples: [[0, bufs(0, 0), null], [1, bufs(600, 0), null]],
      want: { receivePerSecond: 10, sendPerSecond: 0, perSecond: 10 },
    },
    {
      name: 'counts IPv6 only from the interval after it appears',
      samples: [[0, bufs(0, 0), null], [1, bufs(600, 0), bufs(6000, 6000)]],
      want: { receivePerSecond: 10, sendPerSecond: 0, perSecond: 10 },
    },
    {
      name: 'counts IPv6 alone when Udp is missing, over a 2-minute interval',
      samples: [[0, null, bufs(0, 0)], [2, null, bufs(120, 0)]],
      want: { receivePerSecond: 1, sendPerSecond: 0, perSecond: 1 },
    },
    {
      name: 'treats a decrease as a counter reset, each family on its own: the new value is the increase',
      samples: [[0, bufs(9_000_000, 50), bufs(100, 0)], [1, bufs(300, 50), bufs(160, 0)]],
      want: { receivePerSecond: 6, sendPerSecond: 0, perSecond: 6 },
    },
    {
      name: 'has a null direction when no family counts it, perSecond from the other',
      samples: [[0, { RcvbufErrors: 0 }, null], [1, { RcvbufErrors: 60 }, null]],
      want: { receivePerSecond: 1, sendPerSecond: null, perSecond: 1 },
    },
    {
      name: 'only looks at the last interval',
      samples: [[0, bufs(0, 0), null], [1, bufs(60_000, 0), null], [2, bufs(60_060, 0), null]],
      want: { receivePerSecond: 1, sendPerSecond: 0, perSecond: 1 },
    },
    { name: 'is null on the first snapshot', samples: [[0, bufs(5, 5), bufs(5, 5)]], want: null },
    { name: 'is null without UDP counters', samples: [[0, null, null], [1, null, null]], want: null },
    { name: 'is null when the previous sample had no UDP counters', samples: [[0, null, null], [1, bufs(5, 5), bufs(5, 5)]], want: null },
  ];

  it.each(cases)('$name', ({ samples, want }) => {
    expect(udpBufferErrorRate(history(samples))).toEqual(want);
  });
});
