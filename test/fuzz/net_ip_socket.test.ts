/**
 * Property-based tests of parseIpSockets (/proc/net/{tcp,tcp6,udp,udp6}): any input is safe,
 * rows generated from random field values round-trip, and garbage lines cost only themselves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpSockets, type IpSocketFile } from '../../src/procfs/net_ip_socket.js';
import { expectedSocket, renderSocketRow, socketHeader, socketRowArb } from './kernel_format.js';
import { expectIssuesWithinInput, expectSubsequence, FUZZ_SEED, fuzz, insertLines, junkLineArb, saneOnAnyInput } from './support.js';

const KINDS: readonly IpSocketFile[] = [
  { transport: 'tcp', family: 'inet' },
  { transport: 'tcp', family: 'inet6' },
  { transport: 'udp', family: 'inet' },
  { transport: 'udp', family: 'inet6' },
];

const kindName = (k: IpSocketFile): string => `${k.transport}${k.family === 'inet6' ? '6' : ''}`;

describe(`parseIpSockets fuzz (seed ${FUZZ_SEED})`, () => {
  for (const kind of KINDS) {
    const name = kindName(kind);
    saneOnAnyInput({
      name: `net/${name}`,
      parse: (text, file) => parseIpSockets(text, file, kind),
      fixtures: [`recorded/loopback-states/net/${name}`],
      corpus: kind.family === 'inet'
        ? ['procfs/proc/net/tcp', 'procfs/proc/net/udp', 'procfs/proc/net/udp_broken', 'jc/linux-proc__net_tcp']
        : ['procfs/proc/net/tcp6', 'procfs/proc/net/udp6'],
      runs: { arbitrary: 600, mutated: 600 },
    });
  }

  for (const kind of KINDS) {
    const name = kindName(kind);
    const rowsArb = fc.array(socketRowArb(kind.transport, kind.family), { maxLength: 12 });

    it(`net/${name}: generated rows in the kernel's format parse back to their values`, () => {
      fuzz(fc.property(rowsArb, fc.boolean(), (rows, finalNewline) => {
        const text = [socketHeader(kind.transport, kind.family), ...rows.map(renderSocketRow)].join('\n') + (finalNewline ? '\n' : '');
        const { value, issues } = parseIpSockets(text, name, kind);
        expect(issues).toEqual([]);
        expect(value).toEqual(rows.map(expectedSocket));
      }), 500);
    });

    it(`net/${name}: garbage lines inserted into a valid table cost no valid row`, () => {
      const insertsArb = fc.array(fc.record({ at: fc.nat(), line: junkLineArb }), { minLength: 1, maxLength: 4 });
      fuzz(fc.property(rowsArb, insertsArb, (rows, inserts) => {
        const lines = [socketHeader(kind.transport, kind.family), ...rows.map(renderSocketRow)];
        const { text, garbageLines, moved } = insertLines(lines, inserts);
        const { value, issues } = parseIpSockets(text, name, kind);
        expectIssuesWithinInput(issues, text, name);
        expectSubsequence(value, rows.map(expectedSocket));
        expect(value.length).toBeLessThanOrEqual(rows.length + inserts.length);
        // Only garbage is blamed, plus the header when garbage pushed it off line 1 (it is then
        // read as a row, and line 1 is reported as not being the header).
        const allowed = new Set([...garbageLines, ...(moved[0] === 1 ? [] : [1, moved[0]!])]);
        for (const issue of issues) expect(allowed.has(issue.line!), `issue on valid line: ${JSON.stringify(issue)}`).toBe(true);
      }), 400);
    });
  }
});

/**
 * Regressions for bugs the properties above found in net_ip_socket.ts (fixed there by its owner):
 * over-long numbers became Infinity (JSON null) with no issue, and a table whose header line was
 * lost silently dropped its first row.
 */
describe('net_ip_socket.ts regressions found by fuzzing', () => {
  const kind: IpSocketFile = { transport: 'tcp', family: 'inet' };
  const header = socketHeader('tcp', 'inet');

  it('an over-long hex queue or decimal uid/inode is an issue, never Infinity', () => {
    const row = '   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0';
    const huge = [
      row.replace('00000000:00000000', `${'F'.repeat(400)}:00000000`),
      row.replace('     0        0 1234', ` ${'9'.repeat(400)} 0 1234`),
      row.replace(' 1234 ', ` ${'9'.repeat(400)} `),
    ];
    for (const line of huge) {
      const { value, issues } = parseIpSockets(`${header}\n${line}\n`, 'tcp', kind);
      expect(value).toEqual([]);
      expect(issues.map((i) => i.line)).toEqual([2]);
    }
  });

  it('a table whose header line is lost still yields every row (line 1 is reported)', () => {
    fuzz(fc.property(fc.array(socketRowArb('tcp', 'inet'), { minLength: 1, maxLength: 4 }), (rows) => {
      const { value, issues } = parseIpSockets(rows.map(renderSocketRow).join('\n'), 'tcp', kind);
      expect(value).toEqual(rows.map(expectedSocket));
      expect(issues.map((i) => i.line)).toEqual([1]);
    }), 100);
  });
});
