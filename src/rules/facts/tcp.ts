/** tcp.* facts: state counts, CLOSE_WAIT growth, retransmits, listen-queue overflows, spikes. */
import type { Snapshot, TcpState } from '../../snapshot/types.js';
import { ratePerSecond } from './counters.js';
import { inWindow, lastTwo, type SnapshotHistory } from './history.js';

export function tcpStates(history: SnapshotHistory): Record<TcpState, number> | null {
  return history.latest ? { ...history.latest.tcp.states } : null;
}

/**
 * Were sockets enumerated at all? A sampler may count states (cheap) without listing sockets;
 * then facts over the socket list are unknown, not zero.
 */
export function socketsListed(snapshot: Snapshot): boolean {
  if (snapshot.sockets.length > 0) return true;
  return Object.values(snapshot.tcp.states).every((n) => n === 0);
}

export function inRange(port: number | null, range: readonly [number, number]): boolean {
  return port !== null && port >= range[0] && port <= range[1];
}

export interface TimeWaitFact {
  count: number;
  /** TIME_WAIT sockets on a local port inside ip_local_port_range, as % of the range size. */
  portRangePercent: number | null;
}

export function tcpTimeWait(history: SnapshotHistory): TimeWaitFact | null {
  const s = history.latest;
  if (!s) return null;
  const range = s.localPortRange;
  let portRangePercent: number | null = null;
  if (range && socketsListed(s)) {
    const inPortRange = s.sockets.filter(
      (k) => k.transport === 'tcp' && k.state === 'time_wait' && inRange(k.localPort, range),
    ).length;
    portRangePercent = (inPortRange / (range[1] - range[0] + 1)) * 100;
  }
  return { count: s.tcp.states.time_wait, portRangePercent };
}

export interface LinearFit {
  slopePerMinute: number;
  /** Coefficient of determination (0-1): how steady the growth is; null below 3 points or when flat. */
  r2: number | null;
  samples: number;
}

/** Ordinary least squares of y over x. Null with fewer than 2 points or no spread in x. */
export function leastSquares(points: readonly (readonly [number, number])[]): { slope: number; r2: number | null } | null {
  const n = points.length;
  if (n < 2) return null;
  const meanX = points.reduce((a, [x]) => a + x, 0) / n;
  const meanY = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
    syy += (y - meanY) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const r2 = n >= 3 && syy > 0 ? (sxy * sxy) / (sxx * syy) : null;
  return { slope, r2 };
}

/** CLOSE_WAIT count against time (minutes) over the window. */
export function closeWaitFit(history: SnapshotHistory): LinearFit | null {
  const entries = inWindow(history);
  const t0 = entries[0]?.at ?? 0;
  const fit = leastSquares(entries.map((e) => [(e.at - t0) / 60_000, e.states.close_wait] as const));
  return fit ? { slopePerMinute: fit.slope, r2: fit.r2, samples: entries.length } : null;
}

export interface RetransmitFact {
  /** Retransmitted segments per second over the last interval. */
  perSecond: number;
  /** Retransmitted / sent segments over the last interval (0-1); null when nothing was sent. */
  ratio: number | null;
}

export function retransmitRate(history: SnapshotHistory): RetransmitFact | null {
  const pair = lastTwo(history);
  if (!pair) return null;
  const [prev, cur] = pair;
  const seconds = (cur.at - prev.at) / 1000;
  const perSecond = ratePerSecond(prev.tcp?.RetransSegs, cur.tcp?.RetransSegs, seconds);
  if (perSecond === null) return null;
  const outPerSecond = ratePerSecond(prev.tcp?.OutSegs, cur.tcp?.OutSegs, seconds);
  return { perSecond, ratio: outPerSecond ? perSecond / outPerSecond : null };
}

/** TcpExt.ListenOverflows per second: connections dropped because an accept queue was full. */
export function listenOverflowRate(history: SnapshotHistory): number | null {
  const pair = lastTwo(history);
  if (!pair) return null;
  const [prev, cur] = pair;
  return ratePerSecond(prev.tcpExt?.ListenOverflows, cur.tcpExt?.ListenOverflows, (cur.at - prev.at) / 1000);
}

export interface SpikeFact {
  established: number;
  /** Median of ESTABLISHED over the earlier samples in the window. */
  baseline: number;
  /** established / max(baseline, 1). */
  ratio: number;
  baselineSamples: number;
}

/** Fewer earlier samples than this and there is no baseline to compare with. */
export const SPIKE_MIN_BASELINE = 3;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * ESTABLISHED now against the median of the window before it. The median, not the mean, so one
 * earlier spike does not raise the baseline and hide the next.
 */
export function connectionSpike(history: SnapshotHistory): SpikeFact | null {
  const entries = inWindow(history);
  const cur = entries[entries.length - 1];
  const before = entries.slice(0, -1).map((e) => e.states.established);
  if (!cur || before.length < SPIKE_MIN_BASELINE) return null;
  const baseline = median(before);
  const established = cur.states.established;
  return { established, baseline, ratio: established / Math.max(baseline, 1), baselineSamples: before.length };
}
