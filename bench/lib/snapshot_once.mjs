/**
 * One snapshot in a fresh process, for peak RSS: prints JSON with the resident memory before
 * (Node and our modules loaded) and the high-water mark after.
 * usage: node snapshot_once.mjs SOURCE [PROCFS]   (SOURCE: netlink | procfs)
 */
import { readFileSync } from 'node:fs';

const [source, procfs = '/proc'] = process.argv.slice(2);
const { collectSnapshot } = await import('../../dist/snapshot/collect.js');
const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
// Reset the high-water mark to the current RSS, so it measures the snapshot alone.
try {
  const { writeFileSync } = await import('node:fs');
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  // Older kernels: the mark then includes start-up, which the "before" figure shows.
}
const before = kb('VmRSS');
const t = performance.now();
const snapshot = await collectSnapshot({ socketSource: source, procfs, attribution: procfs === '/proc' });
const ms = performance.now() - t;
process.stdout.write(JSON.stringify({ ms, rssBeforeKb: before, hwmKb: kb('VmHWM'), sockets: snapshot.sockets.length, errors: snapshot.errors.length }) + '\n');
