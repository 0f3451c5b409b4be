import type { ParseIssue, ParseResult } from '../errors.js';
import type { Sockstat } from '../snapshot/types.js';

/**
 * /proc/net/sockstat and /proc/net/sockstat6: one `LABEL: key value key value ...` line per
 * protocol, e.g.
 *   sockets: used 1602
 *   TCP: inuse 35 orphan 0 tw 4 alloc 59 mem 22
 *   FRAG: inuse 0 memory 0
 * Keys are kept as the kernel prints them, so a field the kernel does not print stays absent
 * (never a made-up 0) and `FRAG` keeps `memory` while `TCP` has `mem` (pages). sockstat6 has no
 * `sockets:` line. The two files merge with a plain object spread: their labels never overlap.
 */

// At most 20 digits (s64/u64): longer is not a kernel value, and past ~309 digits Number() is
// Infinity, which JSON would print as null with no issue saying why.
const SIGNED_DECIMAL = /^-?\d{1,20}$/;

type LineResult = { label: string; fields: Record<string, number> } | string;

function parseLine(line: string): LineResult {
  const colon = line.indexOf(':');
  if (colon <= 0) return 'expected "LABEL: key value ..."';
  const label = line.slice(0, colon).trim();
  const rest = line.slice(colon + 1).trim();
  const tokens = rest === '' ? [] : rest.split(/\s+/);
  if (tokens.length === 0 || tokens.length % 2 !== 0) {
    return `${label}: expected key/value pairs, found ${tokens.length} tokens`;
  }
  // Built from entries: assigning `fields[key]` would turn a key named `__proto__` into a
  // prototype change (and drop it) instead of a value.
  const entries: Array<[string, number]> = [];
  for (let i = 0; i < tokens.length; i += 2) {
    const key = tokens[i]!;
    const text = tokens[i + 1]!;
    if (!SIGNED_DECIMAL.test(text)) return `${label} ${key}: ${JSON.stringify(text)} is not a number`;
    entries.push([key, Number(text)]);
  }
  return { label, fields: Object.fromEntries(entries) };
}

/** Parses sockstat or sockstat6 into `{ sockets: {used}, TCP: {inuse, ...}, ... }`. */
export function parseSockstat(text: string, file: string): ParseResult<Sockstat> {
  // A Map, not an object: `label in value` is true for `toString`, and `value['__proto__'] = …`
  // changes the prototype, so an odd label could hide a real line.
  const value = new Map<string, Record<string, number>>();
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const result = parseLine(line);
    if (typeof result === 'string') {
      issues.push({ file, line: i + 1, reason: result });
    } else if (value.has(result.label)) {
      issues.push({ file, line: i + 1, reason: `${result.label}: line repeated; kept the first` });
    } else {
      value.set(result.label, result.fields);
    }
  }
  return { value: Object.fromEntries(value), issues };
}
