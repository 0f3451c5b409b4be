/**
 * The process behind a listener (or an outbound-connection group): pid and name come with the
 * item; the command line and the owning user are looked up, because "nc -l 4444 run by www-data"
 * is what tells a person whether to worry.
 */
import { processLabel } from './top.js';
import type { Evidence, EvidenceContext } from './types.js';

/** What a listener or outbound.byProcess item says about its process. */
interface ProcessItem {
  pid: number | null;
  process: string | null;
  /** The socket's owner uid (listeners), a fallback when /proc/<pid>/status cannot be read. */
  uid?: number | null;
}

function isProcessItem(item: unknown): item is ProcessItem {
  return typeof item === 'object' && item !== null && 'pid' in item && 'process' in item;
}

/** `4242/nc as alice (uid 1000): nc -l 4444`, leaving out what is not known. */
export function describeProcess(pid: number | null, name: string | null, uid: number | null, user: string | null, commandLine: string | null): string {
  const who = pid === null ? 'an unknown process' : processLabel(pid, name);
  const as = uid === null ? '' : user === null ? ` as uid ${uid}` : ` as ${user} (uid ${uid})`;
  return `${who}${as}${commandLine ? `: ${commandLine}` : ''}`;
}

export function processEvidence(ctx: EvidenceContext, item: unknown): Evidence | null {
  if (!isProcessItem(item)) return null;
  const { pid, process: name } = item;
  const details = pid === null ? null : ctx.processes.details(pid, name, ctx.commandLine);
  const uid = details?.uid ?? item.uid ?? null;
  const user = uid === null ? null : ctx.processes.userName(uid);
  const commandLine = ctx.commandLine ? (details?.commandLine ?? null) : null;
  return {
    values: { pid, name, commandLine, uid, user, description: describeProcess(pid, name, uid, user, commandLine) },
    // OTel semantic conventions: process.owner is the user name, process.user.id the effective
    // uid (an int); user.id repeats it as the string the generic user attribute is defined as.
    attributes: {
      ...(pid === null ? {} : { 'process.pid': pid }),
      ...(name === null ? {} : { 'process.executable.name': name }),
      ...(commandLine === null ? {} : { 'process.command_line': commandLine }),
      ...(user === null ? {} : { 'process.owner': user }),
      ...(uid === null ? {} : { 'process.user.id': uid, 'user.id': String(uid) }),
    },
  };
}
