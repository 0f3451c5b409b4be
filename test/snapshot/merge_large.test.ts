/**
 * A host with hundreds of thousands of sockets: folding the samplers' outputs must not pass every
 * socket as a function argument (push(...list) overflows the stack beyond ~120k items; the
 * benchmark's 100k-connection tier, 200k sockets, found it).
 */
import { describe, expect, it } from 'vitest';
import { mergeRuns } from '../../src/samplers/sampler.js';
import { emptySnapshot } from '../../src/snapshot/empty.js';
import type { SampleError, SocketRecord } from '../../src/snapshot/types.js';

const socket: SocketRecord = {
  transport: 'tcp', family: 'inet', state: 'established', localAddress: '127.0.0.1', localPort: 1, remoteAddress: '127.0.0.1',
  remotePort: 2, recvQ: 0, sendQ: 0, uid: 0, inode: 1, pid: null, process: null,
};

describe('mergeRuns at scale', () => {
  it('concatenates 500k sockets and 300k errors without overflowing the stack', () => {
    const sockets = new Array<SocketRecord>(500_000).fill(socket);
    const errors = new Array<SampleError>(300_000).fill({ source: 'tcp', file: '/proc/net/tcp', line: 2, message: 'bad' });
    const status = { name: 'tcp', ok: true, durationMs: 1 };
    const merged = mergeRuns(emptySnapshot('linux'), [{ output: { sockets, errors }, status }, { output: { sockets: [socket] }, status }]);
    expect([merged.sockets.length, merged.errors.length, merged.samplers.length]).toEqual([500_001, 300_000, 2]);
  });
});
