/**
 * Parser for macOS `netstat -i` (`-ibn`, `-ibdn`: the sampler adds bytes and drops).
 *
 * Each interface has one link-layer row (`<Link#N>`, per-interface counters) and one row per
 * address (the same packet counts, `-` for the error columns). The Address column is empty on
 * link rows of interfaces without a hardware address (lo0, utun0), so rows are read from both
 * ends: name and MTU first, the header's counter columns last, Network [Address] in between.
 * A trailing `*` on the name means the interface is down. Older macOS cut names to 5
 * characters (`vmnet` for vmnet1 and vmnet8), which the snapshot conversion reports.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parseCount, splitLines } from '../platform/ip_text.js';

export interface DarwinInterfaceRow {
  line: number;
  /** As printed, `*` included. */
  name: string;
  up: boolean;
  mtu: number;
  network: string;
  address: string | null;
  /** `<Link#N>` row: carries the interface's own counters. */
  link: boolean;
  /** Counter columns by lower-cased header name (`ipkts`, `ierrs`, `ibytes`, ...); null for `-`. */
  counters: Record<string, number | null>;
}

export function parseDarwinInterfaces(text: string, file: string): ParseResult<DarwinInterfaceRow[]> {
  const rows: DarwinInterfaceRow[] = [];
  const issues: ParseIssue[] = [];
  let counterColumns: string[] | null = null;

  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const words = raw.trim().split(/\s+/);
    if (words[0] === '') return;
    if (words[0] === 'Name') {
      const at = words.indexOf('Address');
      counterColumns = words.slice(at + 1).map((c) => c.toLowerCase());
      return;
    }
    if (counterColumns === null) {
      issues.push({ file, line, reason: 'row before the Name/Mtu header' });
      return;
    }
    const k = counterColumns.length;
    const middle = words.length - 2 - k;
    const [name, mtuText] = words as [string, string];
    const mtu = parseCount(mtuText);
    if (middle < 1 || middle > 2 || mtu === null) {
      issues.push({ file, line, reason: `expected name, mtu, network, [address] and ${k} counters` });
      return;
    }
    const counters: Record<string, number | null> = {};
    for (let c = 0; c < k; c++) {
      const cell = words[2 + middle + c] as string;
      const n = cell === '-' ? null : parseCount(cell);
      if (n === null && cell !== '-') {
        issues.push({ file, line, reason: `bad ${counterColumns[c]} value ${JSON.stringify(cell)}` });
        return;
      }
      counters[counterColumns[c] as string] = n;
    }
    const network = words[2] as string;
    rows.push({
      line,
      name,
      up: !name.endsWith('*'),
      mtu,
      network,
      address: middle === 2 ? (words[3] as string) : null,
      link: network.startsWith('<Link#'),
      counters,
    });
  });

  return { value: rows, issues };
}
