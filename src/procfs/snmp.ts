import type { ParseIssue, ParseResult } from '../errors.js';
import type { CounterSection } from '../snapshot/types.js';

/**
 * The paired-line format of /proc/net/snmp and /proc/net/netstat:
 *   Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ...     <- header: field names
 *   Tcp: 1 200 120000 -1 ...                        <- values, same order
 * Values are signed (`MaxConn -1`) and may exceed 2^32 (IpExt InOctets); Number holds them
 * exactly up to 2^53, far above anything these counters reach between reboots.
 *
 * A header/value count mismatch drops the whole section (no way to tell which column went
 * missing). A single non-numeric value drops only that field: the columns still line up, so the
 * section's other counters stay trustworthy. Both are reported as issues on the value line.
 */

export type SnmpCounters = Record<string, CounterSection>;

// s64/u64 print at most 20 digits. A longer run is not a counter, and past ~309 digits Number()
// is Infinity, which JSON would print as null with no issue saying why.
const SIGNED_DECIMAL = /^-?\d{1,20}$/;

/** A counter value as the kernel prints it (`%ld`, `%lu`), or null when the text is not one. */
export function parseCounterValue(text: string): number | null {
  return SIGNED_DECIMAL.test(text) ? Number(text) : null;
}

interface Labelled {
  label: string;
  tokens: string[];
}

/** `Tcp: a b c` -> {label: 'Tcp', tokens: [a, b, c]}; null when there is no `Label:` prefix. */
function splitLabel(line: string): Labelled | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const rest = line.slice(colon + 1).trim();
  return { label: line.slice(0, colon).trim(), tokens: rest === '' ? [] : rest.split(/\s+/) };
}

interface Pairing {
  section: CounterSection | null;
  problems: string[];
}

/** Zips one header with its values; `problems` name what was dropped. */
function pairSection(header: Labelled, values: Labelled): Pairing {
  if (header.tokens.length !== values.tokens.length) {
    return {
      section: null,
      problems: [`${header.label}: ${header.tokens.length} names but ${values.tokens.length} values; section skipped`],
    };
  }
  // Built from entries: assigning `section[name]` would turn a field named `__proto__` into a
  // prototype change (and drop it) instead of a counter.
  const entries: Array<[string, number]> = [];
  const problems: string[] = [];
  header.tokens.forEach((name, i) => {
    const text = values.tokens[i]!;
    const value = parseCounterValue(text);
    if (value !== null) entries.push([name, value]);
    else problems.push(`${header.label} ${name}: ${JSON.stringify(text)} is not a number`);
  });
  return { section: Object.fromEntries(entries), problems };
}

/** Non-blank lines with their 1-based numbers (snmp6.ts reads its lines the same way). */
export function numberedLines(text: string): Array<{ line: number; text: string }> {
  return text
    .split('\n')
    .map((t, i) => ({ line: i + 1, text: t }))
    .filter((l) => l.text.trim() !== '');
}

/**
 * Parses /proc/net/snmp or /proc/net/netstat (also their /proc/<pid>/net/ views) into
 * `{ Tcp: { RtoAlgorithm: 1, ... }, TcpExt: {...}, ... }`, sections and fields in file order.
 */
export function parseSnmp(text: string, file: string): ParseResult<SnmpCounters> {
  // A Map, not an object: `label in value` is true for `toString`, and `value['__proto__'] = …`
  // changes the prototype, so odd labels could hide real sections.
  const sections = new Map<string, CounterSection>();
  const issues: ParseIssue[] = [];
  // Headers waiting for their value line, by label. Pairing by label rather than by adjacency
  // means a stray line between `Tcp:` names and `Tcp:` values costs only itself.
  const pending = new Map<string, Labelled & { line: number }>();
  for (const { line, text: lineText } of numberedLines(text)) {
    const labelled = splitLabel(lineText);
    if (labelled === null) {
      issues.push({ file, line, reason: 'expected "Section: ..." header line' });
      continue;
    }
    const header = pending.get(labelled.label);
    if (header === undefined) {
      pending.set(labelled.label, { ...labelled, line });
      continue;
    }
    pending.delete(labelled.label);
    if (sections.has(header.label)) {
      issues.push({ file, line: header.line, reason: `${header.label}: section repeated; kept the first` });
      continue;
    }
    const { section, problems } = pairSection(header, labelled);
    for (const reason of problems) issues.push({ file, line, reason });
    if (section !== null) sections.set(header.label, section);
  }
  for (const header of pending.values()) {
    issues.push({ file, line: header.line, reason: `${header.label}: header without a value line` });
  }
  // In file order, as a reader scans them (unpaired headers are only known at the end).
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { value: Object.fromEntries(sections), issues };
}

/** /proc/net/netstat has the same format; the alias keeps call sites self-explanatory. */
export const parseNetstat = parseSnmp;
