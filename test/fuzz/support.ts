/**
 * Shared machinery for the property-based parser tests in test/fuzz/.
 *
 * Every property runs with one fixed seed so a failure in CI reproduces locally: fast-check
 * prints `{ seed, path }` with the counterexample, and `FUZZ_SEED=<seed>` replays it (or
 * explores new inputs). `FUZZ_RUNS_SCALE` multiplies every run count, e.g. `FUZZ_RUNS_SCALE=20`
 * for a long soak; the default keeps the whole fuzz suite within about 30 s on two cores.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { ParseIssue, ParseResult } from '../../src/errors.js';
import { corpusPath, corpusPresent, describeCorpus, fixturePath, CORPUS_ROOT } from '../corpus.js';

function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${name}=${JSON.stringify(text)} is not a number`);
  return value;
}

export const FUZZ_SEED = Math.trunc(envNumber('FUZZ_SEED', 20_251_125));
const RUNS_SCALE = envNumber('FUZZ_RUNS_SCALE', 1);

/** Runs a property with the suite's seed; the seed is also named in the message on failure. */
export function fuzz<Ts>(property: fc.IRawProperty<Ts>, numRuns: number): void {
  const runs = Math.max(1, Math.round(numRuns * RUNS_SCALE));
  try {
    fc.assert(property, { seed: FUZZ_SEED, numRuns: runs });
  } catch (err) {
    // fast-check already prints `{ seed, path }`; saying how to replay saves a trip to the docs.
    (err as Error).message = `[fuzz seed ${FUZZ_SEED}, ${runs} runs; replay with FUZZ_SEED=${FUZZ_SEED}]\n${(err as Error).message}`;
    throw err;
  }
}

/** fuzz() for a property that awaits (an async parser, a native call on the thread pool). */
export async function fuzzAsync<Ts>(property: fc.IAsyncProperty<Ts>, numRuns: number): Promise<void> {
  const runs = Math.max(1, Math.round(numRuns * RUNS_SCALE));
  try {
    await fc.assert(property, { seed: FUZZ_SEED, numRuns: runs });
  } catch (err) {
    (err as Error).message = `[fuzz seed ${FUZZ_SEED}, ${runs} runs; replay with FUZZ_SEED=${FUZZ_SEED}]\n${(err as Error).message}`;
    throw err;
  }
}

/** Number of lines as the parsers count them: `split('\n')`, so a final newline adds an empty line. */
export function lineCount(text: string): number {
  return text.split('\n').length;
}

/** Throws (failing the property) with a message that shows the offending value. */
function fail(message: string): never {
  throw new Error(message);
}

/**
 * Property (b): every issue names the file it was given (or one the caller accepts) and a
 * 1-based line inside the input, or null for whole-input problems; the reason says something.
 * Plain checks rather than `expect` per field: these run millions of times per suite.
 */
export function expectIssuesWithinInput(
  issues: readonly ParseIssue[],
  text: string,
  fileOk: string | ((file: string) => boolean),
): void {
  if (!Array.isArray(issues)) fail(`issues is not an array: ${JSON.stringify(issues)}`);
  const lines = lineCount(text);
  for (const issue of issues) {
    const fileGood = typeof fileOk === 'string' ? issue.file === fileOk : fileOk(issue.file);
    if (!fileGood) fail(`issue names an unexpected file: ${JSON.stringify(issue)}`);
    if (issue.line !== null && !(Number.isInteger(issue.line) && issue.line >= 1 && issue.line <= lines)) {
      fail(`issue line outside the input's ${lines} lines: ${JSON.stringify(issue)}`);
    }
    if (typeof issue.reason !== 'string' || issue.reason.length === 0) fail(`issue without a reason: ${JSON.stringify(issue)}`);
  }
}

/**
 * Every number a parser returns is finite: JSON prints Infinity and NaN as null, which would
 * turn "a count" into "unknown" without an issue saying why. Depth-bounded (parser output is
 * at most three levels deep).
 */
export function expectFiniteNumbers(value: unknown, where = 'value', depth = 0): void {
  if (depth > 8) fail(`${where} nests deeper than any parser output`);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`${where} is ${value}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => expectFiniteNumbers(v, `${where}[${i}]`, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) expectFiniteNumbers(v, `${where}.${k}`, depth + 1);
  }
}

/** Properties (a) and (b) together, for one parse: it returned (did not throw) a sane result. */
export function expectSaneResult<T>(
  parse: () => ParseResult<T>,
  text: string,
  fileOk: string | ((file: string) => boolean),
  checkFinite = true,
): ParseResult<T> {
  const result = parse();
  expectIssuesWithinInput(result.issues, text, fileOk);
  if (checkFinite) expectFiniteNumbers(result.value);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Inputs: real files, their vocabulary, junk, and mutations.

export interface SampleFile {
  /** Where it came from, for the counterexample. */
  name: string;
  text: string;
}

export function fixtureFiles(relatives: readonly string[]): SampleFile[] {
  return relatives.map((r) => ({ name: `fixtures/${r}`, text: readFileSync(fixturePath(r), 'utf8') }));
}

/** Corpus files read in place (never copied here); empty when ../shared/corpus is absent. */
export function corpusFiles(relatives: readonly string[]): SampleFile[] {
  if (!corpusPresent) return [];
  return relatives.map((r) => ({ name: `corpus/${r}`, text: readFileSync(corpusPath(r), 'utf8') }));
}

/** Tokens that have broken parsers before: empty, separators, huge numbers, prototype keys, odd Unicode. */
export const NASTY_TOKENS: readonly string[] = [
  '', ' ', '  ', '\t', '\r', ':', '::', ': ', '|', '-', '--', '-1', '-0', '0', '00', '+1', '0x1', '1e3', '1.5', ' 1',
  'ffffffff', 'FFFFFFFF', 'FFFFFFFFFFFFFFFF', 'zz', 'G', '9007199254740993', '18446744073709551615',
  '18446744073709551616', '9'.repeat(25), '9'.repeat(400), 'f'.repeat(400), '0'.repeat(40),
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'NaN', 'Infinity', '-Infinity',
  '\u0000', '\u00a0', '\ufeff', '\u2028', '\u0085', 'é', '😀', '\ud800', 'socket:[1]', '*', '@', '/',
  '0A', '0100007F:0016', '00000000:0000', '0000000000000000FFFF00000100007F:01BB', 'sl', 'Iface', 'Num',
  'Inter-|', ' face |', 'TCP:', 'Tcp:', 'sockets:', 'inuse', 'lo', 'eth0:', 'eth0:1',
];

export const nastyToken: fc.Arbitrary<string> = fc.constantFrom(...NASTY_TOKENS);

/** Short junk without a newline (lines are what parsers iterate over). */
export const junkArb: fc.Arbitrary<string> = fc
  .oneof(
    // Weighted: the hand-picked tokens find more than random characters do.
    { arbitrary: nastyToken, weight: 4 },
    fc.string({ maxLength: 16 }),
    fc.string({ unit: 'binary', maxLength: 16 }),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF: -\t'), maxLength: 24 }),
  )
  .map((s) => s.replace(/\n/g, ''));

/** A whole line of junk (may be long, may be whitespace). */
export const junkLineArb: fc.Arbitrary<string> = fc
  .oneof(
    junkArb,
    fc.array(junkArb, { maxLength: 24 }).map((parts) => parts.join(' ')),
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => s.replace(/\n/g, '')),
  );

/** Distinct whitespace-separated tokens of some files (capped), to build plausible random lines. */
export function vocabulary(files: readonly SampleFile[], cap = 400): string[] {
  const seen = new Set<string>();
  for (const f of files) {
    for (const token of f.text.split(/\s+/)) {
      if (token !== '') seen.add(token);
      if (seen.size >= cap) return [...seen];
    }
  }
  return [...seen];
}

/**
 * Arbitrary text: raw binary-ish strings, and files of lines built from the format's own
 * tokens mixed with nasty ones (random bytes alone rarely get past a parser's first check).
 */
export function arbitraryTextArb(vocab: readonly string[]): fc.Arbitrary<string> {
  const token = vocab.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...vocab), weight: 3 }, { arbitrary: junkArb, weight: 1 }) : junkArb;
  const separator = fc.constantFrom(' ', '  ', '\t', ' \t', '');
  const line = fc.tuple(fc.array(token, { maxLength: 24 }), separator).map(([tokens, sep]) => tokens.join(sep));
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF:| \t\n-'), maxLength: 400 }),
    fc.array(line, { maxLength: 30 }).map((lines) => lines.join('\n')),
    fc.array(line, { maxLength: 30 }).map((lines) => lines.join('\r\n') + '\r\n'),
  );
}

const LINE_OPS = [
  'truncate', 'deleteRange', 'insertJunk', 'replaceToken', 'dropToken', 'duplicateToken', 'swapTokens',
  'replaceChar', 'emptyLine', 'dropLine', 'duplicateLine', 'swapLines', 'insertJunkLine', 'crlf',
  'truncateFile', 'joinLines',
] as const;
type LineOp = (typeof LINE_OPS)[number];

export interface Mutation {
  op: LineOp;
  /** Picks the line (modulo the line count) and, divided by it, the place within the line. */
  at: number;
  span: number;
  junk: string;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom(...LINE_OPS),
  at: fc.nat({ max: 1_000_000 }),
  span: fc.nat({ max: 64 }),
  junk: junkArb,
});

function tokenSpans(line: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/** Applies one mutation; pure, and each op touches at most two lines (bounded work). */
export function applyMutation(lines: readonly string[], m: Mutation): string[] {
  const out = [...lines];
  if (out.length === 0) out.push('');
  const li = m.at % out.length;
  const line = out[li]!;
  const pos = Math.floor(m.at / out.length) % (line.length + 1);
  const spans = tokenSpans(line);
  const tokenAt = spans.length > 0 ? spans[Math.floor(m.at / out.length) % spans.length]! : null;
  switch (m.op) {
    case 'truncate':
      out[li] = line.slice(0, pos);
      break;
    case 'deleteRange':
      out[li] = line.slice(0, pos) + line.slice(pos + m.span);
      break;
    case 'insertJunk':
      out[li] = line.slice(0, pos) + m.junk + line.slice(pos);
      break;
    case 'replaceToken':
      if (tokenAt) out[li] = line.slice(0, tokenAt[0]) + m.junk + line.slice(tokenAt[1]);
      break;
    case 'dropToken':
      if (tokenAt) out[li] = line.slice(0, tokenAt[0]) + line.slice(tokenAt[1]);
      break;
    case 'duplicateToken':
      if (tokenAt) out[li] = line.slice(0, tokenAt[1]) + ' ' + line.slice(tokenAt[0], tokenAt[1]) + line.slice(tokenAt[1]);
      break;
    case 'swapTokens': {
      const other = spans.length > 0 ? spans[m.span % spans.length]! : null;
      if (tokenAt && other && other[0] > tokenAt[0]) {
        const [a, b] = [line.slice(...tokenAt), line.slice(...other)];
        out[li] = line.slice(0, tokenAt[0]) + b + line.slice(tokenAt[1], other[0]) + a + line.slice(other[1]);
      }
      break;
    }
    case 'replaceChar':
      out[li] = line.slice(0, pos) + (m.junk.slice(0, 1) || 'Z') + line.slice(pos + 1);
      break;
    case 'emptyLine':
      out[li] = '';
      break;
    case 'dropLine':
      out.splice(li, 1);
      break;
    case 'duplicateLine':
      out.splice(li, 0, line);
      break;
    case 'swapLines': {
      const lj = m.span % out.length;
      [out[li], out[lj]] = [out[lj]!, out[li]!];
      break;
    }
    case 'insertJunkLine':
      out.splice(li, 0, m.junk);
      break;
    case 'crlf':
      return out.map((l) => `${l}\r`);
    case 'truncateFile': {
      // A short read: the file stops mid-line.
      out.splice(li + 1);
      out[li] = line.slice(0, pos);
      break;
    }
    case 'joinLines':
      if (li + 1 < out.length) out.splice(li, 2, line + (m.junk.includes('\n') ? '' : m.junk) + out[li + 1]!);
      break;
  }
  return out;
}

/** A real file with one to four mutations applied. */
export function mutatedFileArb(files: readonly SampleFile[]): fc.Arbitrary<SampleFile> {
  return fc
    .tuple(fc.constantFrom(...files), fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
    .map(([file, mutations]) => ({
      name: `${file.name} after ${mutations.map((m) => m.op).join(',')}`,
      text: mutations.reduce<string[]>((lines, m) => applyMutation(lines, m), file.text.split('\n')).join('\n'),
    }));
}

/**
 * Inserts `garbage` lines at the given positions (each taken modulo the growing line count) and
 * returns the text plus the 1-based numbers the inserted lines ended up on, and where each
 * original line went (index: original 0-based line, value: new 1-based line).
 */
export function insertLines(
  lines: readonly string[],
  inserts: ReadonlyArray<{ at: number; line: string }>,
): { text: string; garbageLines: Set<number>; moved: number[] } {
  type Tagged = { text: string; original: number | null };
  const tagged: Tagged[] = lines.map((text, i) => ({ text, original: i }));
  for (const { at, line } of inserts) tagged.splice(at % (tagged.length + 1), 0, { text: line, original: null });
  const garbageLines = new Set<number>();
  const moved: number[] = new Array<number>(lines.length).fill(0);
  tagged.forEach((t, i) => {
    if (t.original === null) garbageLines.add(i + 1);
    else moved[t.original] = i + 1;
  });
  return { text: tagged.map((t) => t.text).join('\n'), garbageLines, moved };
}

/** `expected` appears, in order, within `actual` (equality by JSON text, as records are plain data). */
export function expectSubsequence(actual: readonly unknown[], expected: readonly unknown[]): void {
  const keys = actual.map((a) => JSON.stringify(a));
  let j = 0;
  for (const e of expected) {
    const key = JSON.stringify(e);
    while (j < keys.length && keys[j] !== key) j++;
    if (j >= keys.length) fail(`record ${key} was lost`);
    j++;
  }
}

// ---------------------------------------------------------------------------------------------
// The (a)+(b) tests every parser gets.

export interface SaneFuzzSpec<T> {
  /** Used in test names. */
  name: string;
  parse: (text: string, file: string) => ParseResult<T>;
  /** Real inputs under fixtures/ and under ../shared/corpus. */
  fixtures: readonly string[];
  corpus: readonly string[];
  /** Which issue files are acceptable; default: exactly the label passed to parse. */
  fileOk?: (label: string) => string | ((file: string) => boolean);
  runs?: { arbitrary?: number; mutated?: number };
  /**
   * False only for a parser with a known, reported non-finite-number bug that we may not fix
   * here; that parser's test file then pins the bug with an `it.fails` case.
   */
  checkFinite?: boolean;
}

/**
 * Registers (a)/(b) for one parser: arbitrary text, mutated fixture lines, and mutated corpus
 * lines (skipped, saying so, when ../shared/corpus is absent). Call inside a `describe`.
 */
export function saneOnAnyInput<T>(spec: SaneFuzzSpec<T>): void {
  const label = 'fuzz-input';
  const fileOk = spec.fileOk?.(label) ?? label;
  const fixtures = fixtureFiles(spec.fixtures);
  const corpus = corpusFiles(spec.corpus);
  const vocab = vocabulary([...fixtures, ...corpus]);
  const arbitraryRuns = spec.runs?.arbitrary ?? 1500;
  const mutatedRuns = spec.runs?.mutated ?? 1500;

  it(`${spec.name}: arbitrary text never throws; issues are in the input${spec.checkFinite === false ? '' : '; numbers are finite'}`, () => {
    fuzz(fc.property(arbitraryTextArb(vocab), (text) => {
      expectSaneResult(() => spec.parse(text, label), text, fileOk, spec.checkFinite);
    }), arbitraryRuns);
  });

  if (fixtures.length > 0) {
    it(`${spec.name}: mutated fixture files (${fixtures.length}) never throw; issues are in the input`, () => {
      fuzz(fc.property(mutatedFileArb(fixtures), (file) => {
        expectSaneResult(() => spec.parse(file.text, label), file.text, fileOk, spec.checkFinite);
      }), mutatedRuns);
    });
  }

  if (spec.corpus.length > 0) {
    describeCorpus(`${spec.name} on ../shared/corpus (read in place from ${CORPUS_ROOT})`, () => {
      it(`mutated corpus files (${spec.corpus.length}) never throw; issues are in the input`, () => {
        fuzz(fc.property(mutatedFileArb(corpus), (file) => {
          expectSaneResult(() => spec.parse(file.text, label), file.text, fileOk, spec.checkFinite);
        }), mutatedRuns);
      });
    });
  }
}
