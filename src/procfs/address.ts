import { endianness } from 'node:os';

/**
 * procfs prints each 32-bit word of an address with `%08X` in host byte order, so on a
 * little-endian host `127.0.0.1` reads `0100007F`. We reverse each word's bytes on such hosts.
 */
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';
const HEX_WORD = /^[0-9A-Fa-f]{8}$/;

function wordBytes(hex: string, littleEndian: boolean): number[] | null {
  if (!HEX_WORD.test(hex)) return null;
  const value = parseInt(hex, 16);
  const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  return littleEndian ? bytes.reverse() : bytes;
}

/** Network-order bytes of a procfs hex address (8 hex chars for IPv4, 32 for IPv6). */
export function hexAddressBytes(hex: string, littleEndian = HOST_IS_LITTLE_ENDIAN): number[] | null {
  if (hex.length !== 8 && hex.length !== 32) return null;
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) {
    const word = wordBytes(hex.slice(i, i + 8), littleEndian);
    if (word === null) return null;
    bytes.push(...word);
  }
  return bytes;
}

export function formatIpv4(bytes: readonly number[]): string {
  return bytes.join('.');
}

/** The longest run of two or more zero groups, first one on ties, as glibc's inet_ntop picks it. */
function longestZeroRun(groups: readonly number[]): { start: number; length: number } {
  let best = { start: -1, length: 0 };
  let start = -1;
  for (let i = 0; i <= groups.length; i++) {
    if (i < groups.length && groups[i] === 0) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start > best.length) best = { start, length: i - start };
    start = -1;
  }
  return best.length >= 2 ? best : { start: -1, length: 0 };
}

/**
 * IPv6 text exactly as glibc's inet_ntop (and so `ss`) prints it: lower-case, longest zero run
 * compressed, and the last 32 bits dotted for v4-mapped (`::ffff:1.2.3.4`) and v4-compatible
 * (`::1.2.3.4`) addresses.
 */
export function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  const run = longestZeroRun(groups);
  const embedsIpv4 = run.start === 0 && (run.length === 6 || (run.length === 5 && groups[5] === 0xffff));
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i >= run.start && i < run.start + run.length) {
      if (i === run.start) text += ':';
      continue;
    }
    if (i > 0) text += ':';
    if (i === 6 && embedsIpv4) return text + formatIpv4(bytes.slice(12, 16));
    text += groups[i]!.toString(16);
  }
  if (run.start >= 0 && run.start + run.length === 8) text += ':';
  return text;
}

/** Decodes a procfs hex address to `ss` text; null when the hex is malformed. */
export function decodeHexAddress(hex: string, littleEndian = HOST_IS_LITTLE_ENDIAN): string | null {
  const bytes = hexAddressBytes(hex, littleEndian);
  if (bytes === null) return null;
  return bytes.length === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** The 8-hex-char little-endian IPv4 form used by /proc/net/route. */
export function decodeIpv4Hex(hex: string, littleEndian = HOST_IS_LITTLE_ENDIAN): string | null {
  return hex.length === 8 ? decodeHexAddress(hex, littleEndian) : null;
}

/**
 * /proc/net/ipv6_route prints addresses as 32 hex chars in network order (no per-word swap),
 * unlike /proc/net/tcp6.
 */
export function decodeIpv6NetworkOrderHex(hex: string): string | null {
  return hexAddressBytes(hex, false)?.length === 16 ? formatIpv6(hexAddressBytes(hex, false)!) : null;
}
