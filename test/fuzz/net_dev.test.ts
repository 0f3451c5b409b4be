/**
 * Property-based tests of parseNetDev (/proc/net/dev): any input is safe, lines generated from
 * random counters round-trip in both the current and the pre-4.x layout, and garbage lines cost
 * only themselves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNetDev } from '../../src/procfs/net_dev.js';
import { DEV_HEADER, devLineArb, expectedDev, renderDevLine } from './kernel_format.js';
import { expectIssuesWithinInput, expectSubsequence, FUZZ_SEED, fuzz, insertLines, junkLineArb, saneOnAnyInput } from './support.js';

const FIXTURES = ['linux-vm/proc/net/dev', 'recorded/loopback-states/net/dev', 'broken/proc/net/dev'];
const CORPUS = ['procfs/proc/net/dev', 'procfs/proc/26231/net/dev', 'jc/linux-proc__net_dev'];

describe(`parseNetDev fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({ name: 'net/dev', parse: parseNetDev, fixtures: FIXTURES, corpus: CORPUS });

  const linesArb = fc.array(devLineArb, { maxLength: 10 });

  it('net/dev: generated lines in the kernel format parse back to their counters', () => {
    fuzz(fc.property(linesArb, fc.boolean(), (lines, finalNewline) => {
      const text = [...DEV_HEADER, ...lines.map(renderDevLine)].join('\n') + (finalNewline ? '\n' : '');
      const { value, issues } = parseNetDev(text, 'dev');
      expect(issues).toEqual([]);
      expect(value).toEqual(lines.map(expectedDev));
    }), 800);
  });

  it('net/dev: garbage lines inserted into a valid file cost no interface', () => {
    const insertsArb = fc.array(fc.record({ at: fc.nat(), line: junkLineArb }), { minLength: 1, maxLength: 4 });
    fuzz(fc.property(linesArb, insertsArb, (lines, inserts) => {
      const { text, garbageLines, moved } = insertLines([...DEV_HEADER, ...lines.map(renderDevLine)], inserts);
      const { value, issues } = parseNetDev(text, 'dev');
      expectIssuesWithinInput(issues, text, 'dev');
      expectSubsequence(value, lines.map(expectedDev));
      expect(value.length).toBeLessThanOrEqual(lines.length + inserts.length);
      // A header pushed below line 2 by garbage is no longer recognised and is itself reported.
      const displacedHeaders = moved.slice(0, 2).filter((line) => line > 2);
      const allowed = new Set([...garbageLines, ...displacedHeaders]);
      for (const issue of issues) expect(allowed.has(issue.line!), `issue on a valid line: ${JSON.stringify(issue)}`).toBe(true);
    }), 600);
  });
});
