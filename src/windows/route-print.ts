/**
 * Parser for Windows `route print`: the Interface List, then an IPv4 and an IPv6 route table,
 * each with Active and Persistent routes. CRLF line endings.
 *
 * Sections are found by their shape, not their English titles, so a localized Windows parses
 * too: the title starting with `IPv4`/`IPv6` opens a table, and inside a table the first line
 * ending in `:` is "Active Routes:", the second "Persistent Routes:". IPv6 rows whose
 * destination is too long for its column put the gateway on the next line.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { ParseIssue, ParseResult } from '../errors.js';
import type { IpFamily } from '../snapshot/types.js';
import { ipv4MaskToPrefix, parseCount, splitLines } from '../platform/ip_text.js';

export interface RoutePrintInterface {
  index: number;
  /** `00:ff:58:60:5f:61`, or null for interfaces without one (loopback, tunnels). */
  mac: string | null;
  name: string;
}

export interface RoutePrintRoute {
  line: number;
  family: IpFamily;
  /** From the "Persistent Routes" list: configuration, not necessarily in effect. */
  persistent: boolean;
  /** CIDR: `0.0.0.0/0`, `fe80::/64`. */
  destination: string;
  /** The destination column as printed (IPv4 without the mask). */
  network: string;
  netmask: string | null;
  /** As printed: an address or `On-link`. */
  gatewayText: string;
  /** The next hop, or null for on-link routes. */
  gateway: string | null;
  /** IPv4: the address of the interface; IPv6: its index (`If`); null for IPv4 persistent routes. */
  interface: string | null;
  /** null for a persistent route whose metric reads `Default` (set by the adapter's IP settings). */
  metric: number | null;
}

export interface RoutePrint {
  interfaces: RoutePrintInterface[];
  routes: RoutePrintRoute[];
}

type Section = 'none' | 'interfaces' | 'inet' | 'inet6';

const INTERFACE_ROW = /^\s*(\d+)\.{3}((?:[0-9A-Fa-f]{2} )*[0-9A-Fa-f]{2})? ?\.*(.*)$/;

export function parseRoutePrint(text: string, file: string): ParseResult<RoutePrint> {
  const value: RoutePrint = { interfaces: [], routes: [] };
  const issues: ParseIssue[] = [];
  let section: Section = 'none';
  let listsSeen = 0; // colon-terminated titles inside a route table: 1 = active, 2 = persistent
  let pending: { line: number; words: string[] } | null = null; // IPv6 row waiting for its gateway line

  const flushPending = (): void => {
    if (pending !== null) {
      issues.push({ file, line: pending.line, reason: 'IPv6 route without a gateway' });
      pending = null;
    }
  };

  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || /^=+$/.test(trimmed)) return;
    const words = trimmed.split(/\s+/);

    if (section === 'inet6' && pending !== null) {
      if (words.length === 1 && /^\s{8,}/.test(raw)) {
        addIpv6Route({ value, issues, file, line: pending.line, words: [...pending.words, trimmed], persistent: listsSeen > 1 });
        pending = null;
        return;
      }
      flushPending();
    }

    if (/^Interface List/i.test(trimmed) || (section === 'none' && INTERFACE_ROW.test(raw))) {
      section = 'interfaces';
      if (/^Interface List/i.test(trimmed)) return;
    }
    if (/^IPv4\b/.test(trimmed)) {
      section = 'inet';
      listsSeen = 0;
      return;
    }
    if (/^IPv6\b/.test(trimmed)) {
      section = 'inet6';
      listsSeen = 0;
      return;
    }
    if (section !== 'interfaces' && trimmed.endsWith(':')) {
      listsSeen += 1;
      return;
    }

    if (section === 'interfaces') {
      const m = INTERFACE_ROW.exec(raw);
      if (m === null) {
        issues.push({ file, line, reason: `bad interface list row: ${JSON.stringify(trimmed)}` });
        return;
      }
      value.interfaces.push({
        index: Number(m[1]),
        mac: m[2] === undefined ? null : m[2].toLowerCase().split(' ').join(':'),
        name: (m[3] as string).trim(),
      });
      return;
    }
    if (section === 'inet' && isIPv4(words[0] as string)) {
      addIpv4Route({ value, issues, file, line, words, persistent: listsSeen > 1 });
      return;
    }
    if (section === 'inet6' && /^\d+$/.test(words[0] as string)) {
      if (words.length === 3) pending = { line, words };
      else addIpv6Route({ value, issues, file, line, words, persistent: listsSeen > 1 });
      return;
    }
    // Column headers ("Network Destination ...", " If Metric ...") and "None".
  });
  flushPending();

  return { value, issues };
}

/** One route row as read, with where the result and any issue go. */
interface RouteRow {
  value: RoutePrint;
  issues: ParseIssue[];
  file: string;
  line: number;
  words: string[];
  /** From the "Persistent Routes" list (no interface column). */
  persistent: boolean;
}

function addIpv4Route({ value, issues, file, line, words, persistent }: RouteRow): void {
  // Active: destination mask gateway interface metric; persistent: destination mask gateway metric.
  // The gateway may be more than one word on a localized Windows ("Auf Verbindung").
  const tail = persistent ? 1 : 2;
  if (words.length < 3 + tail) {
    issues.push({ file, line, reason: `expected at least ${3 + tail} columns, got ${words.length}` });
    return;
  }
  const [network, netmask] = words as [string, string];
  const metricText = words[words.length - 1] as string;
  const metric = parseCount(metricText);
  const prefix = ipv4MaskToPrefix(netmask);
  const iface = persistent ? null : (words[words.length - 2] as string);
  const gatewayText = words.slice(2, words.length - tail).join(' ');
  const metricOk = metric !== null || (persistent && /^\p{L}+$/u.test(metricText));
  if (!metricOk || prefix === null || (iface !== null && !isIPv4(iface))) {
    issues.push({ file, line, reason: `bad IPv4 route: ${JSON.stringify(words.join(' '))}` });
    return;
  }
  value.routes.push({
    line,
    family: 'inet',
    persistent,
    destination: `${network}/${prefix}`,
    network,
    netmask,
    gatewayText,
    gateway: isIPv4(gatewayText) ? gatewayText : null,
    interface: iface,
    metric,
  });
}

function addIpv6Route({ value, issues, file, line, words, persistent }: RouteRow): void {
  if (words.length < 4) {
    issues.push({ file, line, reason: `expected If, Metric, Network Destination and Gateway, got ${JSON.stringify(words.join(' '))}` });
    return;
  }
  const [ifText, metricText, destination] = words as [string, string, string];
  const metric = parseCount(metricText);
  const slash = destination.lastIndexOf('/');
  const gatewayText = words.slice(3).join(' ');
  if (metric === null || slash === -1 || !isIPv6(destination.slice(0, slash)) || gatewayText === '') {
    issues.push({ file, line, reason: `bad IPv6 route: ${JSON.stringify(words.join(' '))}` });
    return;
  }
  value.routes.push({
    line,
    family: 'inet6',
    persistent,
    destination,
    network: destination,
    netmask: null,
    gatewayText,
    gateway: isIPv6(gatewayText) ? gatewayText : null,
    interface: ifText,
    metric,
  });
}
