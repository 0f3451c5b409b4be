/**
 * (a)/(b) for every exported `parse*` function under src/windows/ and src/darwin/, found at
 * collection time so parsers added later are fuzzed without touching this file. Inputs: the
 * platform's real command output (../shared/corpus/jc, read in place, and fixtures/<platform>),
 * mutated, plus arbitrary text. A parser returning `{ value, issues }` must keep its issues
 * inside the input; any other `parse*` (e.g. parsePort) must simply not throw.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParseResult } from '../../src/errors.js';
import { corpusPath, corpusPresent, fixturePath } from '../corpus.js';
import {
  arbitraryTextArb, expectFiniteNumbers, expectIssuesWithinInput, FUZZ_SEED, fuzz, mutatedFileArb, vocabulary, type SampleFile,
} from './support.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
/** Fixture files above this size are skipped as fuzz seeds: mutating them costs time, not coverage. */
const MAX_SEED_BYTES = 64 * 1024;
/** Fixture trees are small; the cap keeps a stray large tree from slowing the suite. */
const MAX_SEED_FILES = 60;

type AnyParser = (text: string, file: string) => unknown;

interface Platform {
  name: 'windows' | 'darwin';
  /** jc corpus files from this platform (`windows-10__*.out`, `osx-*.out`). */
  corpusPrefix: string;
}

const PLATFORMS: readonly Platform[] = [
  { name: 'windows', corpusPrefix: 'windows-10__' },
  { name: 'darwin', corpusPrefix: 'osx-' },
];

/** Files under a directory, depth-first, bounded by MAX_SEED_FILES. */
function listFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (out.length >= MAX_SEED_FILES) break;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(full, out);
    else if (entry.isFile() && statSync(full).size <= MAX_SEED_BYTES) out.push(full);
  }
  return out;
}

function seedsFor(platform: Platform): SampleFile[] {
  const seeds: SampleFile[] = listFiles(fixturePath(platform.name))
    .filter((f) => !f.endsWith('.json') && !f.endsWith('.md'))
    .map((f) => ({ name: path.relative(fixturePath('.'), f), text: readFileSync(f, 'utf8') }));
  if (corpusPresent) {
    for (const name of readdirSync(corpusPath('jc')).sort()) {
      if (name.startsWith(platform.corpusPrefix) && name.endsWith('.out')) {
        seeds.push({ name: `corpus/jc/${name}`, text: readFileSync(corpusPath(`jc/${name}`), 'utf8') });
      }
    }
  }
  return seeds;
}

async function parsersOf(platform: Platform): Promise<Array<{ label: string; parse: AnyParser }>> {
  const dir = path.join(SRC, platform.name);
  if (!existsSync(dir)) return [];
  const found: Array<{ label: string; parse: AnyParser }> = [];
  // index.ts files re-export parsers: fuzz each function once, under its defining file's name.
  const seen = new Set<unknown>();
  // index.ts last, so a re-exported parser is named after the file that defines it.
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort((a, b) => Number(a === 'index.ts') - Number(b === 'index.ts') || a.localeCompare(b));
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (/^parse[A-Z]/.test(name) && typeof value === 'function' && !seen.has(value)) {
        seen.add(value);
        found.push({ label: `src/${platform.name}/${file} ${name}`, parse: value as AnyParser });
      }
    }
  }
  return found;
}

function isParseResult(value: unknown): value is ParseResult<unknown> {
  return value !== null && typeof value === 'object' && 'issues' in value && 'value' in value;
}

function check(parse: AnyParser, text: string): void {
  const result = parse(text, 'fuzz-input');
  if (isParseResult(result)) {
    expectIssuesWithinInput(result.issues, text, 'fuzz-input');
    expectFiniteNumbers(result.value);
  } else if (typeof result === 'number') {
    expect(Number.isFinite(result), `returned ${result}`).toBe(true);
  }
}

const discovered = await Promise.all(PLATFORMS.map(async (p) => ({ platform: p, parsers: await parsersOf(p), seeds: seedsFor(p) })));

for (const { platform, parsers, seeds } of discovered) {
  describe(`${platform.name} parsers fuzz (seed ${FUZZ_SEED}; ${parsers.length} parse* exports, ${seeds.length} seed files${corpusPresent ? '' : '; ../shared/corpus absent'})`, () => {
    if (parsers.length === 0) {
      it.skip(`no exported parse* functions in src/${platform.name}/ yet`, () => {});
      return;
    }
    const vocab = vocabulary(seeds);
    for (const { label, parse } of parsers) {
      it(`${label}: arbitrary text never throws; issues are in the input`, () => {
        fuzz(fc.property(arbitraryTextArb(vocab), (text) => check(parse, text)), 300);
      });
      if (seeds.length > 0) {
        it(`${label}: mutated ${platform.name} command output never throws; issues are in the input`, () => {
          fuzz(fc.property(mutatedFileArb(seeds), (file) => check(parse, file.text)), 300);
        });
      }
    }
  });
}
