import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerRulesCommands, rulesCheck, rulesTest } from '../../src/commands/rules.js';
import { expandSeries } from '../../src/rules/unittest.js';
import { lineSink, ruleJson } from './helpers.js';

const RULES = path.resolve(import.meta.dirname, '../../rules');
const TESTS = path.join(RULES, 'tests');
const testFiles = () => readdirSync(TESTS).filter((f) => f.endsWith('.test.json')).map((f) => path.join(TESTS, f));

/** 1-based line of the first line containing `needle` (how a person would find it). */
function lineOf(file: string, needle: string, nth = 1): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  let seen = 0;
  const i = lines.findIndex((l) => l.includes(needle) && ++seen === nth);
  if (i < 0) throw new Error(`${needle} not in ${file}`);
  return i + 1;
}

function io() {
  const out = lineSink();
  const err = lineSink();
  return { io: { stdout: out.stream, stderr: err.stream }, out: out.lines, err: err.lines };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-cmd-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('rules check', () => {
  it('passes on the shipped rules', async () => {
    const c = io();
    expect(await rulesCheck([RULES], c.io)).toBe(0);
    expect(c.err()).toEqual([]);
    expect(c.out()).toEqual([expect.stringMatching(/^ok: 16 rules in 8 files$/)]);
  });

  it('fails with FILE:LINE: reason on broken files', async () => {
    writeFileSync(path.join(dir, 'syntax.json'), '{\n  "rules": [\n    {}\n    {}\n  ]\n}\n');
    writeFileSync(path.join(dir, 'fact.json'), ruleJson('x', 1, 'conntrack.usage'));
    writeFileSync(path.join(dir, 'dup.json'), ruleJson('x'));
    const c = io();
    expect(await rulesCheck([dir, path.join(RULES, 'conntrack.json')], c.io)).toBe(1);
    const fact = path.join(dir, 'fact.json');
    expect(c.err()).toEqual([
      `${fact}:${lineOf(fact, '"fact"')}: rules[0].conditions.all[0].fact: unknown fact "conntrack.usage" (see docs/rules.md for the list)`,
      `${fact}:${lineOf(fact, '"message"')}: rules[0].message: unknown placeholder {{conntrack.usage}} (a fact name or evidence, then fields)`,
      expect.stringMatching(new RegExp(`^${path.join(dir, 'syntax.json')}:4: invalid JSON: `)),
    ]);
  });

  it('checks uniqueness across all the paths given', async () => {
    writeFileSync(path.join(dir, 'mine.json'), ruleJson('conntrack-table-high'));
    const c = io();
    expect(await rulesCheck([RULES, path.join(dir, 'mine.json')], c.io)).toBe(1);
    expect(c.err()).toEqual([
      `${path.join(dir, 'mine.json')}:4: rule name "conntrack-table-high" is already defined in ${path.join(RULES, 'conntrack.json')}:${lineOf(path.join(RULES, 'conntrack.json'), '"conntrack-table-high"')}`,
    ]);
  });

  it('is wired into commander', async () => {
    const program = new Command().exitOverride();
    registerRulesCommands(program);
    writeFileSync(path.join(dir, 'bad.json'), '{');
    const before = process.exitCode;
    try {
      const stderr = process.stderr.write;
      process.stderr.write = (() => true) as typeof process.stderr.write;
      try {
        await program.parseAsync(['node', 'netstat-otel', 'rules', 'check', path.join(dir, 'bad.json')]);
      } finally {
        process.stderr.write = stderr;
      }
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = before;
    }
  });
});

describe('rules test', () => {
  it('every shipped rule has a test that expects it to fire', () => {
    const shipped = readdirSync(RULES)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => (JSON.parse(readFileSync(path.join(RULES, f), 'utf8')) as { rules?: { name: string }[] }).rules ?? [])
      .map((r) => r.name);
    const expected = new Set(
      testFiles().flatMap((f) =>
        (JSON.parse(readFileSync(f, 'utf8')) as { tests: { expect: { firing: { name: string }[] }[] }[] }).tests.flatMap((t) =>
          t.expect.flatMap((e) => e.firing.map((a) => a.name)),
        ),
      ),
    );
    expect(shipped.length).toBe(16);
    expect(shipped.filter((n) => !expected.has(n))).toEqual([]);
  });

  it('passes on the shipped rule tests', async () => {
    const c = io();
    const code = await rulesTest(testFiles(), c.io);
    expect(c.err()).toEqual([]);
    expect(code).toBe(0);
    expect(c.out().at(-1)).toMatch(/^PASSED: \d+ passed, 0 failed$/);
  });

  it('fails with a readable diff when alerts differ', async () => {
    mkdirSync(path.join(dir, 'rules'));
    writeFileSync(path.join(dir, 'rules', 'ct.json'), ruleJson('ct', 80));
    writeFileSync(
      path.join(dir, 'ct.test.json'),
      JSON.stringify(
        {
          rules: ['rules'],
          tests: [
            {
              name: 'wrong expectations',
              series: { 'fact:conntrack.usagePercent': '50 90 90' },
              expect: [
                { at: '1m', firing: [{ name: 'ct', message: 'ct 80' }] },
                { at: '2m', firing: [] },
              ],
            },
            { name: 'right', series: { 'conntrack.count': '10 90', 'conntrack.max': '100x1' }, expect: [{ at: '1m', firing: [{ name: 'ct' }] }] },
          ],
        },
        null,
        2,
      ),
    );
    const c = io();
    const testFile = path.join(dir, 'ct.test.json');
    expect(await rulesTest([testFile], c.io)).toBe(1);
    expect(c.out()).toEqual([`ok   ${path.join(dir, 'ct.test.json')} › right (1 check)`, 'FAILED: 1 passed, 1 failed']);
    expect(c.err()).toEqual([
      `FAIL ${path.join(dir, 'ct.test.json')} › wrong expectations`,
      `  at 1m (${testFile}:${lineOf(testFile, '"at": "1m"')}): firing alerts differ (- expected, + got):`,
      '    - ct {"message":"ct 80"}',
      '    + ct [warning] key=ct "ct 90"',
      `  at 2m (${testFile}:${lineOf(testFile, '"at": "2m"')}): firing alerts differ (- expected, + got):`,
      '    + ct [warning] key=ct "ct 90"',
    ]);
  });

  it('reports broken rules and broken test files with FILE:LINE', async () => {
    writeFileSync(path.join(dir, 'bad.json'), ruleJson('x').replace('"warning"', '"urgent"'));
    writeFileSync(path.join(dir, 'a.test.json'), JSON.stringify({ rules: ['bad.json'], tests: [{ name: 't', expect: [{ at: '0m', firing: [] }] }] }));
    writeFileSync(path.join(dir, 'b.test.json'), '{\n  "rules": ["bad.json"],\n  "tests": [{ "name": "t", "expect": [{ "at": "soon", "firing": [] }] }]\n}');
    writeFileSync(
      path.join(dir, 'c.test.json'),
      JSON.stringify({ rules: [RULES], tests: [{ name: 't', series: { 'fact:nope': '1' }, expect: [{ at: '0m', firing: [] }] }] }, null, 1),
    );
    const c = io();
    expect(await rulesTest(['a', 'b', 'c'].map((x) => path.join(dir, `${x}.test.json`)), c.io)).toBe(1);
    expect(c.err()).toEqual([
      `${path.join(dir, 'bad.json')}:5: rules[0].severity: expected "warning" or "critical", found "urgent"`,
      `${path.join(dir, 'b.test.json')}:3: tests[0].expect[0].at: not a duration (examples: 0s, 90s, 5m)`,
      `${path.join(dir, 'c.test.json')}:${lineOf(path.join(dir, 'c.test.json'), '"fact:nope"')}: unknown fact "nope"`,
    ]);
  });

  it('names unknown keys and wrong types in a test file at their lines', async () => {
    // In schema order; an unknown key is pointed at, the reason names the object holding it.
    const file = path.join(dir, 'd.test.json');
    const test = { name: 't', base: [], start: '2026-01-01', expect: [{ at: '0m', firing: [], pendnig: [] }] };
    writeFileSync(file, JSON.stringify({ rules: [RULES], tests: [test], test: [] }, null, 2));
    const c = io();
    expect(await rulesTest([file], c.io)).toBe(1);
    expect(c.err()).toEqual([
      `${file}:${lineOf(file, '"start"')}: tests[0].start: not a timestamp (examples: 2026-01-01T00:00:00Z, 2026-01-01T02:00:00+02:00): "2026-01-01"`,
      `${file}:${lineOf(file, '"base"')}: tests[0].base: expected a snapshot fixture path or a partial snapshot object, found an array`,
      `${file}:${lineOf(file, '"pendnig"')}: tests[0].expect[0]: unknown key "pendnig"`,
      `${file}:${lineOf(file, '"test"')}: unknown key "test"`,
    ]);
  });
});

describe('expandSeries', () => {
  it.each([
    ['1 2 3', [1, 2, 3]],
    ['0+10x3', [0, 10, 20, 30]],
    ['5-1x2 _ 7x1', [5, 4, 3, null, 7, 7]],
    ['1.5e3', [1500]],
  ])('%s', (text, want) => {
    expect(expandSeries(text)).toEqual(want);
  });
  it('rejects nonsense', () => {
    expect(expandSeries('1 two')).toBe('bad series item "two" (expected N, N+DxM, NxM or _)');
  });
});
