/**
 * Property-based tests of the one-value parsers: /proc/sys files (parseSysctlInteger,
 * parsePortRange) and /sys/class/net/<if>/* (parseSysfsInteger, parseLinkInfo). Their contract
 * is stricter than "no throw": the value is null exactly when there is an issue, and a number,
 * when there is one, is the exact integer written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePortRange, parseSysctlInteger } from '../../src/procfs/sysctl.js';
import { LINK_FILES, parseLinkInfo, parseSysfsInteger, type LinkFile } from '../../src/sysfs/net_class.js';
import {
  arbitraryTextArb, expectIssuesWithinInput, expectSaneResult, FUZZ_SEED, fixtureFiles, fuzz, lineCount, mutatedFileArb,
  saneOnAnyInput, vocabulary,
} from './support.js';

const SYSCTL_FIXTURES = [
  'linux-vm/proc/sys/net/netfilter/nf_conntrack_count', 'linux-vm/proc/sys/net/netfilter/nf_conntrack_max',
  'linux-vm/proc/sys/net/ipv4/ip_local_port_range', 'recorded/loopback-states/sys/net/netfilter/nf_conntrack_count',
  'recorded/loopback-states/sys/net/netfilter/nf_conntrack_max', 'recorded/loopback-states/sys/net/ipv4/ip_local_port_range',
  'broken/proc/sys/net/netfilter/nf_conntrack_count', 'broken/proc/sys/net/netfilter/nf_conntrack_max',
  'broken/proc/sys/net/ipv4/ip_local_port_range',
];
const SYSFS_FIXTURES = ['lo', 'eth0', 'ifb0', 'ifb1'].flatMap((i) =>
  ['operstate', 'mtu', 'carrier_changes', 'speed'].map((f) => `recorded/loopback-states/sysfs/class/net/${i}/${f}`),
).filter((f) => !/\/(lo|ifb\d)\/speed$/.test(f)); // virtual links have no speed file in the recording

/** Single-value inputs: real files, mutated files and arbitrary text. */
function oneValueInputs(fixtures: readonly string[]): fc.Arbitrary<string> {
  const files = fixtureFiles(fixtures);
  return fc.oneof(arbitraryTextArb(vocabulary(files)), mutatedFileArb(files).map((f) => f.text));
}

/** Numbers as sysctl writes them: `%lu`/`%d` and a newline, sometimes with extra blank lines or padding. */
const renderedArb = (n: fc.Arbitrary<number>) =>
  fc.tuple(n, fc.constantFrom('', ' ', '\t'), fc.constantFrom('\n', '', '\n\n')).map(([v, pad, end]) => ({ v, text: `${pad}${v}${end}` }));

describe(`sysctl parsers fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({ name: 'sysctl integer', parse: parseSysctlInteger, fixtures: SYSCTL_FIXTURES, corpus: [] });
  saneOnAnyInput({ name: 'ip_local_port_range', parse: parsePortRange, fixtures: SYSCTL_FIXTURES, corpus: [] });

  it('sysctl integer: null exactly when there is an issue; otherwise a safe non-negative integer', () => {
    fuzz(fc.property(oneValueInputs(SYSCTL_FIXTURES), (text) => {
      const { value, issues } = parseSysctlInteger(text, 'f');
      expect(value === null).toBe(issues.length > 0);
      if (value !== null) expect(Number.isSafeInteger(value) && value >= 0, `value ${value}`).toBe(true);
    }), 1500);
  });

  it('ip_local_port_range: null exactly when there is an issue; otherwise 0 <= low <= high <= 65535', () => {
    fuzz(fc.property(oneValueInputs(SYSCTL_FIXTURES), (text) => {
      const { value, issues } = parsePortRange(text, 'f');
      expect(value === null).toBe(issues.length > 0);
      if (value !== null) {
        const [low, high] = value;
        expect(Number.isInteger(low) && Number.isInteger(high) && low >= 0 && low <= high && high <= 65535, `range ${value}`).toBe(true);
      }
    }), 1500);
  });

  it('sysctl integer: every safe integer round-trips', () => {
    fuzz(fc.property(renderedArb(fc.oneof(fc.nat(), fc.nat({ max: Number.MAX_SAFE_INTEGER }))), ({ v, text }) => {
      expect(parseSysctlInteger(text, 'f')).toEqual({ value: v, issues: [] });
    }), 500);
  });

  it('ip_local_port_range: every valid range round-trips', () => {
    const rangeArb = fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }))
      .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]);
    fuzz(fc.property(rangeArb, fc.constantFrom('\t', ' ', '  \t'), ([low, high], sep) => {
      expect(parsePortRange(`${low}${sep}${high}\n`, 'f')).toEqual({ value: [low, high], issues: [] });
    }), 500);
  });
});

describe(`sysfs parsers fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({ name: 'sysfs integer', parse: parseSysfsInteger, fixtures: SYSFS_FIXTURES, corpus: [] });

  it('sysfs integer: null or a safe non-negative integer; an issue always comes with null', () => {
    fuzz(fc.property(oneValueInputs(SYSFS_FIXTURES), (text) => {
      const { value, issues } = parseSysfsInteger(text, 'f');
      if (issues.length > 0) expect(value).toBeNull();
      if (value !== null) expect(Number.isSafeInteger(value) && value >= 0, `value ${value}`).toBe(true);
    }), 1500);
  });

  it('sysfs integer: non-negative values round-trip, -1 (unknown speed) is null without an issue', () => {
    fuzz(fc.property(renderedArb(fc.oneof(fc.nat(), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.constant(-1))), ({ v, text }) => {
      expect(parseSysfsInteger(text, 'f')).toEqual({ value: v < 0 ? null : v, issues: [] });
    }), 500);
  });

  it('parseLinkInfo: any mix of absent and odd files never throws; issues name the file and a line in it', () => {
    const texts = oneValueInputs(SYSFS_FIXTURES);
    const textsArb = fc.record(
      Object.fromEntries(LINK_FILES.map((f) => [f, fc.option(texts, { freq: 4 })])) as Record<LinkFile, fc.Arbitrary<string | null>>,
    );
    fuzz(fc.property(textsArb, (byFile) => {
      const dir = '/sys/class/net/eth0';
      const { value, issues } = expectSaneResult(() => parseLinkInfo(byFile, dir), '', () => true);
      for (const issue of issues) {
        const name = issue.file.slice(dir.length + 1) as LinkFile;
        expect(issue.file.startsWith(`${dir}/`) && LINK_FILES.includes(name), `issue file ${issue.file}`).toBe(true);
        expectIssuesWithinInput([issue], byFile[name] ?? '', issue.file);
      }
      for (const f of ['speedMbps', 'mtu', 'carrierChanges'] as const) {
        const v = value[f];
        if (v !== null) expect(Number.isSafeInteger(v) && v >= 0, `${f} ${v}`).toBe(true);
      }
      if (byFile.operstate === null) expect(value.operState).toBeNull();
    }), 1500);
  });

  it('parseLinkInfo: generated link files round-trip', () => {
    const arb = fc.record({
      operstate: fc.option(fc.constantFrom('up', 'down', 'unknown', 'dormant', 'lowerlayerdown', 'notpresent', 'testing')),
      speed: fc.option(fc.oneof(fc.constant(-1), fc.nat({ max: 400_000 }))),
      mtu: fc.option(fc.integer({ min: 68, max: 65536 })),
      carrierChanges: fc.option(fc.nat()),
    });
    fuzz(fc.property(arb, (l) => {
      const line = (v: string | number | null) => (v === null ? null : `${v}\n`);
      const { value, issues } = parseLinkInfo(
        { operstate: line(l.operstate), speed: line(l.speed), mtu: line(l.mtu), carrier_changes: line(l.carrierChanges) },
        'dir',
      );
      expect(issues).toEqual([]);
      expect(value).toEqual({
        operState: l.operstate,
        speedMbps: l.speed === null || l.speed < 0 ? null : l.speed,
        mtu: l.mtu,
        carrierChanges: l.carrierChanges,
      });
    }), 500);
  });

  it('the line-count helper counts a final newline as an empty last line (what issue lines are checked against)', () => {
    expect([lineCount(''), lineCount('1'), lineCount('1\n'), lineCount('1\n2')]).toEqual([1, 1, 2, 2]);
  });
});
