/**
 * Where TCP and UDP sockets come from: sock_diag over netlink (the native addon), or the
 * /proc/net tables. Both give the same SocketRecords; netlink asks the kernel for the states it
 * needs and skips the text round trip, /proc works everywhere (and on recorded trees).
 */
import { ReadError } from '../errors.js';
import { IpSocketTableParser, type IpSocketFile } from '../procfs/net_ip_socket.js';
import { limitFor, type KernelFs } from '../procfs/kernel_fs.js';
import type { NativeAddon } from '../netlink/addon.js';
import { ADDRESS_FAMILY, IP_PROTOCOL } from '../netlink/kernel_numbers.js';
import { decodeRecords } from '../netlink/records.js';
import type { IpTransport, NetlinkSockets } from '../netlink/sock_diag.js';
import { ALL_STATES } from '../netlink/states.js';
import type { SampleError, SocketRecord } from '../snapshot/types.js';
import { issuesToErrors, type SamplerOutput } from './sampler.js';
import { isOptionalFile, LINUX_FILES } from './linux_files.js';
import { streamTable } from './table_stream.js';

export type SocketSourceName = 'netlink' | 'procfs';

export interface SocketReader {
  readonly source: SocketSourceName;
  /** One transport's sockets in the given kernel states (bit 1 << state). */
  read(transport: IpTransport, states: number): Promise<SamplerOutput>;
}

interface TableRead {
  sockets: SocketRecord[];
  errors: SampleError[];
}

/**
 * The /proc/net tables. With the native addon each table is scanned in C on the libuv pool (the
 * tables run to tens of MB on a busy host, and JavaScript touching every byte was 15-40x slower
 * than reading them); a table the C scanner does not fully vouch for, or any read problem, is
 * read again by the JavaScript parser, so results and error messages are the same either way.
 */
export class ProcfsSocketReader implements SocketReader {
  readonly source = 'procfs';

  /** `native`: the addon whose scanProcNet reads the tables; null parses them in JavaScript. */
  constructor(
    private readonly procfs: KernelFs,
    private readonly native: NativeAddon | null = null,
  ) {}

  async read(transport: IpTransport, states: number): Promise<SamplerOutput> {
    const [v4, v6] = LINUX_FILES[transport];
    const [ipv4, ipv6] = await Promise.all([
      this.table(v4, { transport, family: 'inet' }, states),
      this.table(v6, { transport, family: 'inet6' }, states),
    ]);
    const sockets = ipv4.sockets.length === 0 ? ipv6.sockets : ipv6.sockets.length === 0 ? ipv4.sockets : ipv4.sockets.concat(ipv6.sockets);
    // In file order, whichever table finished first, so both paths report alike.
    return { sockets, errors: ipv4.errors.concat(ipv6.errors) };
  }

  /** Rows per kernel state code (index = code), both IP versions, without making records. */
  async count(transport: IpTransport): Promise<{ counts: Float64Array; errors: SampleError[] }> {
    const counts = new Float64Array(16);
    const tables = await Promise.all(LINUX_FILES[transport].map((relative, i) =>
      this.table(relative, { transport, family: i === 0 ? 'inet' : 'inet6' }, ALL_STATES, counts)));
    return { counts, errors: tables.flatMap((t) => t.errors) };
  }

  private async table(relative: string, kind: IpSocketFile, states: number, counts?: Float64Array): Promise<TableRead> {
    if (this.native) {
      const sockets = await this.scanNative(this.native, relative, kind, states, counts);
      if (sockets !== null) return { sockets, errors: [] };
    }
    return this.parse(relative, kind, states, counts);
  }

  /**
   * The C scan: records, or counts added into `counts`; null when it declined the file (a line
   * it does not vouch for, the size limit, a missing or unreadable file), for parse() to read.
   */
  private async scanNative(native: NativeAddon, relative: string, kind: IpSocketFile, states: number, counts?: Float64Array): Promise<SocketRecord[] | null> {
    let result: ArrayBuffer | string;
    try {
      const maxBytes = limitFor(relative, this.procfs.limits);
      result = await native.scanProcNet(this.procfs.path(relative), ADDRESS_FAMILY[kind.family], IP_PROTOCOL[kind.transport], states, counts !== undefined, maxBytes);
    } catch {
      return null; // out of memory, a thread-pool failure: the JavaScript parser can still try
    }
    if (typeof result === 'string') return null;
    if (!counts) return decodeRecords(result);
    const scanned = new Float64Array(result);
    for (let code = 0; code < counts.length; code++) counts[code]! += scanned[code] ?? 0;
    return [];
  }

  private async parse(relative: string, kind: IpSocketFile, states: number, counts?: Float64Array): Promise<TableRead> {
    const file = this.procfs.path(relative);
    const parser = new IpSocketTableParser(file, kind, counts ? { states, counts } : { states });
    try {
      await streamTable(this.procfs, relative, parser);
    } catch (err) {
      if (!(err instanceof ReadError)) throw err;
      const errors: SampleError[] = [];
      if (!(err.isNotFound && isOptionalFile(relative))) errors.push({ source: kind.transport, file, line: null, message: err.message });
      return { sockets: [], errors };
    }
    const { value, issues } = parser.result();
    return { sockets: value, errors: issuesToErrors(kind.transport, issues) };
  }
}

/**
 * Netlink first. If a dump fails (sock_diag module missing, seccomp), that read comes from
 * /proc instead; `explicit` (the user asked for netlink) also reports why.
 */
export class NetlinkSocketReader implements SocketReader {
  readonly source = 'netlink';

  constructor(
    private readonly netlink: NetlinkSockets,
    private readonly fallback: SocketReader,
    private readonly explicit: boolean,
  ) {}

  async read(transport: IpTransport, states: number): Promise<SamplerOutput> {
    try {
      return { sockets: await this.netlink.list(transport, states) };
    } catch (err) {
      const output = await this.fallback.read(transport, states);
      if (!this.explicit) return output;
      const error: SampleError = { source: transport, file: null, line: null, message: `sock_diag failed (${(err as Error).message}); read /proc/net instead` };
      return { ...output, errors: [error, ...(output.errors ?? [])] };
    }
  }
}
