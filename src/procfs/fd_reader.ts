/**
 * The two reads behind process attribution: list every process with its fd numbers, and read
 * chosen fd links. The native addon does both with directory fds and no per-fd JS strings; the
 * fallback here does the same with node:fs. Both answer in the same typed arrays.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** Every process under a procfs root, as parallel arrays (see native/proc_fds.h). */
export interface ProcessTable {
  pids: Int32Array;
  /** Start time (clock ticks since boot, /proc/<pid>/stat field 22); -1 when the tree has no stat. */
  starts: Float64Array;
  /** PROC_OK, PROC_DENIED or PROC_GONE. */
  status: Uint8Array;
  /** The fds of process i are fds[fdOffsets[i] .. fdOffsets[i + 1]), ascending. */
  fdOffsets: Int32Array;
  fds: Int32Array;
  comms: (string | null)[];
}

export const PROC_OK = 0;
export const PROC_DENIED = 1;
export const PROC_GONE = 2;

/** readSocketLinks results other than a socket inode (> 0). */
export const LINK_OTHER = 0;
export const LINK_GONE = -1;
export const LINK_DENIED = -2;
export const START_UNKNOWN = -1;

export interface FdReader {
  readonly name: 'native' | 'node:fs';
  scanProcesses(procRoot: string): ProcessTable;
  /**
   * For each (pid, start, fd), grouped by pid: the socket inode the fd links to, LINK_OTHER for
   * any other file, LINK_GONE when the fd is closed or the pid now names a process with another
   * start time, LINK_DENIED without permission.
   */
  readSocketLinks(procRoot: string, pids: Int32Array, starts: Float64Array, fds: Int32Array): Float64Array;
}

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

/** The inode in a `socket:[N]` fd link, or null for any other kind of fd (or a number too big to be exact). */
export function socketInodeOfLink(link: string): number | null {
  const match = SOCKET_LINK.exec(link);
  if (!match) return null;
  const inode = Number(match[1]);
  return Number.isSafeInteger(inode) ? inode : null;
}

function isPidName(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 48 && c <= 57 && /^\d{1,10}$/.test(name);
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

const isDenied = (err: unknown): boolean => errorCode(err) === 'EACCES' || errorCode(err) === 'EPERM';

/** comm and start time from `<pid> (<comm>) <state> ... <starttime>`: comm ends at the last ')'. */
export function parseStatIdentity(text: string): { comm: string; start: number } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const fields = text.slice(close + 2).split(' ');
  const start = Number(fields[19]);
  return Number.isFinite(start) && fields[19] !== '' ? { comm: text.slice(open + 1, close), start } : null;
}

export function readIdentity(procRoot: string, pid: string): { comm: string | null; start: number } {
  try {
    const identity = parseStatIdentity(readFileSync(path.join(procRoot, pid, 'stat'), 'utf8'));
    if (identity) return identity;
  } catch {
    // A recorded tree has comm and no stat.
  }
  try {
    return { comm: readFileSync(path.join(procRoot, pid, 'comm'), 'utf8').replace(/\n$/, ''), start: START_UNKNOWN };
  } catch {
    return { comm: null, start: START_UNKNOWN };
  }
}

export const nodeFdReader: FdReader = {
  name: 'node:fs',
  scanProcesses(procRoot) {
    const pids = readdirSync(procRoot).filter(isPidName).map(Number).sort((a, b) => a - b);
    const starts: number[] = [];
    const status: number[] = [];
    const offsets: number[] = [];
    const fds: number[] = [];
    const comms: (string | null)[] = [];
    for (const pid of pids) {
      const name = String(pid);
      offsets.push(fds.length);
      let list: string[] = [];
      let state = PROC_OK;
      try {
        list = readdirSync(path.join(procRoot, name, 'fd'));
      } catch (err) {
        state = isDenied(err) ? PROC_DENIED : PROC_GONE;
      }
      const numbers = list.filter(isPidName).map(Number).sort((a, b) => a - b);
      for (const n of numbers) fds.push(n); // not push(...): a proxy may hold 100k+ fds
      const identity = numbers.length > 0 ? readIdentity(procRoot, name) : { comm: null, start: START_UNKNOWN };
      starts.push(identity.start);
      comms.push(identity.comm);
      status.push(state);
    }
    offsets.push(fds.length);
    return {
      pids: Int32Array.from(pids),
      starts: Float64Array.from(starts),
      status: Uint8Array.from(status),
      fdOffsets: Int32Array.from(offsets),
      fds: Int32Array.from(fds),
      comms,
    };
  },
  readSocketLinks(procRoot, pids, starts, fds) {
    const out = new Float64Array(fds.length);
    let i = 0;
    while (i < fds.length) {
      let end = i;
      while (end < fds.length && pids[end] === pids[i]) end++;
      const pid = String(pids[i]);
      // Same pid, other start time: the process we listed exited and its pid was reused.
      const replaced = starts[i] !== START_UNKNOWN && readIdentity(procRoot, pid).start !== starts[i];
      for (let k = i; k < end; k++) {
        if (replaced) {
          out[k] = LINK_GONE;
          continue;
        }
        try {
          out[k] = socketInodeOfLink(readlinkSync(path.join(procRoot, pid, 'fd', String(fds[k])))) ?? LINK_OTHER;
        } catch (err) {
          out[k] = isDenied(err) ? LINK_DENIED : LINK_GONE;
        }
      }
      i = end;
    }
    return out;
  },
};
