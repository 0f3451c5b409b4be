/**
 * Says on stderr, once, what a snapshot could not read: missing privileges (other users'
 * processes without CAP_DAC_READ_SEARCH/CAP_SYS_PTRACE), unreadable files, unparsable lines — as
 * `FILE:LINE: message` when known. The status line only counts them (`errors=N`) every interval;
 * without this a sidecar started without root would never say what it is missing.
 *
 * "Once" is per kind of problem, not per wording: numbers are masked in the key, so "denied for
 * 85 of 86 processes" and "denied for 84 of 86" are the same problem. The set of keys is bounded,
 * so a source that produces endless distinct errors cannot grow memory or flood stderr.
 */
import type { SnapshotConsumer } from './consumer.js';
import type { SidecarLog } from './log.js';
import type { SampleError, Snapshot } from '../snapshot/types.js';

/** Distinct problems remembered (and reported); past it, one line says the rest are not shown. */
const MAX_KEYS = 200;
/** New problems reported per snapshot; the rest wait for the next one (still once each). */
const MAX_PER_SNAPSHOT = 10;

function keyOf(error: SampleError): string {
  return `${error.source}\u0000${error.file ?? ''}\u0000${error.message.replace(/\d+/g, '#')}`;
}

function where(error: SampleError): string {
  if (error.file === null) return `${error.source}: `;
  return error.line === null ? `${error.file}: ` : `${error.file}:${error.line}: `;
}

export function snapshotErrorReporter(log: Pick<SidecarLog, 'warn'>): SnapshotConsumer {
  const seen = new Set<string>();
  let full = false;
  return {
    name: 'snapshot errors',
    onSnapshot(snapshot: Snapshot) {
      let reported = 0;
      for (const error of snapshot.errors) {
        const key = keyOf(error);
        if (seen.has(key) || reported >= MAX_PER_SNAPSHOT) continue;
        if (seen.size >= MAX_KEYS) {
          if (!full) log.warn(`more than ${MAX_KEYS} distinct snapshot errors; further ones are only counted (errors=N)`, { event: 'snapshot_error' });
          full = true;
          return;
        }
        seen.add(key);
        reported += 1;
        log.warn(`${where(error)}${error.message}`, {
          event: 'snapshot_error',
          source: error.source,
          file: error.file,
          line: error.line,
        });
      }
    },
    close: async () => undefined,
  };
}
