/**
 * What a snapshot could not read is said on stderr once per kind of problem (numbers in the
 * message do not make a new kind), with FILE:LINE when known, and bounded per snapshot.
 */
import { describe, expect, it } from 'vitest';
import { snapshotErrorReporter } from '../../src/sidecar/snapshot_errors.js';
import type { SampleError, Snapshot } from '../../src/snapshot/types.js';
import { busySnapshot } from '../metrics/fixtures.js';

function withErrors(errors: SampleError[]): Snapshot {
  const s = busySnapshot();
  s.errors = errors;
  return s;
}

const denied = (n: number): SampleError => ({
  source: 'processes',
  file: '/proc/<pid>/fd',
  line: null,
  message: `process attribution incomplete: permission denied for ${n} of 86 processes; run as root, or grant CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE`,
});

function reporter() {
  const lines: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  const consumer = snapshotErrorReporter({ warn: (message, fields) => lines.push({ message, fields }) });
  return { consumer, lines };
}

describe('snapshot error reporter', () => {
  it('says what is missing once, however often the snapshot repeats it with other counts', async () => {
    const { consumer, lines } = reporter();
    for (const n of [85, 84, 85, 90]) await consumer.onSnapshot(withErrors([denied(n)]));
    expect(lines.map((l) => l.message)).toEqual([`/proc/<pid>/fd: ${denied(85).message}`]);
    expect(lines[0]!.fields).toMatchObject({ event: 'snapshot_error', source: 'processes', file: '/proc/<pid>/fd', line: null });
  });

  it('names file and line, and tells different problems apart', async () => {
    const { consumer, lines } = reporter();
    const parse: SampleError = { source: 'tcp', file: '/proc/net/tcp', line: 7, message: 'bad local address "zz"' };
    const conntrack: SampleError = { source: 'conntrack', file: null, line: null, message: 'timed out' };
    await consumer.onSnapshot(withErrors([parse, conntrack]));
    await consumer.onSnapshot(withErrors([parse, denied(3)]));
    expect(lines.map((l) => l.message)).toEqual([
      '/proc/net/tcp:7: bad local address "zz"',
      'conntrack: timed out',
      `/proc/<pid>/fd: ${denied(3).message}`,
    ]);
  });

  it('reports at most 10 new problems per snapshot and remembers a bounded number', async () => {
    const { consumer, lines } = reporter();
    const many = (from: number, n: number) =>
      Array.from({ length: n }, (_, i): SampleError => ({ source: 'tcp', file: `/proc/net/tcp${from + i}x`, line: 1, message: 'bad row' }));
    await consumer.onSnapshot(withErrors(many(0, 25)));
    expect(lines).toHaveLength(10);
    await consumer.onSnapshot(withErrors(many(0, 25)));
    expect(lines).toHaveLength(20);
    for (let i = 0; i < 40; i++) await consumer.onSnapshot(withErrors(many(100 + i * 10, 10)));
    // 200 distinct problems named one by one, then one line saying the rest are only counted.
    expect(lines.filter((l) => l.message.endsWith('bad row'))).toHaveLength(200);
    expect(lines.filter((l) => /more than 200 distinct snapshot errors/.test(l.message))).toHaveLength(1);
  });
});
