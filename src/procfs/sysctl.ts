import type { ParseIssue, ParseResult } from '../errors.js';

/**
 * Single-value sysctl files under /proc/sys:
 *   net/netfilter/nf_conntrack_count, nf_conntrack_max   `262144\n`
 *   net/ipv4/ip_local_port_range                        `32768\t60999\n`
 * The value is null exactly when there is an issue, so callers can report "unknown" rather
 * than a wrong number.
 */

const UNSIGNED_DECIMAL = /^\d+$/;
const MAX_PORT = 65535;

type Problem = Omit<ParseIssue, 'file'>;

interface OneLine {
  line: number;
  tokens: string[];
}

/** The whitespace-separated tokens of a one-line file, or why it is not one line. */
function readOneLine(text: string): OneLine | Problem {
  const filled = text
    .split('\n')
    .map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter((l) => l.text !== '');
  const [first, second] = filled;
  if (first === undefined) return { line: null, reason: 'empty file' };
  if (second !== undefined) return { line: second.line, reason: `expected one line, found ${filled.length}` };
  return { line: first.line, tokens: first.text.split(/\s+/) };
}

/**
 * One non-negative integer (nf_conntrack_count, nf_conntrack_max, and any other counter or
 * limit file). Values above 2^53 would lose precision: they are reported, not rounded.
 */
export function parseSysctlInteger(text: string, file: string): ParseResult<number | null> {
  const read = readOneLine(text);
  if (!('tokens' in read)) return { value: null, issues: [{ file, ...read }] };
  const { line } = read;
  if (read.tokens.length !== 1) {
    return { value: null, issues: [{ file, line, reason: `expected one number, found ${read.tokens.length} fields` }] };
  }
  const token = read.tokens[0]!;
  if (!UNSIGNED_DECIMAL.test(token)) {
    return { value: null, issues: [{ file, line, reason: `${JSON.stringify(token)} is not a non-negative integer` }] };
  }
  const value = Number(token);
  // Above 2^53 Number() rounds (and past ~309 digits it is Infinity): report rather than return
  // a wrong number, keeping "null exactly when there is an issue".
  if (!Number.isSafeInteger(value)) {
    return { value: null, issues: [{ file, line, reason: `${JSON.stringify(token.length > 24 ? `${token.slice(0, 24)}…` : token)} is above 2^53` }] };
  }
  return { value, issues: [] };
}

function checkPortRange(low: number, high: number): string | null {
  if (low > MAX_PORT || high > MAX_PORT) return `port range ${low}-${high} goes above ${MAX_PORT}`;
  if (high < low) return `port range ${low}-${high} ends below its start`;
  return null;
}

/** /proc/sys/net/ipv4/ip_local_port_range: `low<TAB>high`, both inclusive. */
export function parsePortRange(text: string, file: string): ParseResult<[number, number] | null> {
  const read = readOneLine(text);
  if (!('tokens' in read)) return { value: null, issues: [{ file, ...read }] };
  const { line } = read;
  const fail = (reason: string): ParseResult<[number, number] | null> => ({ value: null, issues: [{ file, line, reason }] });
  if (read.tokens.length !== 2) return fail(`expected two numbers, found ${read.tokens.length} fields`);
  const [lowText, highText] = read.tokens as [string, string];
  if (!UNSIGNED_DECIMAL.test(lowText) || !UNSIGNED_DECIMAL.test(highText)) {
    return fail(`${JSON.stringify(`${lowText} ${highText}`)} is not two non-negative integers`);
  }
  const low = Number(lowText);
  const high = Number(highText);
  const bad = checkPortRange(low, high);
  return bad === null ? { value: [low, high], issues: [] } : fail(bad);
}
