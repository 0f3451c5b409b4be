import type { ParseIssue, ParseResult } from '../errors.js';
import type { InterfaceStats } from '../snapshot/types.js';

/**
 * /proc/net/dev: two header lines (they contain `|`), then one line per interface:
 *   `  eth0: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets errs
 *    drop fifo colls carrier compressed`
 * The kernel prints the name as `%6s:` so a long name touches its first number
 * (`vethf345468:     648`), which is why we cut at a colon rather than split on whitespace.
 * Counters are u64; Number keeps them exact up to 2^53 (9 PB, or 9e15 packets), which a
 * counter does not reach in practice.
 */

const COUNTER_FIELDS = [
  'rxBytes',
  'rxPackets',
  'rxErrors',
  'rxDropped',
  'rxFifo',
  'rxFrame',
  'rxCompressed',
  'rxMulticast',
  'txBytes',
  'txPackets',
  'txErrors',
  'txDropped',
  'txFifo',
  'txCollisions',
  'txCarrier',
  'txCompressed',
] as const;

type CounterField = (typeof COUNTER_FIELDS)[number];

// A u64 prints at most 20 digits. A longer run is not a kernel counter, and past ~309 digits
// Number() is Infinity, which JSON would print as null with no issue saying why.
const DECIMAL = /^\d{1,20}$/;
const HEADER_LINES = 2;

type LineResult = InterfaceStats | string;

/**
 * Names are cut at the LAST colon: counters never contain one, while old-style alias names
 * (`eth0:1`, which procfs tests) do.
 */
function splitName(line: string): [string, string] | null {
  const colon = line.lastIndexOf(':');
  if (colon < 0) return null;
  return [line.slice(0, colon).trim(), line.slice(colon + 1)];
}

function parseCounters(text: string): Record<CounterField, number> | string {
  const values = text.trim().split(/\s+/).filter((v) => v !== '');
  if (values.length !== COUNTER_FIELDS.length) {
    return `expected ${COUNTER_FIELDS.length} counters, found ${values.length}`;
  }
  const counters = {} as Record<CounterField, number>;
  for (const [i, field] of COUNTER_FIELDS.entries()) {
    const value = values[i]!;
    if (!DECIMAL.test(value)) return `${field} ${JSON.stringify(value)} is not a number`;
    counters[field] = Number(value);
  }
  return counters;
}

function parseLine(line: string): LineResult {
  const parts = splitName(line);
  if (parts === null) return 'no ":" after the interface name';
  const [name, rest] = parts;
  if (name === '') return 'empty interface name';
  const counters = parseCounters(rest);
  if (typeof counters === 'string') return `${name}: ${counters}`;
  return { name, ...counters };
}

/** Parses /proc/net/dev (or /proc/<pid>/net/dev) into one record per interface, in file order. */
export function parseNetDev(text: string, file: string): ParseResult<InterfaceStats[]> {
  const value: InterfaceStats[] = [];
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Only the first two lines are headers: `|` is a legal character in an interface name.
    if (i < HEADER_LINES && line.includes('|')) continue;
    if (line.trim() === '') continue;
    const result = parseLine(line);
    if (typeof result === 'string') issues.push({ file, line: i + 1, reason: result });
    else value.push(result);
  }
  return { value, issues };
}
