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

const SIGNED_DECIMAL = /^-?\d+$/;

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
  const section: CounterSection = {};
  const problems: string[] = [];
  header.tokens.forEach((name, i) => {
    const text = values.tokens[i]!;
    if (SIGNED_DECIMAL.test(text)) section[name] = Number(text);
    else problems.push(`${header.label} ${name}: ${JSON.stringify(text)} is not a number`);
  });
  return { section, problems };
}

/** Non-blank lines with their 1-based numbers. */
function numberedLines(text: string): Array<{ line: number; text: string }> {
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
  const value: SnmpCounters = {};
  const issues: ParseIssue[] = [];
  const lines = numberedLines(text);
  let i = 0;
  while (i < lines.length) {
    const headerLine = lines[i]!;
    const header = splitLabel(headerLine.text);
    if (header === null) {
      issues.push({ file, line: headerLine.line, reason: 'expected "Section: ..." header line' });
      i += 1;
      continue;
    }
    const valueLine = lines[i + 1];
    const values = valueLine === undefined ? null : splitLabel(valueLine.text);
    if (valueLine === undefined || values === null || values.label !== header.label) {
      // Re-read the next line as a header: a lost value line must not shift every later pair.
      issues.push({ file, line: headerLine.line, reason: `${header.label}: header without a value line` });
      i += 1;
      continue;
    }
    i += 2;
    if (header.label in value) {
      issues.push({ file, line: headerLine.line, reason: `${header.label}: section repeated; kept the first` });
      continue;
    }
    const { section, problems } = pairSection(header, values);
    for (const reason of problems) issues.push({ file, line: valueLine.line, reason });
    if (section !== null) value[header.label] = section;
  }
  return { value, issues };
}

/** /proc/net/netstat has the same format; the alias keeps call sites self-explanatory. */
export const parseNetstat = parseSnmp;
