import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ReadError } from '../errors.js';

/**
 * Upper bounds on what one read may return, by kind of file. A bound is a guard, not a budget:
 * it stops a runaway or hostile file (a FUSE mount at --procfs, a recorded fixture gone wrong)
 * from taking the sidecar's memory, while staying far above anything a real host produces.
 */
export interface KernelFsLimits {
  /**
   * Tables that grow with the host: sockets (/proc/net/tcp6 at 500k sockets is ~85 MB), routes
   * (a full IPv6 BGP table in ipv6_route is ~30 MB, a full IPv4 one in route ~120 MB), unix
   * sockets, interfaces. Default 256 MiB.
   */
  tableBytes: number;
  /** Everything else: counter files (snmp, netstat: a few KB), sysctl and sysfs values. Default 1 MiB. */
  smallFileBytes: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_KERNEL_FS_LIMITS: Readonly<KernelFsLimits> = Object.freeze({
  tableBytes: 256 * MIB,
  smallFileBytes: 1 * MIB,
});

/**
 * Files that are tables, by path relative to the mount point: `net/<name>` and the per-process
 * views `<pid>/net/<name>`, `self/net/<name>`.
 */
const TABLE_FILE = /(^|\/)net\/(tcp6?|udp6?|udplite6?|raw6?|icmp6?|unix|packet|netlink|route|ipv6_route|dev|arp|nf_conntrack|ip_conntrack)$/;

/** Which limit applies to a relative path: tables get `tableBytes`, anything else `smallFileBytes`. */
export function limitFor(relative: string, limits: Readonly<KernelFsLimits> = DEFAULT_KERNEL_FS_LIMITS): number {
  return TABLE_FILE.test(relative.replace(/\\/g, '/').replace(/^\/+/, '')) ? limits.tableBytes : limits.smallFileBytes;
}

export interface ReadOptions {
  /** Overrides the limit for this read, in bytes. */
  maxBytes?: number;
}

/** An open file with its read limit; see KernelFs.openLimited. */
export interface LimitedFile {
  /** Full path, as errors name it. */
  file: string;
  handle: FileHandle;
  maxBytes: number;
  /** Size an ordinary file states; 0 for procfs and sysfs files, which produce content on read. */
  statedSize: number;
  /** The error to throw once more than `maxBytes` have been read (`seen` says how much). */
  tooBig(seen: string): ReadError;
}

/** First buffer for a file of unknown size (procfs); most are one line, tables grow it by doubling. */
const FIRST_CHUNK = 64 * 1024;

function formatBytes(n: number): string {
  return n >= MIB && n % MIB === 0 ? `${n / MIB} MiB` : `${n} bytes`;
}

/**
 * The only place that knows where procfs or sysfs is mounted (`/proc`, or `/host/proc` in a
 * container; `/sys`, `/host/sys`).
 * Reads whole files: procfs reports size 0 and produces content on read, so the size limit is
 * enforced while reading, not from stat (stat is only a shortcut for ordinary files).
 */
export class KernelFs {
  readonly limits: Readonly<KernelFsLimits>;

  constructor(
    readonly root: string,
    limits: Partial<KernelFsLimits> = {},
  ) {
    this.limits = Object.freeze({ ...DEFAULT_KERNEL_FS_LIMITS, ...limits });
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`KernelFs limit ${name} must be a positive integer, got ${value}`);
    }
  }

  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /**
   * Opens a file for a bounded read: the limit for its kind (or `options.maxBytes`), checked at
   * once against the size an ordinary file states, so a recording or fixture that is too big is
   * refused without reading it. procfs states size 0: a reader must count bytes itself and throw
   * `tooBig()` once past `maxBytes` (KernelFs.read does; so should any streaming reader).
   * The caller closes `handle`. Rejects with a ReadError (ENOENT, EACCES, ..., or EFBIG).
   */
  async openLimited(relative: string, options: ReadOptions = {}): Promise<LimitedFile> {
    const file = this.path(relative);
    const maxBytes = options.maxBytes ?? limitFor(relative, this.limits);
    const tooBig = (seen: string): ReadError =>
      new ReadError(
        file,
        'EFBIG',
        `${file}: ${seen}, over the ${formatBytes(maxBytes)} limit for this kind of file; not parsed ` +
          `(a file this large is not a kernel table of a real host: check what is mounted at ${this.root})`,
      );
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      throw this.readError(file, err);
    }
    try {
      const stat = await handle.stat();
      const statedSize = stat.isFile() ? stat.size : 0;
      if (statedSize > maxBytes) throw tooBig(`${statedSize} bytes`);
      return { file, handle, maxBytes, statedSize, tooBig };
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err instanceof ReadError ? err : this.readError(file, err);
    }
  }

  /**
   * The file's text. Rejects with a ReadError: the file's own error (`code` ENOENT when absent,
   * EACCES, ...), or code `EFBIG` when it is larger than its limit (nothing is parsed then).
   */
  async read(relative: string, options: ReadOptions = {}): Promise<string> {
    const { file, handle, maxBytes, statedSize, tooBig } = await this.openLimited(relative, options);
    try {
      // One buffer, grown by doubling, read into at the end: procfs hands out a page or so per
      // read(), and keeping one buffer per read (or a fresh large one each time) costs far more
      // than the reads. A stated size (ordinary files) sizes it right the first time.
      let buffer = Buffer.allocUnsafe(Math.min(statedSize > 0 ? statedSize + 1 : FIRST_CHUNK, maxBytes + 1));
      let total = 0;
      // Ends at EOF, or as soon as one byte past the limit has been read: every pass reads at
      // least one byte or stops, and `total` never passes maxBytes + 1 (the buffer's cap).
      for (;;) {
        if (total === buffer.length) {
          const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
          buffer.copy(grown, 0, 0, total);
          buffer = grown;
        }
        const { bytesRead } = await handle.read(buffer, total, buffer.length - total, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > maxBytes) throw tooBig(`more than ${maxBytes} bytes`);
      }
      return buffer.toString('utf8', 0, total);
    } catch (err) {
      throw err instanceof ReadError ? err : this.readError(file, err);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private readError(file: string, err: unknown): ReadError {
    const code = (err as NodeJS.ErrnoException).code ?? null;
    return new ReadError(file, code, `${file}: ${(err as Error).message}`);
  }
}
