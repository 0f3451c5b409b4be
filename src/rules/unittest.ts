/**
 * Rule unit tests (`netstat-otel rules test FILE...`), in the spirit of `promtool test rules`: a
 * test file names rules files, feeds a sequence of inputs over time (partial snapshots, snapshot
 * JSON fixtures, promtool-style series, direct fact values) and lists the alerts expected to be
 * firing at given times. The same history, facts, engine and lifecycle as the sidecar run them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { AlertTracker } from '../alerts/lifecycle.js';
import type { AlertInstance } from '../alerts/types.js';
import type { ParseIssue } from '../errors.js';
import { emptySnapshot } from '../snapshot/empty.js';
import type { Snapshot } from '../snapshot/types.js';
import { durationField, formatDuration, parseDuration } from './duration.js';
import { evaluateRules } from './engine.js';
import { createEvidenceSource } from './evidence/index.js';
import { formatCommandLine } from './evidence/process_info.js';
import type { ProcessInfo } from './evidence/types.js';
import { normalizeRuleset } from './facts/firewall.js';
import { DEFAULT_WINDOW_MS, emptyHistory, pushSnapshot, type FirewallSample } from './facts/history.js';
import { computeFacts, FACT_BY_NAME } from './facts/index.js';
import { RulesStore } from './loader.js';
import { describeValue, record, strictObject, validate } from '../validation.js';
import { formatPath, JsonLocator, syntaxErrorLine } from './locate.js';

const Duration = durationField('0s, 90s, 5m');
const Partial = v.union(
  [v.string(), record(v.string(), v.unknown())],
  (issue) => `expected a snapshot fixture path or a partial snapshot object, found ${describeValue(issue.input)}`,
);

/** RFC 3339 with seconds and a zone: `2026-01-01T00:00:00Z`, `2026-01-01T02:00:00.5+02:00`. */
const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function isTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

const Timestamp = v.pipe(
  v.string(),
  v.check(isTimestamp, (issue) => `not a timestamp (examples: 2026-01-01T00:00:00Z, 2026-01-01T02:00:00+02:00): ${describeValue(issue.input)}`),
);

const Input = strictObject({
  comment: v.optional(v.string()),
  /** First evaluation this input applies to. */
  at: Duration,
  /** Last evaluation it applies to (inclusive); default: only `at`. */
  until: v.optional(Duration),
  /** A partial snapshot merged over the base, or a path to a snapshot JSON fixture (relative to the test file). */
  snapshot: v.optional(Partial),
  /** Fact values that replace the computed ones (partial facts). */
  facts: v.optional(record(v.string(), v.unknown())),
  /** Firewall ruleset text as the probe would read it; its hash feeds firewall.rulesetChanged. */
  firewall: v.optional(v.string()),
});

const ExpectedAlert = strictObject({
  name: v.string(),
  /** Full instance key, or just the item part (`tcp/0.0.0.0/8080`). */
  key: v.optional(v.string()),
  severity: v.optional(v.picklist(['warning', 'critical'])),
  message: v.optional(v.string()),
  /** Attributes the alert must carry (others may be present). */
  attributes: v.optional(record(v.string(), v.unknown())),
});
type ExpectedAlert = v.InferOutput<typeof ExpectedAlert>;

const Expectation = strictObject({
  comment: v.optional(v.string()),
  at: Duration,
  /** Exactly the alerts firing after the evaluation at `at`. */
  firing: v.array(ExpectedAlert),
  /** If given, exactly the alerts pending then. */
  pending: v.optional(v.array(ExpectedAlert)),
});

/** What evidence would read from /proc/<pid>: tests name it, so `rules test` never reads this host's processes. */
const TestProcess = strictObject({
  commandLine: v.optional(v.nullable(v.string())),
  uid: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0)))),
});
const Pid = v.pipe(v.string(), v.regex(/^\d+$/, 'keys are pids'));

const TestCase = strictObject({
  name: v.pipe(v.string(), v.minLength(1)),
  comment: v.optional(v.string()),
  /** Processes by pid, for listener evidence (command line, uid). */
  processes: v.optional(record(Pid, TestProcess)),
  /** User names by uid (as the passwd file would give them). */
  users: v.optional(record(Pid, v.string())),
  interval: v.optional(Duration),
  window: v.optional(Duration),
  start: v.optional(Timestamp),
  base: v.optional(Partial),
  /** Snapshot paths (`conntrack.count`, `fact:conntrack.usagePercent`) to promtool series (`1+1x10 _ 5x3`). */
  series: v.optional(record(v.string(), v.string())),
  inputs: v.optional(v.array(Input)),
  expect: v.pipe(v.array(Expectation), v.minLength(1)),
});
type TestCase = v.InferOutput<typeof TestCase>;

const TestFile = strictObject({
  comment: v.optional(v.string()),
  /** Rules files or directories, relative to the test file. */
  rules: v.pipe(v.array(v.string()), v.minLength(1)),
  tests: v.pipe(v.array(TestCase), v.minLength(1)),
});

export const DEFAULT_TEST_START = '2026-01-01T00:00:00Z';
/** A typo like `"interval": "1ms"` over hours must fail fast, not spin. */
const MAX_EVALUATIONS = 100_000;

/**
 * promtool's expanding notation: `a+bxn` is a, a+b, ..., a+n*b (n+1 values); `axn` is a repeated
 * n+1 times; `_` is "no value at this step"; plain numbers are themselves.
 */
export function expandSeries(text: string): (number | null)[] | string {
  const out: (number | null)[] = [];
  for (const token of text.trim().split(/\s+/)) {
    if (token === '') continue;
    const m = /^(_|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?:([+-]\d+(?:\.\d+)?)?x(\d+))?$/i.exec(token);
    if (!m) return `bad series item "${token}" (expected N, N+DxM, NxM or _)`;
    const start = m[1] === '_' ? null : Number(m[1]);
    const delta = m[2] === undefined ? 0 : Number(m[2]);
    const times = m[3] === undefined ? 0 : Number(m[3]);
    for (let i = 0; i <= times; i++) out.push(start === null ? null : start + delta * i);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace. */
export function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    if (k === '__proto__' || k === 'constructor') continue;
    const cur = target[k];
    if (isPlainObject(v) && isPlainObject(cur)) deepMerge(cur, v);
    else target[k] = structuredClone(v);
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): string | null {
  const parts = dotted.split('.');
  let cur: unknown = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] ?? '';
    const container = cur as Record<string, unknown>;
    if (container[p] === null || container[p] === undefined) container[p] = /^\d+$/.test(parts[i + 1] ?? '') ? [] : {};
    cur = container[p];
    if (typeof cur !== 'object' || cur === null) return `cannot set ${dotted}: ${parts.slice(0, i + 1).join('.')} is not an object`;
  }
  (cur as Record<string, unknown>)[parts[parts.length - 1] ?? ''] = value;
  return null;
}

export interface TestOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function describeActual(a: AlertInstance): string {
  return `${a.rule} [${a.severity}] key=${a.key} "${a.message}"`;
}

function describeExpected(e: ExpectedAlert): string {
  const extra = Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'name'));
  return Object.keys(extra).length ? `${e.name} ${JSON.stringify(extra)}` : e.name;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function matches(e: ExpectedAlert, a: AlertInstance): boolean {
  if (e.name !== a.rule) return false;
  if (e.key !== undefined && e.key !== a.key && `${a.rule}|${e.key}` !== a.key) return false;
  if (e.severity !== undefined && e.severity !== a.severity) return false;
  if (e.message !== undefined && e.message !== a.message) return false;
  for (const [k, v] of Object.entries(e.attributes ?? {})) if (!sameValue(a.attributes[k], v)) return false;
  return true;
}

/** Lines of a diff between expected and actual alerts; empty when they match. */
export function diffAlerts(expected: readonly ExpectedAlert[], actual: readonly AlertInstance[]): string[] {
  const left = [...actual];
  const missing: ExpectedAlert[] = [];
  for (const e of expected) {
    const i = left.findIndex((a) => matches(e, a));
    if (i >= 0) left.splice(i, 1);
    else missing.push(e);
  }
  return [...missing.map((e) => `- ${describeExpected(e)}`), ...left.map((a) => `+ ${describeActual(a)}`)];
}

class TestFileError extends Error {
  constructor(readonly issues: ParseIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line ?? 1}: ${i.reason}`).join('\n'));
  }
}

function readJson(file: string, what: string): { data: unknown; locator: JsonLocator } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw new TestFileError([{ file, line: null, reason: `cannot read ${what}: ${(err as Error).message}` }]);
  }
  try {
    return { data: JSON.parse(text), locator: new JsonLocator(text) };
  } catch (err) {
    throw new TestFileError([{ file, line: syntaxErrorLine(text, (err as Error).message), reason: `invalid JSON: ${(err as Error).message}` }]);
  }
}

interface RunContext {
  file: string;
  dir: string;
  locator: JsonLocator;
  fixtures: Map<string, Record<string, unknown>>;
}

function loadPartial(ctx: RunContext, value: string | Record<string, unknown>, where: (string | number)[]): Record<string, unknown> {
  if (typeof value !== 'string') return value;
  const file = path.resolve(ctx.dir, value);
  let cached = ctx.fixtures.get(file);
  if (!cached) {
    const { data } = readJson(file, 'snapshot fixture');
    if (!isPlainObject(data)) {
      throw new TestFileError([{ file: ctx.file, line: ctx.locator.lineOf(where), reason: `${value} is not a snapshot JSON object` }]);
    }
    cached = data;
    ctx.fixtures.set(file, cached);
  }
  return cached;
}

interface CaseResult {
  failures: string[];
  checks: number;
}

/** Process details from the test case; pids it does not name are gone, as a real lookup would find them. */
function testProcessInfo(t: TestCase): ProcessInfo {
  return {
    details(pid, _name, withCommandLine) {
      const p = t.processes?.[String(pid)];
      if (!p) return null;
      const commandLine = withCommandLine && p.commandLine ? formatCommandLine(p.commandLine) : null;
      return { commandLine, uid: p.uid ?? null };
    },
    userName: (uid) => t.users?.[String(uid)] ?? null,
  };
}

async function runCase(ctx: RunContext, store: RulesStore, t: TestCase, index: number): Promise<CaseResult> {
  const at = (where: (string | number)[]): number => ctx.locator.lineOf(['tests', index, ...where]);
  const interval = parseDuration(t.interval ?? '1m') ?? 60_000;
  if (interval <= 0) throw new TestFileError([{ file: ctx.file, line: at(['interval']), reason: 'interval must be more than 0s' }]);
  const start = Date.parse(t.start ?? DEFAULT_TEST_START);
  const series = new Map<string, (number | null)[]>();
  for (const [key, text] of Object.entries(t.series ?? {})) {
    const values = expandSeries(text);
    if (typeof values === 'string') throw new TestFileError([{ file: ctx.file, line: at(['series', key]), reason: values }]);
    if (key.startsWith('fact:') && !FACT_BY_NAME.has(key.slice(5))) {
      throw new TestFileError([{ file: ctx.file, line: at(['series', key]), reason: `unknown fact "${key.slice(5)}"` }]);
    }
    series.set(key, values);
  }
  const inputs = (t.inputs ?? []).map((input, i) => {
    for (const name of Object.keys(input.facts ?? {})) {
      if (!FACT_BY_NAME.has(name)) throw new TestFileError([{ file: ctx.file, line: at(['inputs', i, 'facts', name]), reason: `unknown fact "${name}"` }]);
    }
    const from = parseDuration(input.at) ?? 0;
    const until = input.until === undefined ? from : (parseDuration(input.until) ?? from);
    if (until < from) throw new TestFileError([{ file: ctx.file, line: at(['inputs', i, 'until']), reason: 'until is before at' }]);
    return { input, i, from, until };
  });
  const expectations = t.expect.map((e, i) => ({ e, i, time: parseDuration(e.at) ?? 0 }));

  // Evaluate every interval up to the last time mentioned, plus at each input's own time.
  const longest = Math.max(0, ...[...series.values()].map((v) => v.length));
  const last = Math.max((longest - 1) * interval, ...inputs.map((x) => x.until), ...expectations.map((x) => x.time), 0);
  if (last / interval > MAX_EVALUATIONS) {
    throw new TestFileError([{ file: ctx.file, line: at(['interval']), reason: `more than ${MAX_EVALUATIONS} evaluations: use a longer interval` }]);
  }
  const times = new Set<number>();
  for (let time = 0; time <= last; time += interval) times.add(time);
  for (const x of inputs) times.add(x.from);
  const inputTimes = new Set(inputs.map((x) => x.from));
  for (const x of expectations) {
    if (!times.has(x.time) && !inputTimes.has(x.time)) {
      throw new TestFileError([
        { file: ctx.file, line: at(['expect', x.i, 'at']), reason: `no evaluation at ${x.e.at}: use a multiple of the interval or an input's "at"` },
      ]);
    }
  }

  const base = t.base === undefined ? {} : loadPartial(ctx, t.base, ['tests', index, 'base']);
  let history = emptyHistory(t.window ? (parseDuration(t.window) ?? DEFAULT_WINDOW_MS) : DEFAULT_WINDOW_MS);
  const tracker = new AlertTracker();
  const compiled = store.compiled;
  const processes = testProcessInfo(t);
  const failures: string[] = [];
  let checks = 0;

  for (const time of [...times].sort((a, b) => a - b)) {
    const now = start + time;
    const snapshot = emptySnapshot('linux', new Date(now)) as unknown as Record<string, unknown>;
    deepMerge(snapshot, base);
    const overrides: Record<string, unknown> = {};
    const step = time % interval === 0 ? time / interval : -1;
    for (const [key, values] of series) {
      const v = step >= 0 ? values[step] : undefined;
      if (v === undefined || v === null) continue;
      if (key.startsWith('fact:')) overrides[key.slice(5)] = v;
      else {
        const problem = setPath(snapshot, key, v);
        if (problem) throw new TestFileError([{ file: ctx.file, line: at(['series', key]), reason: problem }]);
      }
    }
    let firewall: FirewallSample | undefined;
    for (const x of inputs) {
      if (time < x.from || time > x.until) continue;
      if (x.input.snapshot !== undefined) deepMerge(snapshot, loadPartial(ctx, x.input.snapshot, ['tests', index, 'inputs', x.i, 'snapshot']));
      Object.assign(overrides, x.input.facts ?? {});
      if (x.input.firewall !== undefined) {
        firewall = { tool: 'test', hash: createHash('sha256').update(normalizeRuleset(x.input.firewall)).digest('hex') };
      }
    }
    // A fixture carries its own capture time; the test's clock is what counts.
    snapshot.timestamp = new Date(now).toISOString();
    history = pushSnapshot(history, snapshot as unknown as Snapshot, { firewall });
    const facts = { ...computeFacts(history, { allowlist: compiled.allowlist }, compiled.facts.all), ...overrides };
    const evidence = createEvidenceSource({
      history,
      processes,
      commandLine: compiled.evidence.commandLine,
      wanted: (key, forMs) => tracker.firingAt(key, forMs, now),
      onError: (family, err) => failures.push(`at ${formatDuration(time)}: evidence ${family} failed: ${err.message}`),
    });
    const { instances, errors } = await evaluateRules(compiled, facts, 'all', evidence);
    for (const e of errors) failures.push(`at ${formatDuration(time)}: rule evaluation failed (${e.rule}): ${e.message}`);
    tracker.update(instances, now);

    for (const x of expectations) {
      if (x.time !== time) continue;
      checks++;
      const firingDiff = diffAlerts(x.e.firing, tracker.firing());
      const pendingDiff = x.e.pending ? diffAlerts(x.e.pending, tracker.pending()) : [];
      const line = at(['expect', x.i, 'at']);
      if (firingDiff.length) failures.push(`at ${x.e.at} (${ctx.file}:${line}): firing alerts differ (- expected, + got):\n    ${firingDiff.join('\n    ')}`);
      if (pendingDiff.length) failures.push(`at ${x.e.at} (${ctx.file}:${line}): pending alerts differ (- expected, + got):\n    ${pendingDiff.join('\n    ')}`);
    }
  }
  return { failures, checks };
}

/** Runs one test file; returns the number of failed cases (a file that cannot be run counts as 1). */
export async function runTestFile(file: string, out: TestOutput): Promise<{ passed: number; failed: number }> {
  try {
    const { data, locator } = readJson(file, 'test file');
    const parsed = validate(TestFile, data);
    if (!parsed.success) {
      throw new TestFileError(
        parsed.problems.map((problem) => {
          // The line is the unknown key's own; the reason names the object holding it.
          const { owner } = problem;
          return { file, line: locator.lineOf(problem.path), reason: owner.length ? `${formatPath(owner)}: ${problem.message}` : problem.message };
        }),
      );
    }
    const dir = path.dirname(file);
    const store = new RulesStore(parsed.output.rules.map((r) => path.resolve(dir, r)));
    store.refresh();
    const ruleIssues = store.issues();
    if (ruleIssues.length) throw new TestFileError(ruleIssues);
    const ctx: RunContext = { file, dir, locator, fixtures: new Map() };
    let passed = 0;
    let failed = 0;
    for (const [i, t] of parsed.output.tests.entries()) {
      const result = await runCase(ctx, store, t, i);
      if (result.failures.length) {
        failed++;
        out.stderr.write(`FAIL ${file} › ${t.name}\n  ${result.failures.join('\n  ')}\n`);
      } else {
        passed++;
        out.stdout.write(`ok   ${file} › ${t.name} (${result.checks} check${result.checks === 1 ? '' : 's'})\n`);
      }
    }
    return { passed, failed };
  } catch (err) {
    if (!(err instanceof TestFileError)) throw err;
    for (const issue of err.issues) out.stderr.write(`${issue.file}:${issue.line ?? 1}: ${issue.reason}\n`);
    return { passed: 0, failed: 1 };
  }
}
