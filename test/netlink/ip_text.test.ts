/** The fast address text of both socket paths is exactly procfs/address.ts's (and so ss's). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IpTextCache } from '../../src/netlink/ip_text.js';
import { formatIpv4, formatIpv6 } from '../../src/procfs/address.js';

const word = (b: readonly number[], i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const byteArb = fc.oneof(fc.constant(0), fc.constant(0xff), fc.integer({ min: 0, max: 255 }));
/** Bytes biased to zero runs and ffff, where inet_ntop's special cases live. */
const ipv6Arb = fc.oneof(
  fc.array(byteArb, { minLength: 16, maxLength: 16 }),
  fc.tuple(fc.nat({ max: 16 }), fc.array(byteArb, { minLength: 16, maxLength: 16 })).map(([zeros, rest]) => [...Array(zeros).fill(0), ...rest].slice(0, 16)),
  fc.array(byteArb, { minLength: 4, maxLength: 4 }).map((v4) => [...Array(10).fill(0), 0xff, 0xff, ...v4]),
  fc.array(byteArb, { minLength: 4, maxLength: 4 }).map((v4) => [...Array(12).fill(0), ...v4]),
);

describe('IpTextCache', () => {
  const cache = new IpTextCache();

  it('formats IPv4 as formatIpv4 does, memo hits included', () => {
    fc.assert(fc.property(fc.array(byteArb, { minLength: 4, maxLength: 4 }), (b) => {
      expect(cache.ipv4(word(b, 0))).toBe(formatIpv4(b));
      expect(cache.ipv4(word(b, 0))).toBe(formatIpv4(b));
    }), { numRuns: 3000, seed: 42 });
  });

  it('formats IPv6 as formatIpv6 (glibc inet_ntop) does', () => {
    fc.assert(fc.property(ipv6Arb, (b) => {
      expect(cache.ipv6(word(b, 0), word(b, 4), word(b, 8), word(b, 12))).toBe(formatIpv6(b));
    }), { numRuns: 5000, seed: 42 });
  });

  it('keeps the forms ss prints', () => {
    const v6 = (...groups: number[]) => cache.ipv6(((groups[0]! << 16) | groups[1]!) >>> 0, ((groups[2]! << 16) | groups[3]!) >>> 0, ((groups[4]! << 16) | groups[5]!) >>> 0, ((groups[6]! << 16) | groups[7]!) >>> 0);
    expect(v6(0, 0, 0, 0, 0, 0, 0, 0)).toBe('::');
    expect(v6(0, 0, 0, 0, 0, 0, 0, 1)).toBe('::1');
    expect(v6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001)).toBe('::ffff:10.0.0.1');
    expect(v6(0xfe80, 0, 0, 0, 0x56e1, 0xadff, 0xfe7c, 0x6609)).toBe('fe80::56e1:adff:fe7c:6609');
    expect(v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)).toBe('2001:db8::1:0:0:1');
  });
});
