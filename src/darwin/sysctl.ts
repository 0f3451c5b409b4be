/**
 * Parser for `sysctl net.inet.ip.portrange.first net.inet.ip.portrange.last`:
 *
 *   net.inet.ip.portrange.first: 49152
 *   net.inet.ip.portrange.last: 65535
 *
 * The ephemeral port range, as [low, high].
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parsePort, splitLines } from '../platform/ip_text.js';

export function parseSysctlPortRange(text: string, file: string): ParseResult<[number, number] | null> {
  const issues: ParseIssue[] = [];
  let first: number | null = null;
  let last: number | null = null;
  splitLines(text).forEach((raw, index) => {
    const m = /^net\.inet\.ip\.portrange\.(first|last):\s*(\S+)$/.exec(raw.trim());
    if (m === null) {
      if (raw.trim() !== '') issues.push({ file, line: index + 1, reason: `unexpected line ${JSON.stringify(raw.trim())}` });
      return;
    }
    const port = parsePort(m[2] as string);
    if (port === null) issues.push({ file, line: index + 1, reason: `bad port ${JSON.stringify(m[2])}` });
    else if (m[1] === 'first') first = port;
    else last = port;
  });
  if (first === null || last === null || first > last) {
    issues.push({ file, line: null, reason: 'need net.inet.ip.portrange.first <= .last' });
    return { value: null, issues };
  }
  return { value: [first, last], issues };
}
