/**
 * Property-based tests of the `Label: …` formats: parseSnmp (/proc/net/snmp and netstat, paired
 * header/value lines) and parseSockstat (/proc/net/sockstat{,6}, key/value lines).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSnmp } from '../../src/procfs/snmp.js';
import { parseSnmp6 } from '../../src/procfs/snmp6.js';
import { parseSockstat } from '../../src/procfs/sockstat.js';
import { expectIssuesWithinInput, FUZZ_SEED, fuzz, insertLines, junkLineArb, NASTY_TOKENS, saneOnAnyInput } from './support.js';

/** Labels and names as the kernel prints them, plus ones that are keys of Object.prototype. */
const nameArb = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,23}$/), weight: 6 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'), weight: 1 },
);
/** s64 values as %ld prints them (MaxConn is -1), and u64 values up to 2^53 (exact in a double). */
const counterArb = fc.oneof(
  fc.integer({ min: -1, max: 1_000_000 }),
  fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(0, -1, 2 ** 32, Number.MAX_SAFE_INTEGER),
);

interface Section {
  label: string;
  fields: Array<[string, number]>;
}

/** Distinct labels and distinct names within a section, as the kernel writes them. */
const sectionsArb: fc.Arbitrary<Section[]> = fc.uniqueArray(
  fc.record({
    label: nameArb,
    fields: fc.uniqueArray(fc.tuple(nameArb, counterArb), { minLength: 1, maxLength: 12, selector: ([name]) => name }),
  }),
  { maxLength: 8, selector: (s) => s.label },
);

const snmpLines = (sections: readonly Section[]): string[] =>
  sections.flatMap((s) => [
    `${s.label}: ${s.fields.map(([n]) => n).join(' ')}`,
    `${s.label}: ${s.fields.map(([, v]) => v).join(' ')}`,
  ]);

const sockstatLine = (s: Section): string => `${s.label}: ${s.fields.map(([n, v]) => `${n} ${v}`).join(' ')}`;

/** A plain object with own properties only (Object.fromEntries defines even `__proto__` as data). */
const expectedSections = (sections: readonly Section[]): Record<string, Record<string, number>> =>
  Object.fromEntries(sections.map((s) => [s.label, Object.fromEntries(s.fields)]));

/** Compares as JSON: own keys in order, which is what a consumer of the snapshot sees. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/**
 * Garbage that does not claim a label the file uses: a stray `Tcp: …` between `Tcp:` names and
 * values is not garbage but a competing value line, and no parser can tell which is real.
 */
const garbageFor = (labels: ReadonlySet<string>) =>
  junkLineArb.filter((line) => {
    const colon = line.indexOf(':');
    return colon < 0 || !labels.has(line.slice(0, colon).trim());
  });

describe(`parseSnmp fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({
    name: 'net/snmp, net/netstat',
    parse: parseSnmp,
    fixtures: [
      'linux-vm/proc/net/snmp', 'linux-vm/proc/net/netstat', 'recorded/loopback-states/net/snmp',
      'recorded/loopback-states/net/netstat', 'broken/proc/net/snmp', 'broken/proc/net/netstat',
    ],
    corpus: ['procfs/proc/26231/net/snmp', 'procfs/proc/26231/net/netstat', 'jc/linux-proc__net_netstat'],
  });

  it('snmp: generated sections parse back to their values (prototype-named ones too)', () => {
    fuzz(fc.property(sectionsArb, fc.boolean(), (sections, finalNewline) => {
      const text = snmpLines(sections).join('\n') + (finalNewline ? '\n' : '');
      const { value, issues } = parseSnmp(text, 'snmp');
      expect(issues).toEqual([]);
      expect(asJson(value)).toEqual(asJson(expectedSections(sections)));
    }), 800);
  });

  it('snmp: garbage lines anywhere, even between a header and its values, cost no section', () => {
    const arb = sectionsArb.chain((sections) =>
      fc.tuple(
        fc.constant(sections),
        fc.array(fc.record({ at: fc.nat(), line: garbageFor(new Set(sections.map((s) => s.label))) }), { minLength: 1, maxLength: 4 }),
      ));
    fuzz(fc.property(arb, ([sections, inserts]) => {
      const { text, garbageLines } = insertLines(snmpLines(sections), inserts);
      const { value, issues } = parseSnmp(text, 'snmp');
      expectIssuesWithinInput(issues, text, 'snmp');
      const parsed = asJson(value) as Record<string, unknown>;
      for (const [label, fields] of Object.entries(asJson(expectedSections(sections)) as Record<string, unknown>)) {
        expect(parsed[label], `section ${label}`).toEqual(fields);
      }
      for (const issue of issues) expect(garbageLines.has(issue.line!), `issue on a valid line: ${JSON.stringify(issue)}`).toBe(true);
    }), 600);
  });
});

describe(`parseSnmp6 fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({
    name: 'net/snmp6',
    parse: parseSnmp6,
    fixtures: ['linux-vm/proc/net/snmp6', 'broken/proc/net/snmp6'],
    corpus: ['procfs/proc/26231/net/snmp6'],
  });

  it('snmp6: generated Udp6/UdpLite6 lines parse back to their values; other prefixes are dropped', () => {
    const prefixArb = fc.constantFrom('Udp6', 'UdpLite6', 'Ip6', 'Icmp6');
    const linesArb = fc.uniqueArray(fc.tuple(prefixArb, nameArb, counterArb), { maxLength: 40, selector: ([p, n]) => `${p}${n}` });
    fuzz(fc.property(linesArb, fc.boolean(), (lines, finalNewline) => {
      const text = lines.map(([p, n, v]) => `${`${p}${n}`.padEnd(32)}\t${v}`).join('\n') + (finalNewline ? '\n' : '');
      const { value, issues } = parseSnmp6(text, 'snmp6');
      expect(issues).toEqual([]);
      const expected: Record<string, Array<[string, number]>> = {};
      for (const [p, n, v] of lines) if (p === 'Udp6' || p === 'UdpLite6') (expected[p] ??= []).push([n, v]);
      expect(asJson(value)).toEqual(asJson(Object.fromEntries(Object.entries(expected).map(([p, f]) => [p, Object.fromEntries(f)]))));
    }), 800);
  });
});

describe(`parseSockstat fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({
    name: 'net/sockstat',
    parse: parseSockstat,
    fixtures: [
      'linux-vm/proc/net/sockstat', 'linux-vm/proc/net/sockstat6', 'recorded/loopback-states/net/sockstat',
      'recorded/loopback-states/net/sockstat6', 'broken/proc/net/sockstat',
    ],
    corpus: [
      'procfs/proc/net/sockstat', 'procfs/proc/net/sockstat6', 'procfs/inline/proc/net/sockstat.sample2',
      'procfs/inline/proc/net/sockstat6.sample2',
    ],
  });

  it('sockstat: generated lines parse back to their values (prototype-named ones too)', () => {
    fuzz(fc.property(sectionsArb, fc.boolean(), (sections, finalNewline) => {
      const text = sections.map(sockstatLine).join('\n') + (finalNewline ? '\n' : '');
      const { value, issues } = parseSockstat(text, 'sockstat');
      expect(issues).toEqual([]);
      expect(asJson(value)).toEqual(asJson(expectedSections(sections)));
    }), 800);
  });

  it('sockstat: garbage lines cost no protocol line', () => {
    const arb = sectionsArb.chain((sections) =>
      fc.tuple(
        fc.constant(sections),
        fc.array(fc.record({ at: fc.nat(), line: garbageFor(new Set(sections.map((s) => s.label))) }), { minLength: 1, maxLength: 4 }),
      ));
    fuzz(fc.property(arb, ([sections, inserts]) => {
      const { text, garbageLines } = insertLines(sections.map(sockstatLine), inserts);
      const { value, issues } = parseSockstat(text, 'sockstat');
      expectIssuesWithinInput(issues, text, 'sockstat');
      const parsed = asJson(value) as Record<string, unknown>;
      for (const [label, fields] of Object.entries(asJson(expectedSections(sections)) as Record<string, unknown>)) {
        expect(parsed[label], `line ${label}`).toEqual(fields);
      }
      for (const issue of issues) expect(garbageLines.has(issue.line!), `issue on a valid line: ${JSON.stringify(issue)}`).toBe(true);
    }), 600);
  });
});

// Keeps the import list honest if NASTY_TOKENS stops carrying the prototype keys.
it('the nasty-token list includes the prototype keys the generators above rely on', () => {
  expect(NASTY_TOKENS).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'toString']));
});
