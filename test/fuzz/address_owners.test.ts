/**
 * Property-based tests of the small pure decoders the table parsers build on: procfs hex
 * addresses (address.ts) and `socket:[inode]` fd links (socket_owners.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHexAddress, decodeIpv4Hex, decodeIpv6NetworkOrderHex, hexAddressBytes } from '../../src/procfs/address.js';
import { socketInodeOfLink } from '../../src/procfs/socket_owners.js';
import { ipv4BytesArb, ipv4Text, ipv6BytesArb, ipv6Text, pi6, procWordsHex } from './kernel_format.js';
import { FUZZ_SEED, fuzz, junkArb } from './support.js';

const hexishArb = fc.oneof(
  junkArb,
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFxX-+ '), minLength: 0, maxLength: 40 }),
);

describe(`address decoding fuzz (seed ${FUZZ_SEED})`, () => {
  it('any text: the decoders return null or text and never throw; only 8 or 32 characters can decode', () => {
    fuzz(fc.property(hexishArb, fc.boolean(), (hex, le) => {
      const bytes = hexAddressBytes(hex, le);
      for (const out of [decodeHexAddress(hex, le), decodeIpv4Hex(hex, le), decodeIpv6NetworkOrderHex(hex)]) {
        expect(out === null || typeof out === 'string').toBe(true);
      }
      if (bytes !== null) {
        expect([8, 32]).toContain(hex.length);
        expect(bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)).toBe(true);
      }
    }), 3000);
  });

  it('procfs word-order hex (tcp, tcp6, route) decodes to the address it was rendered from', () => {
    fuzz(fc.property(fc.oneof(ipv4BytesArb, ipv6BytesArb), (bytes) => {
      const text = bytes.length === 4 ? ipv4Text(bytes) : ipv6Text(bytes);
      expect(decodeHexAddress(procWordsHex(bytes))).toBe(text);
      expect(decodeHexAddress(procWordsHex(bytes).toLowerCase())).toBe(text);
    }), 2000);
  });

  it('network-order hex (ipv6_route) decodes to the address it was rendered from', () => {
    fuzz(fc.property(ipv6BytesArb, (bytes) => {
      expect(decodeIpv6NetworkOrderHex(pi6(bytes))).toBe(ipv6Text(bytes));
    }), 2000);
  });
});

describe(`socketInodeOfLink fuzz (seed ${FUZZ_SEED})`, () => {
  it('any link text: null or a non-negative integer, never a throw', () => {
    const linkArb = fc.oneof(
      junkArb,
      junkArb.map((j) => `socket:[${j}]`),
      fc.constantFrom('pipe:[123]', 'anon_inode:[eventfd]', '/dev/null', 'socket:[]', 'socket:[12', 'socket:[-1]', ' socket:[1]'),
    );
    fuzz(fc.property(linkArb, (link) => {
      const inode = socketInodeOfLink(link);
      expect(inode === null || (Number.isInteger(inode) && inode >= 0), `inode ${inode}`).toBe(true);
    }), 2000);
  });

  it('socket:[N] round-trips for every inode up to 2^53', () => {
    fuzz(fc.property(fc.oneof(fc.nat(), fc.nat({ max: Number.MAX_SAFE_INTEGER })), (n) => {
      expect(socketInodeOfLink(`socket:[${n}]`)).toBe(n);
    }), 1000);
  });

  // Found by the first property (a 400-digit link gave Infinity); fixed in socket_owners/fd_reader.
  it('socket:[<400 digits>] is null, not Infinity', () => {
    expect(socketInodeOfLink(`socket:[${'9'.repeat(400)}]`)).toBeNull();
  });
});
