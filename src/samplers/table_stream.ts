/**
 * Streams a procfs table through a parser a chunk at a time. A whole-file read of
 * /proc/net/tcp6 at 500k sockets is ~75 MB of fresh buffer and string, and fresh memory costs
 * a page fault per 4 KiB before it holds a byte; a few reused 256 KiB chunks do not.
 *
 * Reads are synchronous, in slices: /proc/net/{tcp,udp}* hand out one page per read() however
 * much is asked, so 10k sockets take ~800 reads, and a thread-pool round trip for each (what
 * fs/promises does) doubles the cost of the whole read. The event loop gets a turn every
 * SLICE_MS, so a 100k-socket table never blocks it for long.
 */
import { readSync } from 'node:fs';
import { setImmediate as turn } from 'node:timers/promises';
import { ReadError } from '../errors.js';
import type { KernelFs } from '../procfs/kernel_fs.js';

export interface ChunkParser {
  /** Parses the complete lines in bytes[start, end); returns where the unfinished line starts. */
  feed(bytes: Uint8Array, start: number, end: number, final: boolean): number;
}

const CHUNK = 256 * 1024;
const POOL_SIZE = 4;
const SLICE_MS = 4;
const pool: Buffer[] = [];

/**
 * Reads `relative` under the procfs root into the parser; rejects with a ReadError. The file is
 * opened through KernelFs.openLimited, so its size limit (and the refusal of an oversized
 * recording from its stated size, before any read) is the one every other read obeys.
 */
export async function streamTable(procfs: KernelFs, relative: string, parser: ChunkParser): Promise<void> {
  const { file, handle, maxBytes, tooBig } = await procfs.openLimited(relative);
  let buffer = pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
  try {
    let filled = 0;
    let total = 0;
    let sliceStarted = performance.now();
    for (;;) {
      // A line longer than the buffer (never in a kernel table): grow for this read only.
      if (filled === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
      let eof = false;
      while (filled < buffer.length) {
        const n = readSync(handle.fd, buffer, filled, buffer.length - filled, null);
        if (n === 0) {
          eof = true;
          break;
        }
        filled += n;
        total += n;
        if (total > maxBytes) throw tooBig(`more than ${maxBytes} bytes`);
      }
      const used = parser.feed(buffer, 0, filled, eof);
      if (eof) return;
      buffer.copyWithin(0, used, filled);
      filled -= used;
      if (performance.now() - sliceStarted >= SLICE_MS) {
        await turn();
        sliceStarted = performance.now();
      }
    }
  } catch (err) {
    if (err instanceof ReadError) throw err;
    throw new ReadError(file, (err as NodeJS.ErrnoException).code ?? null, `${file}: ${(err as Error).message}`);
  } finally {
    await handle.close().catch(() => undefined);
    if (buffer.length === CHUNK && pool.length < POOL_SIZE) pool.push(buffer);
  }
}
