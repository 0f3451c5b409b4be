/**
 * Small text helpers for addresses, ports and counters in command output. Platform-neutral; the
 * darwin parsers use them too (see the note in ./assemble.ts about where shared code lives).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { IpFamily } from '../snapshot/types.js';

/** Family of an IP literal, or null when the text is not one (a host name, a cut-off address). */
export function ipFamily(address: string): IpFamily | null {
  if (isIPv4(address)) return 'inet';
  if (isIPv6(address)) return 'inet6';
  return null;
}

/** A decimal port 0–65535, or null (service names such as `https`, `*`, garbage). */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/** A non-negative decimal counter that a JS number holds exactly, or null. */
export function parseCount(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** `255.255.240.0` → 20; null when the text is not a contiguous IPv4 mask. */
export function ipv4MaskToPrefix(mask: string): number | null {
  if (!isIPv4(mask)) return null;
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  if (!/^1*0*$/.test(bits)) return null;
  const firstZero = bits.indexOf('0');
  return firstZero === -1 ? 32 : firstZero;
}

/** `fe80::1%9` → `fe80::1`: zone ids name an interface, which routes carry separately. */
export function stripZone(address: string): string {
  const at = address.indexOf('%');
  return at === -1 ? address : address.slice(0, at);
}

/** Splits text on CR?LF, so CRLF files (Windows) and LF files read the same. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
