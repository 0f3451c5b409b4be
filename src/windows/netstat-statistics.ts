/**
 * Parser for Windows `netstat -s` output (`-s -p tcp` prints only the TCP block, then the TCP
 * connection list, which this parser leaves alone). Each block has a title naming protocol and
 * IP version ("TCP Statistics for IPv4") and `Label = value` rows.
 *
 * Titles are recognized by the protocol word and `IPv4`/`IPv6` anywhere in them, so localized
 * titles ("TCP-Statistik für IPv4") work; labels are kept as printed and mapped later.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parseCount, splitLines } from '../platform/ip_text.js';

export interface StatisticsBlock {
  protocol: string;
  ipVersion: 'IPv4' | 'IPv6';
  line: number;
  /** Label as printed → value, in print order. */
  values: Map<string, number>;
}

export function parseNetstatStatistics(text: string, file: string): ParseResult<StatisticsBlock[]> {
  const blocks: StatisticsBlock[] = [];
  const issues: ParseIssue[] = [];
  let current: StatisticsBlock | null = null;

  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const eq = trimmed.indexOf('=');
    if (eq === -1) {
      const title = /\b(TCP|UDP|ICMP|IP)\b.*\b(IPv4|IPv6)\b/i.exec(trimmed);
      // Any other title ("Active Connections", a connection row) ends the statistics block.
      current =
        title === null
          ? null
          : {
              protocol: (title[1] as string).toUpperCase(),
              ipVersion: (title[2] as string).toUpperCase() === 'IPV6' ? 'IPv6' : 'IPv4',
              line,
              values: new Map(),
            };
      if (current !== null) blocks.push(current);
      return;
    }
    if (current === null) return;
    const label = trimmed.slice(0, eq).trim();
    const count = parseCount(trimmed.slice(eq + 1).trim());
    if (label === '' || count === null) {
      issues.push({ file, line, reason: `bad statistics row: ${JSON.stringify(trimmed)}` });
      return;
    }
    current.values.set(label, count);
  });

  if (blocks.length === 0) issues.push({ file, line: null, reason: 'no statistics block found' });
  return { value: blocks, issues };
}
