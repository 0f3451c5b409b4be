/**
 * Property-based tests of parseNetUnix (/proc/net/unix): any input is safe, generated rows
 * round-trip (paths byte for byte, spaces included), garbage lines cost only themselves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNetUnix } from '../../src/procfs/net_unix.js';
import { expectedUnix, renderUnixRow, UNIX_HEADER, UNIX_HEADER_NO_INODE, unixRowArb } from './kernel_format.js';
import { expectIssuesWithinInput, expectSubsequence, FUZZ_SEED, fuzz, insertLines, junkLineArb, saneOnAnyInput } from './support.js';

describe(`parseNetUnix fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({
    name: 'net/unix',
    parse: parseNetUnix,
    fixtures: ['recorded/loopback-states/net/unix'],
    corpus: ['procfs/proc/net/unix', 'procfs/proc/net/unix_without_inode', 'jc/linux-proc__net_unix'],
  });

  const rowsArb = fc.array(unixRowArb, { maxLength: 10 });

  it('net/unix: generated rows parse back, with and without the Inode column', () => {
    fuzz(fc.property(rowsArb, fc.boolean(), fc.boolean(), (rows, withInode, finalNewline) => {
      const header = withInode ? UNIX_HEADER : UNIX_HEADER_NO_INODE;
      const text = [header, ...rows.map((r) => renderUnixRow(r, withInode))].join('\n') + (finalNewline ? '\n' : '');
      const { value, issues } = parseNetUnix(text, 'unix');
      expect(issues).toEqual([]);
      expect(value).toEqual(rows.map((r) => expectedUnix(r, withInode)));
    }), 800);
  });

  it('net/unix: a table whose header line is lost still yields every row', () => {
    fuzz(fc.property(fc.array(unixRowArb, { minLength: 1, maxLength: 5 }), (rows) => {
      const text = rows.map((r) => renderUnixRow(r, true)).join('\n');
      const { value, issues } = parseNetUnix(text, 'unix');
      expect(value).toEqual(rows.map((r) => expectedUnix(r, true)));
      expect(issues.map((i) => i.line)).toEqual([1]);
    }), 200);
  });

  it('net/unix: garbage lines inserted into a valid table cost no row', () => {
    const insertsArb = fc.array(fc.record({ at: fc.nat(), line: junkLineArb }), { minLength: 1, maxLength: 4 });
    fuzz(fc.property(rowsArb, insertsArb, (rows, inserts) => {
      const { text, garbageLines, moved } = insertLines([UNIX_HEADER, ...rows.map((r) => renderUnixRow(r, true))], inserts);
      const { value, issues } = parseNetUnix(text, 'unix');
      expectIssuesWithinInput(issues, text, 'unix');
      expectSubsequence(value, rows.map((r) => expectedUnix(r, true)));
      expect(value.length).toBeLessThanOrEqual(rows.length + inserts.length);
      const allowed = new Set([...garbageLines, ...(moved[0] === 1 ? [] : [1, moved[0]!])]);
      for (const issue of issues) expect(allowed.has(issue.line!), `issue on a valid line: ${JSON.stringify(issue)}`).toBe(true);
    }), 600);
  });
});
