import type { ParseIssue, ParseResult } from '../errors.js';
import type { CounterSection } from '../snapshot/types.js';
import { numberedLines, parseCounterValue, type SnmpCounters } from './snmp.js';

/**
 * /proc/net/snmp6 (also /proc/<pid>/net/snmp6): one `Name value` pair per line, the protocol
 * fused into the name, absent altogether when IPv6 is disabled (ipv6.disable=1):
 *   Ip6InReceives                   	92166
 *   Icmp6InMsgs                     	142
 *   Udp6InDatagrams                 	2016
 *   UdpLite6InDatagrams             	0
 *
 * Only the UDP lines are kept, as sections named like /proc/net/snmp's with the prefix stripped
 * (`Udp6InDatagrams` -> `Udp6.InDatagrams`), so a field means the same in `Udp` and `Udp6`. The
 * Ip6 and Icmp6 lines are checked but not kept: nothing reads them, and /proc/net/snmp's `Ip` and
 * `Icmp` have other field names, so they would not line up anyway. Add a prefix to KEPT when
 * something needs one.
 */

/** Kept sections, each named by the prefix its lines carry. */
const KEPT = ['Udp6', 'UdpLite6'] as const;

/** Counter names as the kernel prints them (`Icmp6InType134`); anything else is not a counter line. */
const COUNTER_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** `Udp6InDatagrams` -> ['Udp6', 'InDatagrams']; null for a line of a section we do not keep. */
function splitKept(name: string): [string, string] | null {
  const section = KEPT.find((prefix) => name.startsWith(prefix));
  return section === undefined ? null : [section, name.slice(section.length)];
}

/** Why a line is not a `Name value` counter line, or null when it is one. */
function lineProblem(tokens: readonly string[]): string | null {
  if (tokens.length !== 2) return `expected "Name value", got ${tokens.length} fields`;
  const [name, value] = tokens as [string, string];
  if (!COUNTER_NAME.test(name)) return `${JSON.stringify(name)} is not a counter name`;
  if (parseCounterValue(value) === null) return `${name}: ${JSON.stringify(value)} is not a number`;
  return null;
}

/**
 * Parses /proc/net/snmp6 into `{ Udp6: { InDatagrams: 2016, ... }, UdpLite6: {...} }`, fields in
 * file order; a section is present only when the file has at least one of its lines. A bad line
 * costs only itself (reported with its number); a repeated name keeps the first value.
 */
export function parseSnmp6(text: string, file: string): ParseResult<SnmpCounters> {
  // Maps, not objects: a field named `__proto__` must stay a counter, not a prototype change.
  const sections = new Map<string, Map<string, number>>();
  const issues: ParseIssue[] = [];
  for (const { line, text: lineText } of numberedLines(text)) {
    const tokens = lineText.trim().split(/\s+/);
    const problem = lineProblem(tokens);
    if (problem !== null) {
      issues.push({ file, line, reason: problem });
      continue;
    }
    const [name, value] = tokens as [string, string];
    const kept = splitKept(name);
    if (kept === null) continue;
    const [section, field] = kept;
    if (field === '') {
      issues.push({ file, line, reason: `${name}: no counter name after the ${section} prefix` });
      continue;
    }
    let fields = sections.get(section);
    if (fields === undefined) sections.set(section, (fields = new Map()));
    if (fields.has(field)) {
      issues.push({ file, line, reason: `${name}: repeated; kept the first` });
      continue;
    }
    fields.set(field, parseCounterValue(value)!);
  }
  const value: SnmpCounters = Object.fromEntries(
    [...sections].map(([section, fields]): [string, CounterSection] => [section, Object.fromEntries(fields)]),
  );
  return { value, issues };
}
