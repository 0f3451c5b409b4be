/**
 * The shared corpus (../shared/corpus, real files written by other projects) is read in place,
 * never copied into this repo. When it is absent (a clone without shared/ beside it), the
 * tests that need it are skipped and say so.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CORPUS_ROOT = path.resolve(here, '../../shared/corpus');
export const corpusPresent = existsSync(CORPUS_ROOT);

export function corpusPath(relative: string): string {
  return path.join(CORPUS_ROOT, relative);
}

export function readCorpus(relative: string): string {
  return readFileSync(corpusPath(relative), 'utf8');
}

export function readCorpusJson<T = unknown>(relative: string): T {
  return JSON.parse(readCorpus(relative)) as T;
}

/** `describe` that runs only when ../shared/corpus exists, and otherwise skips with a reason. */
export function describeCorpus(name: string, body: () => void): void {
  if (corpusPresent) {
    describe(name, body);
  } else {
    describe.skip(`${name} (skipped: ../shared/corpus not found at ${CORPUS_ROOT})`, body);
  }
}

export const FIXTURES_ROOT = path.resolve(here, '../fixtures');
export function fixturePath(relative: string): string {
  return path.join(FIXTURES_ROOT, relative);
}
