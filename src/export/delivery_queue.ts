/**
 * The ordered, bounded list of log records waiting for the collector. Pure bookkeeping (no I/O,
 * no timers) so the ordering and dropping rules can be tested on their own:
 * - records leave in the order they came; the batch being sent is always the head;
 * - over the bound (records or bytes) the oldest records not being sent are dropped and counted —
 *   the batch in flight is left alone, since it may already have reached the collector.
 */
import { scopeKey, type StoredLogRecord } from './log_record_codec.js';

export interface QueueEntry {
  /** Increasing across the life of the spool, restarts included. */
  readonly seq: number;
  readonly record: StoredLogRecord;
  /** JSON of `record` (what the spool writes; its length is the entry's size). */
  readonly json: string;
}

export type DropReason = 'queue_full' | 'rejected';
export const DROP_REASONS: readonly DropReason[] = ['queue_full', 'rejected'];

export interface QueueLimits {
  maxRecords: number;
  maxBytes: number;
}

export interface QueueStats {
  queued: number;
  bytes: number;
  dropped: Readonly<Record<DropReason, number>>;
  delivered: number;
}

export class DeliveryQueue {
  readonly #entries: QueueEntry[] = [];
  #bytes = 0;
  /** The first `#inFlight` entries are being sent. */
  #inFlight = 0;
  #nextSeq = 1;
  readonly #dropped: Record<DropReason, number> = { queue_full: 0, rejected: 0 };
  #delivered = 0;

  constructor(readonly limits: QueueLimits) {
    if (!(limits.maxRecords >= 1)) throw new RangeError(`queue needs room for at least one record, got ${limits.maxRecords}`);
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Sum of the entries' JSON lengths. */
  get bytes(): number {
    return this.#bytes;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  entries(): readonly QueueEntry[] {
    return this.#entries;
  }

  stats(): QueueStats {
    return { queued: this.#entries.length, bytes: this.#bytes, dropped: { ...this.#dropped }, delivered: this.#delivered };
  }

  /** Adds a new record at the tail; returns the entries dropped to stay within the bound. */
  push(record: StoredLogRecord, json = JSON.stringify(record)): { entry: QueueEntry; dropped: QueueEntry[] } {
    const entry: QueueEntry = { seq: this.#nextSeq++, record, json };
    this.#entries.push(entry);
    this.#bytes += json.length;
    return { entry, dropped: this.#enforce() };
  }

  /** Records read back from the spool at startup, oldest first; may drop (the bound may have shrunk). */
  restore(entries: readonly QueueEntry[]): QueueEntry[] {
    for (const entry of entries) {
      this.#entries.push(entry);
      this.#bytes += entry.json.length;
      this.#nextSeq = Math.max(this.#nextSeq, entry.seq + 1);
    }
    return this.#enforce();
  }

  /** Seq numbers continue after what a spool already used. */
  reserveSeq(after: number): void {
    this.#nextSeq = Math.max(this.#nextSeq, after + 1);
  }

  #enforce(): QueueEntry[] {
    const dropped: QueueEntry[] = [];
    while ((this.#entries.length > this.limits.maxRecords || this.#bytes > this.limits.maxBytes) && this.#entries.length > this.#inFlight) {
      const [oldest] = this.#entries.splice(this.#inFlight, 1);
      this.#bytes -= oldest!.json.length;
      this.#dropped.queue_full += 1;
      dropped.push(oldest!);
    }
    return dropped;
  }

  /**
   * Marks up to `max` head records as in flight and returns them. A batch holds one instrumentation
   * scope only: the OTLP serializer groups a request's records by scope, which would reorder
   * interleaved scopes.
   */
  take(max: number): QueueEntry[] {
    if (this.#inFlight > 0) throw new Error('a batch is already in flight');
    const first = this.#entries[0];
    if (first === undefined) return [];
    const key = scopeKey(first.record.scope);
    let n = 1;
    while (n < Math.max(1, max) && n < this.#entries.length && scopeKey(this.#entries[n]!.record.scope) === key) n += 1;
    this.#inFlight = n;
    return this.#entries.slice(0, n);
  }

  /** The batch in flight reached the collector (`delivered`), was refused for good (`rejected`), or must be retried. */
  settle(outcome: 'delivered' | 'rejected' | 'retry'): QueueEntry[] {
    const n = this.#inFlight;
    this.#inFlight = 0;
    if (outcome === 'retry') return [];
    const done = this.#entries.splice(0, n);
    for (const e of done) this.#bytes -= e.json.length;
    if (outcome === 'delivered') this.#delivered += done.length;
    else this.#dropped.rejected += done.length;
    return done;
  }

  /**
   * Drops what was kept over the bound only because it was in flight (call after a failed
   * attempt); returns the dropped entries.
   */
  enforceBound(): QueueEntry[] {
    return this.#enforce();
  }
}
