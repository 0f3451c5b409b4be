import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePortRange, parseSysctlInteger } from '../../src/procfs/sysctl.js';
import { fixturePath } from '../corpus.js';

const fixture = (relative: string): string => readFileSync(fixturePath(relative), 'utf8');

// The procfs corpus has no /proc/sys files (EXPECTED.md says so); these come from this host.
describe('sysctl parsers on fixtures/linux-vm (as `cat` showed them)', () => {
  it('nf_conntrack_count is 0 and nf_conntrack_max 262144', () => {
    const count = 'linux-vm/proc/sys/net/netfilter/nf_conntrack_count';
    const max = 'linux-vm/proc/sys/net/netfilter/nf_conntrack_max';
    expect(parseSysctlInteger(fixture(count), count)).toEqual({ value: 0, issues: [] });
    expect(parseSysctlInteger(fixture(max), max)).toEqual({ value: 262144, issues: [] });
  });

  it('ip_local_port_range is 32768-60999 (tab separated)', () => {
    const file = 'linux-vm/proc/sys/net/ipv4/ip_local_port_range';
    expect(fixture(file)).toBe('32768\t60999\n');
    expect(parsePortRange(fixture(file), file)).toEqual({ value: [32768, 60999], issues: [] });
  });
});

describe('sysctl parsers on fixtures/broken', () => {
  it('a non-number count', () => {
    const file = 'broken/proc/sys/net/netfilter/nf_conntrack_count';
    expect(parseSysctlInteger(fixture(file), file)).toEqual({
      value: null,
      issues: [{ file, line: 1, reason: '"12a4" is not a non-negative integer' }],
    });
  });

  it('an empty max file', () => {
    const file = 'broken/proc/sys/net/netfilter/nf_conntrack_max';
    expect(parseSysctlInteger(fixture(file), file)).toEqual({ value: null, issues: [{ file, line: null, reason: 'empty file' }] });
  });

  it('a port range with one number', () => {
    const file = 'broken/proc/sys/net/ipv4/ip_local_port_range';
    expect(parsePortRange(fixture(file), file)).toEqual({
      value: null,
      issues: [{ file, line: 1, reason: 'expected two numbers, found 1 fields' }],
    });
  });
});

describe('parseSysctlInteger rules', () => {
  it.each([
    ['65536\n', 65536],
    ['  7 \n', 7],
    ['4294967296', 4294967296],
  ])('%j -> %d', (text, value) => {
    expect(parseSysctlInteger(text, 'inline')).toEqual({ value, issues: [] });
  });

  it.each([
    ['-1\n', 1, '"-1" is not a non-negative integer'],
    ['1 2\n', 1, 'expected one number, found 2 fields'],
    ['\n3\n4\n', 3, 'expected one line, found 2'],
    ['  \n', null, 'empty file'],
  ])('%j is an issue', (text, line, reason) => {
    expect(parseSysctlInteger(text, 'inline')).toEqual({ value: null, issues: [{ file: 'inline', line, reason }] });
  });
});

describe('parsePortRange rules', () => {
  it('accepts spaces as well as a tab, and a one-port range', () => {
    expect(parsePortRange('1024 65535\n', 'inline').value).toEqual([1024, 65535]);
    expect(parsePortRange('40000\t40000\n', 'inline').value).toEqual([40000, 40000]);
  });

  it.each([
    ['60999\t32768\n', 'port range 60999-32768 ends below its start'],
    ['1024\t70000\n', 'port range 1024-70000 goes above 65535'],
    ['1024\tx\n', '"1024 x" is not two non-negative integers'],
    ['1 2 3\n', 'expected two numbers, found 3 fields'],
  ])('%j is an issue', (text, reason) => {
    expect(parsePortRange(text, 'inline')).toEqual({ value: null, issues: [{ file: 'inline', line: 1, reason }] });
  });
});
