/**
 * Parser for macOS `netstat -rn` (and `-rnl`): "Internet:" and "Internet6:" tables, each with
 * its own header. Columns differ by flag and version (`-l` adds Mtu; IPv6 tables without `-l`
 * have no Refs/Use), so they are read by header name. Expire is blank for most routes.
 * With `-n` netstat does not cut destinations or gateways (route.c prints them with `%-*s`).
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import type { IpFamily } from '../snapshot/types.js';
import { parseCount, splitLines } from '../platform/ip_text.js';

export interface DarwinRouteRow {
  line: number;
  family: IpFamily;
  /** As printed: `default`, `127`, `192.168.1`, `224.0.0/4`, `fe80::%lo0/64`, `::1`. */
  destination: string;
  /** As printed: an address, `link#10`, or a link-layer address for neighbour entries. */
  gateway: string;
  flags: string;
  refs: number | null;
  use: number | null;
  mtu: number | null;
  netif: string;
  expire: string | null;
}

export function parseDarwinRoutes(text: string, file: string): ParseResult<DarwinRouteRow[]> {
  const rows: DarwinRouteRow[] = [];
  const issues: ParseIssue[] = [];
  let family: IpFamily | null = null;
  let columns: string[] | null = null;

  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed === 'Routing tables') return;
    if (/^Internet6?:$/.test(trimmed)) {
      family = trimmed === 'Internet:' ? 'inet' : 'inet6';
      columns = null;
      return;
    }
    if (family === null) return; // other families (AppleTalk, ...) and titles
    if (columns === null) {
      if (trimmed.startsWith('Destination')) columns = trimmed.split(/\s+/);
      return;
    }
    const words = trimmed.split(/\s+/);
    // Expire, the last column, is often blank.
    const hasExpire = words.length === columns.length;
    if (!hasExpire && words.length !== columns.length - 1) {
      issues.push({ file, line, reason: `expected ${columns.length - 1} or ${columns.length} columns, got ${words.length}` });
      return;
    }
    const cell = (name: string): string | undefined => {
      const i = (columns as string[]).indexOf(name);
      return i === -1 ? undefined : words[i];
    };
    const number = (name: string): number | null | 'bad' => {
      const v = cell(name);
      if (v === undefined) return null;
      return parseCount(v) ?? 'bad';
    };
    const refs = number('Refs');
    const use = number('Use');
    const mtu = number('Mtu');
    const netif = cell('Netif');
    if (refs === 'bad' || use === 'bad' || mtu === 'bad' || netif === undefined) {
      issues.push({ file, line, reason: `bad route row: ${JSON.stringify(trimmed)}` });
      return;
    }
    rows.push({
      line,
      family,
      destination: words[0] as string,
      gateway: words[1] as string,
      flags: words[2] as string,
      refs,
      use,
      mtu,
      netif,
      expire: hasExpire ? (cell('Expire') ?? null) : null,
    });
  });

  return { value: rows, issues };
}
