/**
 * Parser for Windows `netstat -e` ("Interface Statistics"): totals over all adapters, one
 * Received and one Sent column. Windows has no per-adapter table in netstat, so the fallback
 * sampler reports these totals as one interface named `_Total` (the instance name Windows
 * performance counters use for totals).
 *
 * Rows come in a fixed order (Bytes, Unicast packets, Non-unicast packets, Discards, Errors,
 * Unknown protocols). The English label decides; on a localized Windows, where labels are not
 * known, the row's position does.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parseCount, splitLines } from '../platform/ip_text.js';

export interface EthernetCounter {
  received: number;
  /** null for `Unknown protocols`, which only has a Received value. */
  sent: number | null;
}

export interface NetstatEthernetStats {
  bytes: EthernetCounter | null;
  unicastPackets: EthernetCounter | null;
  nonUnicastPackets: EthernetCounter | null;
  discards: EthernetCounter | null;
  errors: EthernetCounter | null;
  unknownProtocols: EthernetCounter | null;
}

type Key = keyof NetstatEthernetStats;
const ORDER: readonly Key[] = ['bytes', 'unicastPackets', 'nonUnicastPackets', 'discards', 'errors', 'unknownProtocols'];
const LABELS: Readonly<Record<string, Key>> = {
  bytes: 'bytes',
  'unicast packets': 'unicastPackets',
  'non-unicast packets': 'nonUnicastPackets',
  discards: 'discards',
  errors: 'errors',
  'unknown protocols': 'unknownProtocols',
};

export function parseNetstatEthernet(text: string, file: string): ParseResult<NetstatEthernetStats> {
  const value: NetstatEthernetStats = {
    bytes: null,
    unicastPackets: null,
    nonUnicastPackets: null,
    discards: null,
    errors: null,
    unknownProtocols: null,
  };
  const issues: ParseIssue[] = [];
  let position = 0;

  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    // Counter rows start at column 0; the Received/Sent header is indented, the title has no digits.
    if (raw.trim() === '' || /^\s/.test(raw)) return;
    // Labels are words without digits, so a damaged number cannot pass as part of the label.
    const m = /^([^\d\s][^\d]*?)\s+(\d+)(?:\s+(\d+))?\s*$/.exec(raw);
    if (m === null) {
      if (/\d/.test(raw)) issues.push({ file, line, reason: `bad counter row: ${JSON.stringify(raw.trim())}` });
      return;
    }
    const label = (m[1] as string).trim();
    const received = parseCount(m[2] as string);
    const sent = m[3] === undefined ? null : parseCount(m[3]);
    const key = LABELS[label.toLowerCase()] ?? ORDER[position];
    position += 1;
    if (key === undefined || received === null || (m[3] !== undefined && sent === null)) {
      issues.push({ file, line, reason: `unexpected counter row ${JSON.stringify(raw.trim())}` });
      return;
    }
    value[key] = { received, sent };
  });

  if (value.bytes === null) issues.push({ file, line: null, reason: 'no Bytes row found' });
  return { value, issues };
}
