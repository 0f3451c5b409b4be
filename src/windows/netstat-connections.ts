/**
 * Parser for Windows `netstat` connection listings: `netstat -ano` (the fallback sampler),
 * `-aonb` (with the `-b` owner lines under each row) and the plain `netstat` form (host and
 * service names instead of numbers). The files have CRLF line endings and a leading blank line.
 *
 * Rows are recognised by their protocol word, not by column positions, so the localized header
 * of a non-English Windows does not matter. Column count tells the layouts apart: TCP rows have
 * a State word, UDP rows leave State empty; `-o` adds the PID, `-t` an offload state after it.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import type { IpFamily } from '../snapshot/types.js';
import { splitWindowsEndpoint } from './endpoint.js';
import { parseCount, parsePort, splitLines } from '../platform/ip_text.js';
import { isWindowsTcpState, type WindowsTcpState } from './states.js';

export interface NetstatConnection {
  line: number;
  proto: 'TCP' | 'UDP';
  family: IpFamily;
  localAddress: string;
  localPortText: string;
  /** null when the port is not numeric (the plain form prints service names such as `https`). */
  localPort: number | null;
  /** null for `*` (UDP has no remote side). */
  remoteAddress: string | null;
  remotePortText: string;
  remotePort: number | null;
  /** null for UDP, which has no state. */
  state: WindowsTcpState | null;
  /** null when the listing was made without `-o`. */
  pid: number | null;
  /** `-b`: the service/component lines above the executable (`RpcSs`). */
  components: string[];
  /** `-b`: the executable in brackets (`svchost.exe`), brackets removed. */
  executable: string | null;
  /** `-b`: Windows printed "Can not obtain ownership information". */
  ownerUnknown: boolean;
}

const PROTOCOLS: Readonly<Record<string, 'TCP' | 'UDP'>> = { TCP: 'TCP', TCPV6: 'TCP', UDP: 'UDP', UDPV6: 'UDP' };
const NO_OWNER = 'Can not obtain ownership information';

export function parseNetstatConnections(text: string, file: string): ParseResult<NetstatConnection[]> {
  const rows: NetstatConnection[] = [];
  const issues: ParseIssue[] = [];
  // The row the next `-b` line belongs to; null after a rejected row, so its owner lines are
  // dropped with it instead of being pinned on the row before.
  let current: NetstatConnection | null = null;
  let seenRow = false;

  splitLines(text).forEach((raw, index) => {
    const lineNo = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const words = trimmed.split(/\s+/);
    const proto = PROTOCOLS[(words[0] ?? '').toUpperCase()];
    if (proto !== undefined) {
      seenRow = true;
      const parsed = parseRow(proto, words, lineNo);
      if (typeof parsed === 'string') {
        issues.push({ file, line: lineNo, reason: parsed });
        current = null;
      } else {
        rows.push(parsed);
        current = parsed;
      }
      return;
    }
    // Before the first row: the title and the (possibly localized) column header.
    if (!seenRow) return;
    if (/^\s/.test(raw)) {
      if (current !== null) addOwnerLine(current, trimmed);
      return;
    }
    issues.push({ file, line: lineNo, reason: `unrecognized line: ${JSON.stringify(trimmed)}` });
    current = null;
  });

  return { value: rows, issues };
}

function addOwnerLine(row: NetstatConnection, text: string): void {
  if (text.startsWith('[') && text.endsWith(']')) row.executable = text.slice(1, -1);
  else if (text === NO_OWNER) row.ownerUnknown = true;
  else row.components.push(text);
}

/** A row, or the reason it was rejected. */
function parseRow(proto: 'TCP' | 'UDP', words: string[], line: number): NetstatConnection | string {
  const isTcp = proto === 'TCP';
  // TCP: proto local remote state [pid [offload]]; UDP: proto local remote [pid].
  const base = isTcp ? 4 : 3;
  if (words.length < base || words.length > base + (isTcp ? 2 : 1)) {
    return `expected ${base} to ${base + (isTcp ? 2 : 1)} columns for ${proto}, got ${words.length}`;
  }
  const local = splitWindowsEndpoint(words[1] as string);
  if (local === null) return `bad local address ${JSON.stringify(words[1])}`;
  const remote = splitWindowsEndpoint(words[2] as string);
  if (remote === null) return `bad foreign address ${JSON.stringify(words[2])}`;

  let state: WindowsTcpState | null = null;
  if (isTcp) {
    const word = words[3] as string;
    if (!isWindowsTcpState(word)) return `unknown TCP state ${JSON.stringify(word)}`;
    state = word;
  }
  const pidText = words[base];
  let pid: number | null = null;
  if (pidText !== undefined) {
    pid = parseCount(pidText);
    if (pid === null) return `bad PID ${JSON.stringify(pidText)}`;
  }

  return {
    line,
    proto,
    family: local.address.includes(':') ? 'inet6' : 'inet',
    localAddress: local.address,
    localPortText: local.portText,
    localPort: parsePort(local.portText),
    remoteAddress: remote.address === '*' ? null : remote.address,
    remotePortText: remote.portText,
    remotePort: parsePort(remote.portText),
    state,
    pid,
    components: [],
    executable: null,
    ownerUnknown: false,
  };
}
