/**
 * Differential fuzzing of the addon's C scanner of /proc/net/{tcp,tcp6,udp,udp6} (scanProcNet)
 * against the JavaScript parser: mutated real tables and mutated generated ones go through
 * ProcfsSocketReader with and without the addon, and records, errors and counts must be equal,
 * whether the C scanner reads the file or declines it. Runs with the fuzz suite's seed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/netlink/addon.js';
import { ALL_STATES } from '../../src/netlink/states.js';
import { KernelFs } from '../../src/procfs/kernel_fs.js';
import { ProcfsSocketReader } from '../../src/samplers/sockets.js';
import { renderSocketRow, socketHeader, socketRowArb, type SocketRow } from './kernel_format.js';
import { applyMutation, corpusFiles, FUZZ_SEED, fixtureFiles, fuzzAsync, mutationArb, type SampleFile } from './support.js';

const load = nativeAddon();
const TABLES = [
  { table: 'tcp', transport: 'tcp', family: 'inet' },
  { table: 'tcp6', transport: 'tcp', family: 'inet6' },
  { table: 'udp', transport: 'udp', family: 'inet' },
  { table: 'udp6', transport: 'udp', family: 'inet6' },
] as const;

const root = mkdtempSync(path.join(os.tmpdir(), 'netstat-otel-proc-net-fuzz-'));
mkdirSync(path.join(root, 'net'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Masks: every state, none, and random ones (bits 0-15, where the states live). */
const maskArb = fc.oneof(fc.constant(ALL_STATES), fc.constant(0), fc.integer({ min: 0, max: 0xffff }), fc.nat({ max: 0xffffffff }));

/** How often the C scanner read a table itself, and how often it declined: both must happen. */
const tally = { read: 0, declined: 0 };

/** Whether the C scanner reads net/<table> as it is now (a string is its reason to decline). */
async function cReads(table: (typeof TABLES)[number]): Promise<boolean> {
  const result = await load.addon!.scanProcNet(path.join(root, 'net', table.table), table.family === 'inet' ? 2 : 10, table.transport === 'tcp' ? 6 : 17, ALL_STATES, false, 1 << 30);
  return typeof result !== 'string';
}

/** Writes `text` as net/<table> and every other table as header only; compares both readers. */
async function expectSameBothWays(table: (typeof TABLES)[number], text: string, mask: number): Promise<void> {
  for (const other of TABLES) writeFileSync(path.join(root, 'net', other.table), `${socketHeader(other.transport, other.family)}\n`);
  writeFileSync(path.join(root, 'net', table.table), text, 'latin1');
  const procfs = new KernelFs(root);
  const withC = new ProcfsSocketReader(procfs, load.addon);
  const jsOnly = new ProcfsSocketReader(procfs, null);
  for (const states of [ALL_STATES, mask]) {
    const [c, js] = [await withC.read(table.transport, states), await jsOnly.read(table.transport, states)];
    if (JSON.stringify(c) !== JSON.stringify(js)) expect(c, `states 0x${(states >>> 0).toString(16)}`).toEqual(js);
  }
  const [c, js] = [await withC.count(table.transport), await jsOnly.count(table.transport)];
  if (JSON.stringify(c) !== JSON.stringify(js)) expect(c, 'counts').toEqual(js);
  if (await cReads(table)) tally.read++;
  else tally.declined++;
}

/** Rows the C scanner leaves to JavaScript although the kernel could print them (see proc_net.c). */
function cDeclinesRow(row: SocketRow): boolean {
  return row.inode > 0xffffffff || (row.transport === 'tcp' && row.state === 10 && row.txQueue !== 0);
}

/** A text with one to four of the suite's mutations (cut lines, junk, CRLF, swapped tokens...). */
function mutatedArb(textArb: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(textArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
    .map(([text, mutations]) => mutations.reduce<string[]>((lines, m) => applyMutation(lines, m), text.split('\n')).join('\n'));
}

describe.skipIf(load.addon === null)(`C scan vs JavaScript parser, differential fuzz (seed ${FUZZ_SEED}; addon: ${load.reason ?? 'built'})`, () => {
  afterAll(() => {
    // Mutations that never let C read, or never make it decline, would test one path only.
    expect(tally.read, 'tables the C scanner read').toBeGreaterThan(100);
    expect(tally.declined, 'tables the C scanner declined').toBeGreaterThan(100);
  });

  for (const table of TABLES) {
    const samples: SampleFile[] = [
      ...fixtureFiles([`recorded/loopback-states/net/${table.table}`]),
      ...corpusFiles(table.family === 'inet'
        ? ['procfs/proc/net/tcp', 'procfs/proc/net/udp', 'procfs/proc/net/udp_broken', 'jc/linux-proc__net_tcp']
        : ['procfs/proc/net/tcp6', 'procfs/proc/net/udp6']),
    ];
    const generatedArb = fc.array(socketRowArb(table.transport, table.family), { maxLength: 10 })
      .map((rows) => [socketHeader(table.transport, table.family), ...rows.map(renderSocketRow)].join('\n') + '\n');

    it(`net/${table.table}: generated tables in the kernel's format, read by C unless a row is one it leaves to JavaScript`, async () => {
      const rowsArb = fc.array(socketRowArb(table.transport, table.family), { maxLength: 10 });
      await fuzzAsync(fc.asyncProperty(rowsArb, maskArb, async (rows, mask) => {
        await expectSameBothWays(table, [socketHeader(table.transport, table.family), ...rows.map(renderSocketRow)].join('\n') + '\n', mask);
        expect(await cReads(table)).toBe(!rows.some(cDeclinesRow));
      }), 150);
    });

    it(`net/${table.table}: mutated generated tables`, async () => {
      await fuzzAsync(fc.asyncProperty(mutatedArb(generatedArb), maskArb, (text, mask) => expectSameBothWays(table, text, mask)), 300);
    });

    it(`net/${table.table}: mutated real tables (fixtures${samples.length > 1 ? ' and ../shared/corpus' : '; ../shared/corpus absent'})`, async () => {
      const realArb = fc.constantFrom(...samples.map((s) => s.text));
      await fuzzAsync(fc.asyncProperty(mutatedArb(realArb), maskArb, (text, mask) => expectSameBothWays(table, text, mask)), 300);
    });
  }
});
