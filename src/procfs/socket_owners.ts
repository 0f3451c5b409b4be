/**
 * Maps socket inodes to the process that holds them through /proc/<pid>/fd/* links
 * (`socket:[12345]`), as `ss -p` and `netstat -p` do, and remembers what it read so the next
 * scan reads only the links that may have changed.
 *
 * Why a cache is safe (fd reuse). Each scan lists every process's fd numbers (cheap: one
 * getdents per process) and keeps a cached link only for an fd number that still exists, in a
 * process with the same start time (so a reused pid starts from nothing), and only when the
 * socket it pointed to cannot have been replaced unnoticed:
 * - with `alive` (every TCP/UDP inode the socket read saw): the cached inode still exists and
 *   no other fd claims it. If the fd was closed and its number reused while the old socket
 *   lived on, that socket is held elsewhere, so a second claim appears (that holder was read
 *   this scan) or the holder is itself a cached fd whose own old socket must then be held
 *   elsewhere again, a chain that can only end at a socket no process holds (in flight in a
 *   unix socket, or kept by io_uring). Contested inodes are re-read until no claim is shared.
 *   Links to anything else (files, pipes, unix sockets, closed sockets) are re-read each scan.
 * - with only `wanted` (a listener watch that asked the kernel for listeners alone): every fd
 *   that claimed a wanted inode is re-read, other cached links are kept, and a wanted inode
 *   that nobody claims makes the scan read every fd. What this can miss, until the next scan
 *   with `alive` or the periodic full read, is an extra holder that took a listener over into
 *   an fd number it reused (so the lowest pid shown may be a higher holder of the same socket).
 *   Before listing anything, a `wanted` scan first checks the fd each wanted inode's owner held
 *   last time (one readlink per listener, and the owner's start time and name): if every one
 *   still holds its socket, that is the answer, and no fd of any other process is read.
 * - every `fullEveryMs` (default 10 min) a scan reads every link regardless.
 *
 * Synchronous on purpose: procfs answers from memory, and a thread-pool hop per readlink costs
 * several times the syscall itself at tens of thousands of fds.
 */
import { LINK_GONE, nodeFdReader, PROC_DENIED, PROC_OK, readIdentity, type FdReader } from './fd_reader.js';
import { InodeTable } from './inode_table.js';

export { socketInodeOfLink } from './fd_reader.js';

export interface SocketOwner {
  pid: number;
  process: string;
}

export interface OwnerScanStats {
  /**
   * How the scan decided which links to trust: 'full' reads them all; 'alive' and 'wanted' list
   * every process's fds and read the ones the rules above distrust; 'owners' only re-read the
   * fd each wanted inode's owner held last time (nothing else listed).
   */
  mode: 'full' | 'alive' | 'wanted' | 'owners';
  processes: number;
  fdsListed: number;
  /** readlink calls made: the cost the cache exists to cut. */
  linksRead: number;
}

export interface SocketOwnerScan {
  /** The lowest pid holding the inode; valid until the cache's next scan. */
  ownerOf(inode: number): SocketOwner | undefined;
  /** Processes whose fd directory we may not read (EACCES/EPERM): their sockets stay unattributed. */
  deniedPids: number;
  /** Processes whose fd directory was read. */
  scannedPids: number;
  stats: OwnerScanStats;
}

export interface OwnerQuery {
  /** Every TCP/UDP socket inode that exists now, from the same socket read (0s ignored). */
  alive?: ArrayLike<number> | null;
  /** Inodes whose owners are wanted; default every one. */
  wanted?: ArrayLike<number> | null;
}

export interface SocketOwnerCacheOptions {
  reader?: FdReader;
  /** Read every link at least this often, whatever the cache trusts. Default 10 minutes. */
  fullEveryMs?: number;
  now?: () => number;
}

interface ProcEntry {
  pid: number;
  start: number;
  comm: string;
  fds: Int32Array;
  /** Per fd: socket inode (> 0), 0 for another kind of file, -1 once gone. */
  links: Float64Array;
}

/** Links to read this scan: (entry, index) pairs, batched per pid for the reader. */
class Pending {
  entries: number[] = [];
  indexes: number[] = [];

  add(entry: number, index: number): void {
    this.entries.push(entry);
    this.indexes.push(index);
  }

  get length(): number {
    return this.entries.length;
  }
}

export const DEFAULT_FULL_EVERY_MS = 10 * 60_000;

export class SocketOwnerCache {
  private procs = new Map<number, ProcEntry>();
  private readonly reader: FdReader;
  private readonly fullEveryMs: number;
  private readonly now: () => number;
  private lastFullAt = Number.NEGATIVE_INFINITY;
  private readonly aliveTable = new InodeTable();
  private readonly wantedTable = new InodeTable();
  private readonly claims = new InodeTable();
  /** inode -> index in `entries` of the lowest pid holding it, and the index of that fd there. */
  private readonly ownerTable = new InodeTable();
  private readonly ownerSlot = new InodeTable();
  private entries: ProcEntry[] = [];
  private owners: (SocketOwner | undefined)[] = [];
  private lastCounts = { deniedPids: 0, scannedPids: 0 };
  /** Wanted inodes no readable process held at the last full read (another pid namespace, in flight). */
  private unresolved = new Set<number>();
  private generation = 0;

  constructor(options: SocketOwnerCacheOptions = {}) {
    this.reader = options.reader ?? nodeFdReader;
    this.fullEveryMs = options.fullEveryMs ?? DEFAULT_FULL_EVERY_MS;
    this.now = options.now ?? (() => performance.now());
  }

  get readerName(): FdReader['name'] {
    return this.reader.name;
  }

  scan(procRoot: string, query: OwnerQuery = {}): SocketOwnerScan {
    const started = this.now();
    const alive = query.alive ?? null;
    const wanted = query.wanted ?? null;
    let mode: OwnerScanStats['mode'] = alive ? 'alive' : wanted ? 'wanted' : 'full';
    if (started - this.lastFullAt >= this.fullEveryMs) mode = 'full';
    if (mode === 'full') this.lastFullAt = started;
    if (alive) fill(this.aliveTable, alive);
    if (wanted) fill(this.wantedTable, wanted);
    if (mode === 'wanted' && wanted) {
      const known = this.verifyKnownOwners(procRoot, wanted);
      if (known) return known;
    }

    const table = this.reader.scanProcesses(procRoot);
    const entries: ProcEntry[] = [];
    const verified: Uint8Array[] = [];
    const pending = new Pending();
    let deniedPids = 0;
    let scannedPids = 0;
    for (let i = 0; i < table.pids.length; i++) {
      if (table.status[i] === PROC_DENIED) deniedPids++;
      if (table.status[i] !== PROC_OK) continue;
      scannedPids++;
      const from = table.fdOffsets[i]!;
      const count = table.fdOffsets[i + 1]! - from;
      if (count === 0) continue;
      const entry: ProcEntry = {
        pid: table.pids[i]!,
        start: table.starts[i]!,
        comm: table.comms[i] ?? '?',
        fds: table.fds.subarray(from, from + count),
        links: new Float64Array(count),
      };
      const seen = new Uint8Array(count);
      this.carryOver(entry, mode, entries.length, pending);
      entries.push(entry);
      verified.push(seen);
    }
    let linksRead = this.read(procRoot, entries, verified, pending);

    // Contested inodes: re-read every cached claim on an inode more than one fd claims.
    if (mode === 'alive') {
      for (;;) {
        this.countClaims(entries, this.aliveTable);
        const again = new Pending();
        entries.forEach((e, ei) => {
          for (let k = 0; k < e.links.length; k++) {
            const v = e.links[k]!;
            if (verified[ei]![k] === 0 && v > 0 && this.claims.get(v) > 1) again.add(ei, k);
          }
        });
        if (again.length === 0) break;
        linksRead += this.read(procRoot, entries, verified, again);
      }
    }
    if (mode === 'wanted' && wanted) {
      this.countClaims(entries, this.wantedTable);
      if (someUnclaimed(wanted, this.claims, this.unresolved)) {
        const rest = new Pending();
        entries.forEach((e, ei) => verified[ei]!.forEach((seen, k) => seen === 0 && rest.add(ei, k)));
        linksRead += this.read(procRoot, entries, verified, rest);
        mode = 'full';
        this.lastFullAt = started;
      }
    }
    const relevant = wanted ? this.wantedTable : alive ? this.aliveTable : null;
    this.indexOwners(entries, relevant);
    if (wanted && mode === 'full') this.unresolved = unclaimed(wanted, this.ownerTable);

    this.procs = new Map(entries.map((e) => [e.pid, e]));
    this.entries = entries;
    this.owners = [];
    this.lastCounts = { deniedPids, scannedPids };
    return this.result({ mode, processes: entries.length, fdsListed: table.fds.length, linksRead });
  }

  private result(stats: OwnerScanStats): SocketOwnerScan {
    const generation = ++this.generation;
    return {
      ownerOf: (inode) => {
        if (generation !== this.generation) throw new Error('SocketOwnerScan used after its cache scanned again');
        const index = this.ownerTable.get(inode);
        if (index < 0) return undefined;
        const e = this.entries[index]!;
        return (this.owners[index] ??= { pid: e.pid, process: e.comm });
      },
      ...this.lastCounts,
      stats,
    };
  }

  /**
   * The listener watch's fast path: when every wanted inode had an owner at the last scan (or
   * had none at the last full one), re-read just those owners' fds. Null if anything moved.
   */
  private verifyKnownOwners(procRoot: string, wanted: ArrayLike<number>): SocketOwnerScan | null {
    const pids: number[] = [];
    const starts: number[] = [];
    const fds: number[] = [];
    const inodes: number[] = [];
    const owning = new Set<number>();
    for (let i = 0; i < wanted.length; i++) {
      const v = wanted[i]!;
      if (v <= 0 || this.unresolved.has(v)) continue;
      const index = this.ownerTable.get(v);
      if (index < 0) return null;
      const e = this.entries[index]!;
      pids.push(e.pid);
      starts.push(e.start);
      fds.push(e.fds[this.ownerSlot.get(v)]!);
      inodes.push(v);
      owning.add(index);
    }
    const links = this.reader.readSocketLinks(procRoot, Int32Array.from(pids), Float64Array.from(starts), Int32Array.from(fds));
    for (let i = 0; i < inodes.length; i++) if (links[i] !== inodes[i]) return null;
    // A process may exec (same pid, start time and fds, new name): names are read again.
    for (const index of owning) {
      const e = this.entries[index]!;
      const identity = readIdentity(procRoot, String(e.pid));
      if (identity.start !== e.start) return null;
      if (identity.comm !== null && identity.comm !== e.comm) {
        e.comm = identity.comm;
        this.owners[index] = undefined;
      }
    }
    return this.result({ mode: 'owners', processes: owning.size, fdsListed: 0, linksRead: inodes.length });
  }

  /**
   * Copies the links of fd numbers this process had at the last scan (same pid and start time)
   * and queues the ones to read: new fds, and cached ones the trust rule (see top) rejects.
   */
  private carryOver(entry: ProcEntry, mode: OwnerScanStats['mode'], ei: number, pending: Pending): void {
    const old = this.procs.get(entry.pid);
    const { fds, links } = entry;
    if (!old || old.start !== entry.start || mode === 'full') {
      for (let k = 0; k < fds.length; k++) pending.add(ei, k);
      return;
    }
    let j = 0;
    for (let k = 0; k < fds.length; k++) {
      const fd = fds[k]!;
      while (j < old.fds.length && old.fds[j]! < fd) j++;
      if (j >= old.fds.length || old.fds[j] !== fd) {
        pending.add(ei, k);
        continue;
      }
      const v = old.links[j]!;
      links[k] = v;
      const trusted = mode === 'alive' ? v > 0 && this.aliveTable.has(v) : v >= 0 && !(v > 0 && this.wantedTable.has(v));
      if (!trusted) pending.add(ei, k);
    }
  }

  /** Reads the pending links in one batch; returns how many. */
  private read(procRoot: string, entries: ProcEntry[], verified: Uint8Array[], pending: Pending): number {
    const n = pending.length;
    if (n === 0) return 0;
    const pids = new Int32Array(n);
    const starts = new Float64Array(n);
    const fds = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const e = entries[pending.entries[i]!]!;
      pids[i] = e.pid;
      starts[i] = e.start;
      fds[i] = e.fds[pending.indexes[i]!]!;
    }
    const links = this.reader.readSocketLinks(procRoot, pids, starts, fds);
    for (let i = 0; i < n; i++) {
      const ei = pending.entries[i]!;
      const k = pending.indexes[i]!;
      const link = links[i]!;
      entries[ei]!.links[k] = link < 0 ? LINK_GONE : link;
      verified[ei]![k] = 1;
    }
    return n;
  }

  /** claims: inode -> number of fds holding it, for inodes in `scope`. */
  private countClaims(entries: readonly ProcEntry[], scope: InodeTable): void {
    this.claims.reset(scope.size);
    for (const e of entries) {
      for (let k = 0; k < e.links.length; k++) {
        const v = e.links[k]!;
        if (v <= 0 || !scope.has(v)) continue;
        const c = this.claims.get(v);
        this.claims.set(v, c < 0 ? 1 : c + 1);
      }
    }
  }

  /** ownerTable/ownerSlot: inode -> the lowest-pid entry holding it (entries are in pid order) and its fd. */
  private indexOwners(entries: readonly ProcEntry[], relevant: InodeTable | null): void {
    this.ownerTable.reset(relevant ? relevant.size : 0);
    this.ownerSlot.reset(relevant ? relevant.size : 0);
    entries.forEach((e, ei) => {
      for (let k = 0; k < e.links.length; k++) {
        const v = e.links[k]!;
        if (v <= 0 || (relevant && !relevant.has(v))) continue;
        if (this.ownerTable.get(v) < 0) {
          this.ownerTable.set(v, ei);
          this.ownerSlot.set(v, k);
        }
      }
    });
  }
}

function fill(table: InodeTable, inodes: ArrayLike<number>): void {
  table.reset(inodes.length);
  for (let i = 0; i < inodes.length; i++) {
    const v = inodes[i]!;
    if (v > 0) table.set(v, 1);
  }
}

function someUnclaimed(wanted: ArrayLike<number>, claims: InodeTable, known: ReadonlySet<number>): boolean {
  for (let i = 0; i < wanted.length; i++) {
    const v = wanted[i]!;
    if (v > 0 && claims.get(v) < 0 && !known.has(v)) return true;
  }
  return false;
}

function unclaimed(wanted: ArrayLike<number>, owners: InodeTable): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < wanted.length; i++) {
    const v = wanted[i]!;
    if (v > 0 && owners.get(v) < 0) out.add(v);
  }
  return out;
}

/** One full scan without a cache: what `ss -p` does. */
export function scanSocketOwners(procRoot: string, reader?: FdReader): SocketOwnerScan {
  return new SocketOwnerCache(reader ? { reader } : {}).scan(procRoot);
}
