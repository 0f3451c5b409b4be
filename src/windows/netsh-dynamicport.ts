/**
 * Parser for `netsh int ipv4 show dynamicport tcp`: the ephemeral port range, as
 *
 *   Protocol tcp Dynamic Port Range
 *   ---------------------------------
 *   Start Port      : 49152
 *   Number of Ports : 16384
 *
 * The two `label : number` rows always come in this order, so their position decides and a
 * localized label ("Startport") does not matter.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parseCount, splitLines } from '../platform/ip_text.js';

export function parseNetshDynamicPort(text: string, file: string): ParseResult<[number, number] | null> {
  const issues: ParseIssue[] = [];
  const numbers: number[] = [];
  splitLines(text).forEach((raw, index) => {
    const m = /^[^:]+:\s*(\S+)\s*$/.exec(raw.trim());
    if (m === null) return;
    const n = parseCount(m[1] as string);
    if (n === null) issues.push({ file, line: index + 1, reason: `bad number in ${JSON.stringify(raw.trim())}` });
    else numbers.push(n);
  });
  const [start, count] = numbers;
  if (numbers.length !== 2 || start === undefined || count === undefined || count === 0 || start + count - 1 > 65535) {
    issues.push({ file, line: null, reason: `expected a start port and a port count, got ${JSON.stringify(numbers)}` });
    return { value: null, issues };
  }
  return { value: [start, start + count - 1], issues };
}
