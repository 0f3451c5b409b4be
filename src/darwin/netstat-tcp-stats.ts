/**
 * Parser for macOS `netstat -s -p tcp`: a `tcp:` title, then one counter per line, tab-indented,
 * worded by printf formats in network_cmds inet.c (`%u data packet%s (%u byte%s) retransmitted`).
 *
 * Known lines are matched by pattern and named after the kernel's `struct tcpstat` fields
 * (`sndrexmitpack`); lines not in the table are skipped (every macOS release adds some). A line
 * that does not start with a number is damaged and reported.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parseCount, splitLines } from '../platform/ip_text.js';

/** Pattern → field names for its numbers, in order. */
const PATTERNS: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^(\d+) packets? sent$/, ['sndtotal']],
  [/^(\d+) data packets? \((\d+) bytes?\)$/, ['sndpack', 'sndbyte']],
  [/^(\d+) data packets? \((\d+) bytes?\) retransmitted$/, ['sndrexmitpack', 'sndrexmitbyte']],
  [/^(\d+) ack-only packets? \((\d+) delayed\)$/, ['sndacks', 'delack']],
  [/^(\d+) control packets?$/, ['sndctrl']],
  [/^(\d+) packets? received$/, ['rcvtotal']],
  [/^(\d+) duplicate acks?$/, ['rcvdupack']],
  [/^(\d+) packets? \((\d+) bytes?\) received in-sequence$/, ['rcvpack', 'rcvbyte']],
  [/^(\d+) completely duplicate packets? \((\d+) bytes?\)$/, ['rcvduppack', 'rcvdupbyte']],
  [/^(\d+) out-of-order packets? \((\d+) bytes?\)$/, ['rcvoopack', 'rcvoobyte']],
  [/^(\d+) discarded for bad checksums?$/, ['rcvbadsum']],
  [/^(\d+) discarded for bad header offset fields?$/, ['rcvbadoff']],
  [/^(\d+) discarded because packet too short$/, ['rcvshort']],
  [/^(\d+) connection requests?$/, ['connattempt']],
  [/^(\d+) connection accepts?$/, ['accepts']],
  [/^(\d+) bad connection attempts?$/, ['badsyn']],
  [/^(\d+) listen queue overflows?$/, ['listendrop']],
  [/^(\d+) connections? established \(including accepts\)$/, ['connects']],
  [/^(\d+) connections? closed \(including (\d+) drops?\)$/, ['closed', 'drops']],
  [/^(\d+) embryonic connections? dropped$/, ['conndrops']],
  [/^(\d+) retransmit timeouts?$/, ['rexmttimeo']],
  [/^(\d+) connections? dropped by rexmit timeout$/, ['timeoutdrop']],
  [/^(\d+) persist timeouts?$/, ['persisttimeo']],
  [/^(\d+) keepalive timeouts?$/, ['keeptimeo']],
  [/^(\d+) keepalive probes? sent$/, ['keepprobe']],
  [/^(\d+) connections? dropped by keepalive$/, ['keepdrops']],
  [/^(\d+) SACK recovery episodes?$/, ['sack_recovery_episode']],
  [/^(\d+) segment rexmits? in SACK recovery episodes$/, ['sack_rexmits']],
];

export function parseDarwinTcpStats(text: string, file: string): ParseResult<Record<string, number>> {
  const value: Record<string, number> = {};
  const issues: ParseIssue[] = [];
  let inTcp = false;

  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const title = /^(\S+):$/.exec(trimmed);
    if (title !== null) {
      inTcp = title[1] === 'tcp';
      return;
    }
    if (!inTcp) return;
    if (!/^\d/.test(trimmed)) {
      issues.push({ file, line, reason: `expected a counter line: ${JSON.stringify(trimmed)}` });
      return;
    }
    for (const [re, names] of PATTERNS) {
      const m = re.exec(trimmed);
      if (m === null) continue;
      names.forEach((name, i) => {
        const n = parseCount(m[i + 1] as string);
        if (n !== null) value[name] = n;
      });
      return;
    }
  });

  if (Object.keys(value).length === 0) issues.push({ file, line: null, reason: 'no TCP counters found' });
  return { value, issues };
}
