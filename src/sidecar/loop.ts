/**
 * The run loop: sample once per interval and hand the snapshot to every consumer, in order.
 * Consumers never sample themselves, so one sampling serves metrics, rules and the status line.
 * Ticks keep to a fixed grid (start + k × interval); a tick that overruns skips the slots it
 * missed instead of firing them back to back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Snapshot } from '../snapshot/types.js';
import type { SnapshotConsumer } from './consumer.js';

export interface TickInfo {
  /** 0-based tick number. */
  index: number;
  /** How long sampling took. */
  sampleMs: number;
  /** Consumers whose onSnapshot threw this tick. */
  consumerErrors: number;
}

export interface LoopOptions {
  intervalMs: number;
  /**
   * Takes one snapshot. Problems reading the host belong in snapshot.errors; if it rejects anyway
   * the tick is skipped and reported (once while it keeps failing the same way), except with
   * `once`, where the loop rejects.
   */
  sample: () => Promise<Snapshot>;
  /** Called in this order with every snapshot; the metrics holder comes first. */
  consumers: readonly SnapshotConsumer[];
  /** After every consumer has seen the snapshot: export, print the status line. Awaited. */
  afterEach?: (snapshot: Snapshot, tick: TickInfo) => Promise<void> | void;
  /** One tick, then return. */
  once?: boolean;
  /** Stop after this many ticks (tests). */
  maxTicks?: number;
  /** Abort to stop: the loop returns after the current step without waiting for the next slot. */
  signal?: AbortSignal;
  /** A consumer (or afterEach) threw; the loop goes on. */
  onError?: (where: string, err: unknown) => void;
  /** Clock, for tests. */
  now?: () => number;
}

export interface LoopResult {
  ticks: number;
  /** True when the loop ended because the signal was aborted. */
  aborted: boolean;
}

/** Resolves with the promise's value, or with `undefined` as soon as the signal aborts. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export async function runLoop(options: LoopOptions): Promise<LoopResult> {
  const { intervalMs, signal } = options;
  if (!(intervalMs > 0)) throw new RangeError(`interval must be positive, got ${intervalMs}`);
  const now = options.now ?? (() => performance.now());
  const onError = options.onError ?? (() => undefined);
  const maxTicks = options.once ? 1 : (options.maxTicks ?? Number.POSITIVE_INFINITY);
  const start = now();
  let slot = 0;
  let ticks = 0;

  /** The message of the last failed sample, so a failure that repeats every tick is said once. */
  let failing: string | null = null;

  while (ticks < maxTicks && !signal?.aborted) {
    const sampleStarted = now();
    let snapshot: Snapshot | undefined | null;
    try {
      snapshot = await unlessAborted(options.sample(), signal);
    } catch (err) {
      // A sampler bug (or a host it cannot cope with) must not end a sidecar: say so, skip this
      // tick, try again at the next slot. A one-shot run has no next slot: it fails.
      if (options.once) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (message !== failing) onError('sampling failed (skipping this interval, retrying at the next)', err);
      failing = message;
      snapshot = null;
    }
    if (snapshot === undefined) break;
    const sampleMs = now() - sampleStarted;

    if (snapshot !== null) {
      failing = null;
      let consumerErrors = 0;
      for (const consumer of options.consumers) {
        try {
          await consumer.onSnapshot(snapshot);
        } catch (err) {
          consumerErrors += 1;
          onError(`consumer ${consumer.name}`, err);
        }
      }
      try {
        // A stop request does not wait for an export to a dead collector; shutdown bounds that.
        await unlessAborted(Promise.resolve(options.afterEach?.(snapshot, { index: ticks, sampleMs, consumerErrors })), signal);
      } catch (err) {
        onError('after sample', err);
      }
    }
    ticks += 1;
    if (ticks >= maxTicks || signal?.aborted) break;

    slot = Math.max(slot + 1, Math.ceil((now() - start) / intervalMs));
    const wait = start + slot * intervalMs - now();
    if (wait > 0) {
      try {
        await sleep(wait, undefined, signal ? { signal } : {});
      } catch {
        break; // aborted while waiting
      }
    }
  }
  return { ticks, aborted: signal?.aborted ?? false };
}

/** Close every consumer (each at most `timeoutMs`), reporting failures; never rejects. */
export async function closeConsumers(
  consumers: readonly SnapshotConsumer[],
  timeoutMs: number,
  onError: (where: string, err: unknown) => void = () => undefined,
): Promise<void> {
  await Promise.all(
    consumers.map(async (consumer) => {
      const timer = sleep(timeoutMs, 'timeout' as const, { ref: false });
      try {
        const outcome = await Promise.race([consumer.close().then(() => 'closed' as const), timer]);
        if (outcome === 'timeout') onError(`closing ${consumer.name}`, new Error(`did not close within ${timeoutMs} ms`));
      } catch (err) {
        onError(`closing ${consumer.name}`, err);
      }
    }),
  );
}
