import { describe, expect, it } from 'vitest';
import type { SnapshotConsumer } from '../../src/sidecar/consumer.js';
import { closeConsumers, runLoop } from '../../src/sidecar/loop.js';
import { emptySnapshot } from '../../src/snapshot/empty.js';
import type { Snapshot } from '../../src/snapshot/types.js';

function consumer(name: string, log: string[], fail = false): SnapshotConsumer {
  return {
    name,
    onSnapshot: (s: Snapshot) => {
      log.push(`${name}:${s.timestamp}`);
      if (fail) throw new Error(`${name} broke`);
    },
    close: async () => void log.push(`close:${name}`),
  };
}

function sampler() {
  let n = 0;
  return { calls: () => n, sample: async () => emptySnapshot('linux', new Date(Date.UTC(2026, 0, 1, 0, 0, ++n))) };
}

describe('runLoop', () => {
  it('--once: one sample, every consumer in order, then afterEach', async () => {
    const log: string[] = [];
    const s = sampler();
    const result = await runLoop({
      intervalMs: 60_000,
      once: true,
      sample: s.sample,
      consumers: [consumer('metrics', log), consumer('rules', log)],
      afterEach: (snap, tick) => void log.push(`after:${tick.index}:${snap.timestamp}`),
    });
    expect(result).toEqual({ ticks: 1, aborted: false });
    expect(s.calls()).toBe(1);
    expect(log).toEqual([
      'metrics:2026-01-01T00:00:01.000Z',
      'rules:2026-01-01T00:00:01.000Z',
      'after:0:2026-01-01T00:00:01.000Z',
    ]);
  });

  it('samples once per interval, and a failing consumer costs neither the others nor the loop', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const s = sampler();
    const started = Date.now();
    const result = await runLoop({
      intervalMs: 50,
      maxTicks: 4,
      sample: s.sample,
      consumers: [consumer('bad', log, true), consumer('good', log)],
      onError: (where, err) => errors.push(`${where}: ${(err as Error).message}`),
    });
    const elapsed = Date.now() - started;
    expect(result.ticks).toBe(4);
    expect(s.calls()).toBe(4);
    expect(log.filter((l) => l.startsWith('good:'))).toHaveLength(4);
    expect(errors).toEqual(Array(4).fill('consumer bad: bad broke'));
    expect(elapsed).toBeGreaterThanOrEqual(140); // 3 waits of ~50 ms
    expect(elapsed).toBeLessThan(2_000);
  });

  it('skips missed slots instead of bursting after a slow tick', async () => {
    const s = sampler();
    const startedAt: number[] = [];
    const t0 = Date.now();
    await runLoop({
      intervalMs: 40,
      maxTicks: 3,
      sample: async () => {
        startedAt.push(Date.now() - t0);
        if (startedAt.length === 1) await new Promise((r) => setTimeout(r, 130)); // overruns 3 slots
        return s.sample();
      },
      consumers: [],
    });
    // tick 2 starts at the next grid slot after the slow tick (160 ms), tick 3 one slot later
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(150);
    expect(startedAt[2]! - startedAt[1]!).toBeGreaterThanOrEqual(30);
    expect(startedAt[2]! - startedAt[1]!).toBeLessThan(200);
  });

  it('stops promptly when aborted while waiting for the next slot', async () => {
    const controller = new AbortController();
    const s = sampler();
    const t0 = Date.now();
    const done = runLoop({
      intervalMs: 60_000,
      sample: s.sample,
      consumers: [],
      signal: controller.signal,
      afterEach: () => void setTimeout(() => controller.abort(), 20),
    });
    const result = await done;
    expect(result).toEqual({ ticks: 1, aborted: true });
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('stops promptly when aborted during a hung sample or a hung export', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const t0 = Date.now();
    const hung = await runLoop({ intervalMs: 1_000, sample: () => new Promise<Snapshot>(() => undefined), consumers: [], signal: controller.signal });
    expect(hung).toEqual({ ticks: 0, aborted: true });

    const c2 = new AbortController();
    setTimeout(() => c2.abort(), 30);
    const s = sampler();
    const stuck = await runLoop({ intervalMs: 1_000, sample: s.sample, consumers: [], signal: c2.signal, afterEach: () => new Promise<void>(() => undefined) });
    expect(stuck.aborted).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('rejects a non-positive interval', async () => {
    await expect(runLoop({ intervalMs: 0, sample: sampler().sample, consumers: [] })).rejects.toThrow(RangeError);
  });
});

describe('closeConsumers', () => {
  it('closes every consumer and reports the ones that fail or hang', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    await closeConsumers(
      [
        consumer('a', log),
        { name: 'hangs', onSnapshot: () => undefined, close: () => new Promise<void>(() => undefined) },
        { name: 'throws', onSnapshot: () => undefined, close: async () => { throw new Error('nope'); } },
      ],
      50,
      (where, err) => errors.push(`${where}: ${(err as Error).message}`),
    );
    expect(log).toEqual(['close:a']);
    expect(errors.sort()).toEqual(['closing hangs: did not close within 50 ms', 'closing throws: nope']);
  });
});

describe('runLoop when sampling itself fails', () => {
  it('skips the tick, says so once while it fails the same way, and goes on sampling', async () => {
    const errors: string[] = [];
    const seen: string[] = [];
    let n = 0;
    const result = await runLoop({
      intervalMs: 20,
      maxTicks: 6,
      // Ticks 2-4 throw (as a sampler bug on a huge socket table would), then it recovers.
      sample: async () => {
        n += 1;
        if (n >= 2 && n <= 4) throw new RangeError('Maximum call stack size exceeded');
        return emptySnapshot('linux', new Date(Date.UTC(2026, 0, 1, 0, 0, n)));
      },
      consumers: [{ name: 'rules', onSnapshot: (s) => void seen.push(s.timestamp), close: async () => undefined }],
      onError: (where, err) => errors.push(`${where}: ${(err as Error).message}`),
    });
    expect(result).toEqual({ ticks: 6, aborted: false });
    expect(seen).toEqual(['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:06.000Z']);
    expect(errors).toEqual(['sampling failed (skipping this interval, retrying at the next): Maximum call stack size exceeded']);
  });

  it('with --once there is no next interval: the failure is the result', async () => {
    await expect(
      runLoop({ intervalMs: 1_000, once: true, sample: async () => Promise.reject(new Error('no /proc')), consumers: [] }),
    ).rejects.toThrow('no /proc');
  });
});
