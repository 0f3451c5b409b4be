/**
 * The live ProcessInfo: `<procfs>/<pid>/{comm,cmdline,status}` and the passwd file. Only called
 * for alerts that fire (and while they stay firing), so it reads a handful of small files at
 * most; the reads are synchronous like the rest of procfs access, and bounded, because a
 * command line can be megabytes (ARG_MAX) and we keep 256 characters of it.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProcessDetails, ProcessInfo } from './types.js';

/** Command lines are cut to this many characters (the last one then is `…`). */
export const MAX_COMMAND_LINE = 256;
/** Enough bytes for MAX_COMMAND_LINE characters of any UTF-8. */
const COMMAND_LINE_BYTES = MAX_COMMAND_LINE * 4;
/** `Uid:` is the ninth line of /proc/<pid>/status, well inside this. */
const STATUS_BYTES = 4096;
/** A passwd file larger than this is not a passwd file we want in memory. */
const PASSWD_MAX_BYTES = 16 * 1024 * 1024;
/** How long a process's details are reused: a firing listener alert is re-evaluated every second. */
const DEFAULT_TTL_MS = 30_000;
const MAX_CACHED = 256;
/** After a uid was not found, the passwd file is looked at again at most this often. */
const PASSWD_RECHECK_MS = 60_000;

/** The first `max` bytes of a file, or null when it cannot be read (process gone, no permission). */
export function readHead(file: string, max: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(max);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, max - n, null);
      if (got === 0) break;
      n += got;
      if (n >= max) break;
    }
    return buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * /proc/<pid>/cmdline: arguments separated (and ended) by NUL, joined with spaces; other control
 * characters become spaces so a message stays one readable line. Cut to `max` characters (code
 * points, never half a character) with `…` as the last one. Empty (kernel threads, zombies): null.
 */
export function formatCommandLine(raw: Buffer | string, max: number = MAX_COMMAND_LINE): string | null {
  const text = (typeof raw === 'string' ? raw : raw.toString('utf8'))
    .replace(/\0+$/, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trimEnd();
  if (text === '') return null;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** The effective uid (second field of `Uid:`) of /proc/<pid>/status. */
export function parseStatusUid(text: string): number | null {
  const m = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** uid -> name from passwd(5) text; the first entry for a uid wins, as getpwuid() returns it. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const [name, , uid] = line.split(':');
    if (!name || uid === undefined || !/^\d+$/.test(uid)) continue;
    const n = Number(uid);
    if (!users.has(n)) users.set(n, name);
  }
  return users;
}

/**
 * The host's passwd file for a procfs root: /etc/passwd for /proc; for another root (a container
 * watching its host through /host/proc) the host's, as its pid 1 sees it. The container's own
 * /etc/passwd would name the wrong users, so without access to the host's the names are null.
 */
export function defaultPasswdFile(procfs: string): string {
  return path.resolve(procfs) === '/proc' ? '/etc/passwd' : path.join(procfs, '1', 'root', 'etc', 'passwd');
}

export interface ProcfsProcessInfoOptions {
  procfs?: string;
  passwdFile?: string;
  ttlMs?: number;
  now?: () => number;
}

export function createProcfsProcessInfo(options: ProcfsProcessInfoOptions = {}): ProcessInfo {
  const procfs = options.procfs ?? '/proc';
  const passwdFile = options.passwdFile ?? defaultPasswdFile(procfs);
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; details: ProcessDetails | null }>();

  const read = (pid: number, name: string | null, withCommandLine: boolean): ProcessDetails | null => {
    const dir = path.join(procfs, String(pid));
    const comm = readHead(path.join(dir, 'comm'), 64);
    if (comm === null) return null;
    // The snapshot named the process by its comm a moment ago; another name now means the pid
    // was reused, or this procfs shows another pid namespace: better nothing than a wrong command.
    if (name !== null && comm.toString('utf8').replace(/\n$/, '') !== name) return null;
    const status = readHead(path.join(dir, 'status'), STATUS_BYTES);
    const raw = withCommandLine ? readHead(path.join(dir, 'cmdline'), COMMAND_LINE_BYTES) : null;
    return {
      commandLine: raw === null ? null : formatCommandLine(raw),
      uid: status === null ? null : parseStatusUid(status.toString('utf8')),
    };
  };

  let users: Map<number, string> | null = null;
  let passwdStamp = '';
  let checkedAt = Number.NEGATIVE_INFINITY;
  const loadPasswd = (): void => {
    checkedAt = now();
    let stamp: string;
    try {
      const st = statSync(passwdFile);
      if (st.size > PASSWD_MAX_BYTES) {
        users ??= new Map();
        return;
      }
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      users ??= new Map();
      return;
    }
    if (users !== null && stamp === passwdStamp) return;
    const text = readHead(passwdFile, PASSWD_MAX_BYTES);
    users = text === null ? new Map() : parsePasswd(text.toString('utf8'));
    passwdStamp = stamp;
  };

  return {
    details(pid, name, withCommandLine) {
      const key = `${pid}|${name ?? ''}|${withCommandLine}`;
      const hit = cache.get(key);
      const t = now();
      if (hit && t - hit.at < ttl) return hit.details;
      const details = read(pid, name, withCommandLine);
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(key, { at: t, details });
      return details;
    },
    userName(uid) {
      // Read once; read again only when a uid is missing and the file changed since (a service
      // user created after we started, then running the new listener).
      if (users === null) loadPasswd();
      const found = users?.get(uid);
      if (found !== undefined) return found;
      if (now() - checkedAt >= PASSWD_RECHECK_MS) loadPasswd();
      return users?.get(uid) ?? null;
    },
  };
}
