/**
 * Parser for macOS `netstat -an`-family socket listings: `netstat -anv -p tcp` / `-p udp` (the
 * sampler's), `-An`, `-Abn` (jc's corpus), `-an -f unix`. Output comes in sections, each a
 * title line and a column header:
 *
 * - "Active Internet connections": TCP/UDP/ICMP sockets. The header names the columns, and the
 *   columns differ by flag and macOS version (`-A`: Socket Flowhash first; `-b`: rxbytes
 *   txbytes; `-v`: rhiwat shiwat pid epid state options ..., or on recent macOS
 *   `process:pid`, whose process name may contain spaces). Columns are read by header name.
 *   UDP and ICMP rows leave `(state)` blank.
 * - "Active LOCAL (UNIX) domain sockets": Address Type Recv-Q Send-Q Inode Conn Refs Nextref
 *   [...] Addr; Addr (a path, may contain spaces) is optional.
 * - Multipath, kernel event/control sections: counted, not parsed (not network state).
 *
 * Cut addresses (no `-W`, see ./endpoint.ts) are kept as printed, flagged, and reported as an
 * issue per row.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parseCount, parsePort, splitLines } from '../platform/ip_text.js';
import { splitDarwinEndpoint, type DarwinEndpoint } from './endpoint.js';
import { isDarwinTcpState, type DarwinTcpState } from './states.js';

export interface DarwinInternetRow {
  line: number;
  /** As printed: `tcp4`, `tcp6`, `tcp46`, `udp4`, `icm4`. */
  proto: string;
  transport: 'tcp' | 'udp' | 'other';
  /** `46`: a dual-stack IPv6 socket. */
  ipVersion: '4' | '6' | '46';
  recvQ: number;
  sendQ: number;
  local: DarwinEndpoint;
  foreign: DarwinEndpoint;
  localPort: number | null;
  foreignPort: number | null;
  /** null for UDP/ICMP. */
  state: DarwinTcpState | null;
  /** From `pid` or `process:pid` (-v); null when not shown or 0. */
  pid: number | null;
  /** From `process:pid` (recent macOS -v). */
  process: string | null;
  /** Every other column by header name (`Socket`, `rxbytes`, `rhiwat`, `epid`, ...). */
  extra: Record<string, string>;
}

export interface DarwinUnixRow {
  line: number;
  address: string;
  type: string;
  recvQ: number;
  sendQ: number;
  /** As printed (hex kernel pointers, `0` for none). */
  inode: string;
  conn: string;
  refs: string;
  nextref: string;
  /** The bound path, or null. */
  path: string | null;
}

export interface DarwinNetstat {
  internet: DarwinInternetRow[];
  unix: DarwinUnixRow[];
  /** Rows of sections this parser does not read, by section title. */
  otherSections: Record<string, number>;
}

export interface DarwinNetstatOptions {
  /** The output was made with `-W`: nothing is cut. */
  wide?: boolean;
}

type Section =
  | { kind: 'internet'; columns: string[] | null; width: number }
  | { kind: 'unix'; columns: string[] | null }
  | { kind: 'other'; title: string; headerSeen: boolean }
  | { kind: 'none' };

const MULTIWORD = /\b(Local|Foreign) Address\b/g;

export function parseDarwinNetstat(text: string, file: string, options: DarwinNetstatOptions = {}): ParseResult<DarwinNetstat> {
  const wide = options.wide ?? false;
  const value: DarwinNetstat = { internet: [], unix: [], otherSections: {} };
  const issues: ParseIssue[] = [];
  let section: Section = { kind: 'none' };

  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;

    if (/^(Active|Registered) /.test(trimmed)) {
      if (/^Active Internet connections/.test(trimmed)) section = { kind: 'internet', columns: null, width: 22 };
      else if (/^Active LOCAL \(UNIX\) domain sockets/.test(trimmed)) section = { kind: 'unix', columns: null };
      else {
        section = { kind: 'other', title: trimmed, headerSeen: false };
        value.otherSections[trimmed] = 0;
      }
      return;
    }
    // netstat's own note when the socket list changed while it was read.
    if (/^Some \S+ sockets may have been/.test(trimmed)) return;

    switch (section.kind) {
      case 'internet': {
        if (section.columns === null && /^(Proto|Socket)\b/.test(trimmed)) {
          section.columns = headerColumns(raw);
          section.width = columnWidth(raw, section.columns);
          return;
        }
        // A listing without its title (a pasted fragment) still has its header first.
        const row = parseInternetRow(raw, line, section.columns ?? DEFAULT_COLUMNS, section.width, wide);
        if (typeof row === 'string') {
          issues.push({ file, line, reason: row });
          return;
        }
        value.internet.push(row);
        for (const [label, ep] of [['local', row.local], ['foreign', row.foreign]] as const) {
          if (ep.addressTruncated || ep.portTruncated) {
            issues.push({
              file,
              line,
              reason: `${label} address ${JSON.stringify(ep.text)} may be cut off by netstat (use -W); not trusted`,
            });
          }
        }
        return;
      }
      case 'unix': {
        if (section.columns === null && /^Address\b/.test(trimmed)) {
          section.columns = trimmed.split(/\s+/);
          return;
        }
        const row = parseUnixRow(raw, line, section.columns ?? UNIX_COLUMNS);
        if (typeof row === 'string') issues.push({ file, line, reason: row });
        else value.unix.push(row);
        return;
      }
      case 'other':
        if (!section.headerSeen) section.headerSeen = true;
        else value.otherSections[section.title] = (value.otherSections[section.title] ?? 0) + 1;
        return;
      case 'none':
        // A header without a title line: `netstat -anv -p tcp` piped through head, say.
        if (/^Proto\b/.test(trimmed)) {
          const columns = headerColumns(raw);
          section = { kind: 'internet', columns, width: columnWidth(raw, columns) };
          return;
        }
        issues.push({ file, line, reason: `line outside any section: ${JSON.stringify(trimmed)}` });
        return;
    }
  });

  return { value, issues };
}

const DEFAULT_COLUMNS = ['Proto', 'Recv-Q', 'Send-Q', 'Local Address', 'Foreign Address', '(state)'];
const UNIX_COLUMNS = ['Address', 'Type', 'Recv-Q', 'Send-Q', 'Inode', 'Conn', 'Refs', 'Nextref', 'Addr'];

function headerColumns(header: string): string[] {
  return header.trim().replace(MULTIWORD, '$1\u0000Address').split(/\s+/).map((c) => c.replace('\u0000', ' '));
}

/** The address column width, from where the header puts `Local Address` and `Foreign Address`. */
function columnWidth(header: string, columns: string[]): number {
  const local = header.indexOf('Local Address');
  const foreign = header.indexOf('Foreign Address');
  if (local !== -1 && foreign > local) return foreign - local - 1;
  return columns.includes('Socket') ? 18 : 22;
}

function parseInternetRow(
  raw: string,
  line: number,
  columns: string[],
  width: number,
  wide: boolean,
): DarwinInternetRow | string {
  const words = raw.trim().split(/\s+/);
  const protoIndex = columns.indexOf('Proto');
  const proto = words[protoIndex] ?? '';
  const m = /^(tcp|udp|icm|raw|div)(4|6|46)?$/.exec(proto);
  if (m === null) return `unknown protocol ${JSON.stringify(proto)}`;
  const transport = m[1] === 'tcp' ? 'tcp' : m[1] === 'udp' ? 'udp' : 'other';

  const cells = new Map<string, string>();
  let i = 0;
  for (const column of columns) {
    if (column === '(state)' && transport !== 'tcp') continue; // left blank for UDP/ICMP
    if (column === 'process:pid') {
      // `Helium Helper:5660`: the name may contain spaces; the field ends at `:digits`.
      const start = i;
      while (i < words.length && !/:\d+$/.test(words[i] as string)) i += 1;
      if (i >= words.length) return 'no process:pid field';
      cells.set(column, words.slice(start, i + 1).join(' '));
      i += 1;
      continue;
    }
    const word = words[i];
    if (word === undefined) return `expected a ${column} column`;
    cells.set(column, word);
    i += 1;
  }
  if (i !== words.length) return `expected ${i} columns, got ${words.length}`;

  const recvQ = parseCount(cells.get('Recv-Q') ?? '');
  const sendQ = parseCount(cells.get('Send-Q') ?? '');
  if (recvQ === null || sendQ === null) return 'bad Recv-Q or Send-Q';
  const local = splitDarwinEndpoint(cells.get('Local Address') ?? '', width, wide);
  const foreign = splitDarwinEndpoint(cells.get('Foreign Address') ?? '', width, wide);
  if (local === null || foreign === null) return 'bad local or foreign address';

  let state: DarwinTcpState | null = null;
  if (transport === 'tcp') {
    const word = (cells.get('(state)') ?? '').replace(/\*$/, '');
    if (!isDarwinTcpState(word)) return `unknown TCP state ${JSON.stringify(word)}`;
    state = word;
  }

  let pid: number | null = null;
  let processName: string | null = null;
  const processPid = cells.get('process:pid');
  if (processPid !== undefined) {
    const colon = processPid.lastIndexOf(':');
    pid = parseCount(processPid.slice(colon + 1));
    const name = processPid.slice(0, colon).trim();
    processName = name === '' || name === '-' ? null : name;
  } else if (cells.has('pid')) {
    pid = parseCount(cells.get('pid') as string);
    if (pid === null) return `bad pid ${JSON.stringify(cells.get('pid'))}`;
  }
  if (pid === 0) pid = null;

  const extra: Record<string, string> = {};
  for (const [k, v] of cells) {
    if (!['Proto', 'Recv-Q', 'Send-Q', 'Local Address', 'Foreign Address', '(state)', 'pid', 'process:pid'].includes(k)) {
      extra[k] = v;
    }
  }

  return {
    line,
    proto,
    transport,
    ipVersion: (m[2] ?? '4') as '4' | '6' | '46',
    recvQ,
    sendQ,
    local,
    foreign,
    localPort: local.portTruncated ? null : parsePort(local.portText),
    foreignPort: foreign.portTruncated ? null : parsePort(foreign.portText),
    state,
    pid,
    process: processName,
    extra,
  };
}

function parseUnixRow(raw: string, line: number, columns: string[]): DarwinUnixRow | string {
  const fixed = columns.filter((c) => c !== 'Addr');
  // The first fields are single words; Addr is the rest of the line (paths may contain spaces).
  const re = new RegExp(`^\\s*${fixed.map(() => '(\\S+)').join('\\s+')}(?:\\s(.*))?$`);
  const m = re.exec(raw);
  if (m === null) return `expected at least ${fixed.length} columns`;
  const cell = (name: string): string => m[fixed.indexOf(name) + 1] ?? '';
  const recvQ = parseCount(cell('Recv-Q'));
  const sendQ = parseCount(cell('Send-Q'));
  if (recvQ === null || sendQ === null) return 'bad Recv-Q or Send-Q';
  const path = (m[fixed.length + 1] ?? '').trim();
  return {
    line,
    address: cell('Address'),
    type: cell('Type'),
    recvQ,
    sendQ,
    inode: cell('Inode'),
    conn: cell('Conn'),
    refs: cell('Refs'),
    nextref: cell('Nextref'),
    path: path === '' ? null : path,
  };
}
