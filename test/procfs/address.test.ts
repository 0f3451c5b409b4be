import { describe, expect, it } from 'vitest';
import { decodeHexAddress, decodeIpv6NetworkOrderHex, formatIpv6 } from '../../src/procfs/address.js';

const v6 = (text: string): number[] => {
  // Test-only expansion of a full 8-group address into bytes.
  const groups = text.split(':').map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
};

describe('decodeHexAddress (little-endian words, as /proc/net/tcp prints on x86)', () => {
  it.each([
    ['0100007F', '127.0.0.1'],
    ['00000000', '0.0.0.0'],
    ['3500007F', '127.0.0.53'],
    ['0101A8C0', '192.168.1.1'],
    ['00000000000000000000000001000000', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['0000000000000000FFFF00000100007F', '::ffff:127.0.0.1'],
    // Expected text checked against Python's socket.inet_ntop on the same bytes.
    ['000080FE00000000FF005002FEB8BF0B', 'fe80::250:ff:bbf:b8fe'],
  ])('%s -> %s', (hex, text) => {
    expect(decodeHexAddress(hex, true)).toBe(text);
  });

  it('reads words in network order on big-endian hosts', () => {
    expect(decodeHexAddress('7F000001', false)).toBe('127.0.0.1');
  });

  it.each(['0100007', 'ZZ00007F', '', '0100007F0'])('rejects malformed %j', (hex) => {
    expect(decodeHexAddress(hex, true)).toBeNull();
  });
});

describe('formatIpv6 matches glibc inet_ntop', () => {
  it.each([
    ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:0:0:0:0', '2001:db8:0:1::'],
    ['0:0:0:0:0:0:0:2', '::2'],
    ['0:0:0:0:0:0:a00:1', '::10.0.0.1'],
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ])('%s -> %s', (full, text) => {
    expect(formatIpv6(v6(full))).toBe(text);
  });
});

describe('decodeIpv6NetworkOrderHex (/proc/net/ipv6_route)', () => {
  it('does not swap words', () => {
    expect(decodeIpv6NetworkOrderHex('fe800000000000000000000000000000')).toBe('fe80::');
    expect(decodeIpv6NetworkOrderHex('00000000000000000000000000000001')).toBe('::1');
  });
});
