/**
 * Parser for `lsof -nP -iTCP -sTCP:LISTEN` (the sampler adds `-iUDP` and `+c 0`, for UDP
 * sockets and uncut command names):
 *
 *   COMMAND     PID      USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME
 *   BetterTou 34548 grgarside   20u  IPv4 0xa42a1d0ade5d3585      0t0  TCP *:62981 (LISTEN)
 *   mDNSRespo   212 _mdnsrespo    7u  IPv4 0xa42a1d0ad67f7a5d      0t0  UDP *:5353
 *
 * The source of process names on macOS releases whose `netstat -v` shows pids only. lsof
 * escapes spaces and other unprintable bytes in COMMAND as `\xHH`, so the row splits on blanks.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parseCount, parsePort, splitLines } from '../platform/ip_text.js';

export interface LsofRow {
  line: number;
  command: string;
  pid: number;
  user: string;
  /** `IPv4` or `IPv6`. */
  type: string;
  /** `TCP` or `UDP`. */
  protocol: string;
  /** `*` for any, brackets removed from IPv6. */
  address: string;
  port: number | null;
  /** `LISTEN`, ..., or null when lsof printed none. */
  state: string | null;
}

export function parseLsof(text: string, file: string): ParseResult<LsofRow[]> {
  const rows: LsofRow[] = [];
  const issues: ParseIssue[] = [];
  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const words = raw.trim().split(/\s+/);
    if (words[0] === '' || words[0] === 'COMMAND') return;
    // COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME [(STATE)]
    const state = /^\((\w+)\)$/.exec(words[words.length - 1] as string);
    const fields = state === null ? words : words.slice(0, -1);
    const pid = parseCount(fields[1] ?? '');
    const name = fields[8];
    const endpoint = name === undefined ? null : /^(\[[^\]]+\]|[^:]+):(\S+?)(?:->\S+)?$/.exec(name);
    if (fields.length !== 9 || pid === null || endpoint === null) {
      issues.push({ file, line, reason: `bad lsof row: ${JSON.stringify(raw.trim())}` });
      return;
    }
    rows.push({
      line,
      command: (fields[0] as string).replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      pid,
      user: fields[2] as string,
      type: fields[4] as string,
      protocol: fields[7] as string,
      address: (endpoint[1] as string).replace(/^\[(.*)\]$/, '$1'),
      port: parsePort(endpoint[2] as string),
      state: state === null ? null : (state[1] as string),
    });
  });
  return { value: rows, issues };
}
