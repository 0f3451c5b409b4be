/**
 * The addon's trimMemory (glibc malloc_trim): memory malloc keeps after many small frees, pinned
 * by small live allocations above it so glibc cannot give it back by itself, goes back to the
 * kernel when `run` trims after a tick. Measured in a child process (RssAnon before and after).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, nativeAddon } from '../../src/netlink/addon.js';

const load = nativeAddon();
const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
const skipWhy = load.addon === null ? `addon not loaded: ${load.reason}` : glibc === undefined ? 'not a glibc system (malloc_trim is glibc)' : null;

/** 40 MB in 1000-byte buffers with a 64-byte one kept every 1000: freed, then (maybe) trimmed. */
const CHILD = `
const addon = require(process.argv[1]);
const anonMiB = () => Number(/RssAnon:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
let garbage = [];
const pins = [];
for (let i = 0; i < 40000; i++) { garbage.push(Buffer.allocUnsafeSlow(1000).fill(1)); if (i % 1000 === 999) pins.push(Buffer.allocUnsafeSlow(64)); }
garbage = null;
globalThis.gc(); globalThis.gc();
const before = anonMiB();
const released = process.argv[2] === 'trim' ? addon.trimMemory() : null;
console.log(JSON.stringify({ before, after: anonMiB(), released, pins: pins.length }));
`;

function freedMiB(mode: 'trim' | 'none'): { before: number; after: number; released: boolean | null } {
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', CHILD, DEFAULT_ADDON_PATH, mode], { encoding: 'utf8', env: { ...process.env, MALLOC_ARENA_MAX: '2' }, timeout: 20_000 });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as { before: number; after: number; released: boolean | null };
}

describe(`trimMemory${skipWhy ? ` (skipped: ${skipWhy})` : ''}`, () => {
  it.skipIf(skipWhy !== null)('returns the free pages glibc held to the kernel', () => {
    const trimmed = freedMiB('trim');
    expect(trimmed.released).toBe(true);
    expect(trimmed.before - trimmed.after).toBeGreaterThan(20);
  });

  it.skipIf(skipWhy !== null)('without it, glibc keeps them (the check above can fail)', () => {
    const kept = freedMiB('none');
    expect(kept.before - kept.after).toBeLessThan(5);
  });
});
