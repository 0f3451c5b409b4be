/** interfaces.* facts: error and drop rates per network interface. */
import { counterDelta } from './counters.js';
import { lastTwo, type SnapshotHistory } from './history.js';

export interface InterfaceErrorRate {
  name: string;
  /** (rx+tx errors + rx+tx drops) per second over the last interval. */
  perSecond: number;
  errorsPerSecond: number;
  dropsPerSecond: number;
  /** rx+tx packets per second over the last interval. */
  packetsPerSecond: number;
  /** (errors + drops) / packets over the last interval; null when no packet moved. */
  ratio: number | null;
}

/** One item per interface present in both of the last two samples (a new interface has no rate yet). */
export function interfaceErrorRates(history: SnapshotHistory): InterfaceErrorRate[] {
  const pair = lastTwo(history);
  if (!pair) return [];
  const [prev, cur] = pair;
  const seconds = (cur.at - prev.at) / 1000;
  if (!(seconds > 0)) return [];
  const before = new Map(prev.interfaces.map((i) => [i.name, i]));
  const out: InterfaceErrorRate[] = [];
  for (const now of cur.interfaces) {
    const was = before.get(now.name);
    if (!was) continue;
    const errors = counterDelta(was.rxErrors, now.rxErrors) + counterDelta(was.txErrors, now.txErrors);
    const drops = counterDelta(was.rxDropped, now.rxDropped) + counterDelta(was.txDropped, now.txDropped);
    const packets = counterDelta(was.rxPackets, now.rxPackets) + counterDelta(was.txPackets, now.txPackets);
    out.push({
      name: now.name,
      perSecond: (errors + drops) / seconds,
      errorsPerSecond: errors / seconds,
      dropsPerSecond: drops / seconds,
      packetsPerSecond: packets / seconds,
      ratio: packets > 0 ? (errors + drops) / packets : null,
    });
  }
  return out;
}
