/**
 * Where TCP and UDP sockets come from: sock_diag over netlink (the native addon), or the
 * /proc/net tables. Both give the same SocketRecords; netlink asks the kernel for the states it
 * needs and skips the text round trip, /proc works everywhere (and on recorded trees).
 */
import { ReadError } from '../errors.js';
import { IpSocketTableParser, type IpSocketFile } from '../procfs/net_ip_socket.js';
import type { KernelFs } from '../procfs/kernel_fs.js';
import type { IpTransport, NetlinkSockets } from '../netlink/sock_diag.js';
import { ALL_STATES } from '../netlink/states.js';
import type { SampleError, SocketRecord } from '../snapshot/types.js';
import { appendAll, issuesToErrors, type SamplerOutput } from './sampler.js';
import { isOptionalFile, LINUX_FILES } from './linux_files.js';
import { streamTable } from './table_stream.js';

export type SocketSourceName = 'netlink' | 'procfs';

export interface SocketReader {
  readonly source: SocketSourceName;
  /** One transport's sockets in the given kernel states (bit 1 << state). */
  read(transport: IpTransport, states: number): Promise<SamplerOutput>;
}

export class ProcfsSocketReader implements SocketReader {
  readonly source = 'procfs';

  constructor(private readonly procfs: KernelFs) {}

  async read(transport: IpTransport, states: number): Promise<SamplerOutput> {
    const [v4, v6] = LINUX_FILES[transport];
    const errors: SampleError[] = [];
    const parts = await Promise.all([
      this.table(v4, { transport, family: 'inet' }, states, errors),
      this.table(v6, { transport, family: 'inet6' }, states, errors),
    ]);
    const sockets = parts[0].length === 0 ? parts[1] : parts[1].length === 0 ? parts[0] : parts[0].concat(parts[1]);
    return { sockets, errors };
  }

  /** Rows per kernel state code (index = code), both IP versions, without making records. */
  async count(transport: IpTransport): Promise<{ counts: Float64Array; errors: SampleError[] }> {
    const counts = new Float64Array(16);
    const errors: SampleError[] = [];
    await Promise.all(LINUX_FILES[transport].map((relative, i) =>
      this.table(relative, { transport, family: i === 0 ? 'inet' : 'inet6' }, ALL_STATES, errors, counts)));
    return { counts, errors };
  }

  private async table(relative: string, kind: IpSocketFile, states: number, errors: SampleError[], counts?: Float64Array): Promise<SocketRecord[]> {
    const file = this.procfs.path(relative);
    const parser = new IpSocketTableParser(file, kind, counts ? { states, counts } : { states });
    try {
      await streamTable(this.procfs, relative, parser);
    } catch (err) {
      if (!(err instanceof ReadError)) throw err;
      if (!(err.isNotFound && isOptionalFile(relative))) errors.push({ source: kind.transport, file, line: null, message: err.message });
      return [];
    }
    const { value, issues } = parser.result();
    appendAll(errors, issuesToErrors(kind.transport, issues));
    return value;
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
