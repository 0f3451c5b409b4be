import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Maps socket inodes to the process that holds them by reading /proc/<pid>/fd/* links
 * (`socket:[12345]`), as `ss -p` and `netstat -p` do.
 *
 * Synchronous on purpose: procfs answers from memory, and one readlink per fd through libuv's
 * thread pool costs several times the syscall itself at tens of thousands of fds.
 */

export interface SocketOwner {
  pid: number;
  process: string;
}

export interface SocketOwnerScan {
  owners: Map<number, SocketOwner>;
  /** Processes whose fd directory we may not read (EACCES/EPERM): their sockets stay unattributed. */
  deniedPids: number;
  /** Processes whose fd directory was read. */
  scannedPids: number;
}

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

/** The inode in a `socket:[N]` fd link, or null for any other kind of fd. */
export function socketInodeOfLink(link: string): number | null {
  const match = SOCKET_LINK.exec(link);
  return match ? Number(match[1]) : null;
}

function isPidName(name: string): boolean {
  return name.length > 0 && name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57 && /^\d+$/.test(name);
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function readComm(procRoot: string, pid: string): string | null {
  try {
    return readFileSync(path.join(procRoot, pid, 'comm'), 'utf8').replace(/\n$/, '');
  } catch {
    return null;
  }
}

/** The socket inodes one process holds; null when it exited mid-scan; 'denied' without permission. */
function socketInodesOf(procRoot: string, pid: string): number[] | null | 'denied' {
  const fdDir = path.join(procRoot, pid, 'fd');
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch (err) {
    const code = errorCode(err);
    return code === 'EACCES' || code === 'EPERM' ? 'denied' : null;
  }
  const inodes: number[] = [];
  for (const fd of fds) {
    let link: string;
    try {
      link = readlinkSync(path.join(fdDir, fd));
    } catch {
      continue; // fd closed between readdir and readlink
    }
    const inode = socketInodeOfLink(link);
    if (inode !== null) inodes.push(inode);
  }
  return inodes;
}

/**
 * Scans every process. When several processes share a socket (a forking server), the lowest pid
 * wins: usually the parent that opened it, and a stable choice between scans.
 */
export function scanSocketOwners(procRoot: string): SocketOwnerScan {
  const owners = new Map<number, SocketOwner>();
  let deniedPids = 0;
  let scannedPids = 0;
  const pids = readdirSync(procRoot).filter(isPidName).sort((a, b) => Number(a) - Number(b));
  for (const pid of pids) {
    const inodes = socketInodesOf(procRoot, pid);
    if (inodes === 'denied') deniedPids++;
    if (inodes === null || inodes === 'denied') continue;
    scannedPids++;
    if (inodes.length === 0) continue;
    const owner: SocketOwner = { pid: Number(pid), process: readComm(procRoot, pid) ?? '?' };
    for (const inode of inodes) if (!owners.has(inode)) owners.set(inode, owner);
  }
  return { owners, deniedPids, scannedPids };
}
