/**
 * The LogRecordProcessor for alert records: nothing the rules emit is lost because the collector
 * is down, slow or answering 429/5xx.
 *
 * - onEmit copies the record into a bounded, ordered queue (delivery_queue.ts) and, with a state
 *   directory, appends it to the spool (log_spool.ts); it never waits for the network or the disk.
 * - One batch is in flight at a time, always the oldest records, so nothing newer reaches the
 *   collector before something older that is still queued. A failed batch stays at the head and
 *   is retried after a backoff (retry_policy.ts), honouring Retry-After.
 * - Over the bound the oldest records are dropped and counted (netstat.alerts.dropped), said once
 *   per outage. A final 4xx (retry_policy.ts) drops the records it refused, counted with reason
 *   `rejected` and said once until a delivery succeeds again.
 * - shutdown() spends at most its budget trying to deliver; what is left stays in the spool for
 *   the next start (or is reported lost when there is no spool).
 *
 * Delivery is exactly once while the process lives; across a crash it is at least once (a batch
 * the collector took just before the crash, but not yet marked done, is sent again).
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { DeliveryQueue, type DropReason, type QueueEntry, type QueueLimits, type QueueStats } from './delivery_queue.js';
import { readableLogRecord, ScopeCache, storeLogRecord } from './log_record_codec.js';
import { LogSpool } from './log_spool.js';
import { Backoff, classifyFailure, type BackoffOptions } from './retry_policy.js';
import type { AttemptObserver } from './single_attempt.js';

export interface QueueLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface QueuedLogProcessorOptions {
  exporter: LogRecordExporter;
  /** The transport's answer per attempt (Retry-After, status); null when unavailable. */
  observer: AttemptObserver | null;
  /** Every record is exported with this resource (replayed ones included). */
  resource: Resource;
  /** Collector URL, for log lines. */
  url: string;
  limits: QueueLimits;
  /** Records per request (at most half the record bound, so dropping never has to touch a batch in flight). */
  maxBatch?: number;
  /** The exporter's own timeout; an export that has not answered well after it counts as failed. */
  exportTimeoutMs: number;
  /** Wait this long after the first new record, so a burst leaves as one request. */
  gatherMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Keep the queue in `<stateDir>/alert-spool.jsonl` across restarts; null: memory only. */
  stateDir: string | null;
  /** Used by shutdown() when called without a budget (the LoggerProvider does). */
  shutdownTimeoutMs?: number;
  log: QueueLog;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxRecords: 10_000, maxBytes: 8 * 1024 * 1024 };
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, maxRetryAfterMs: 5 * 60_000 };
const DEFAULT_MAX_BATCH = 200;
const DEFAULT_GATHER_MS = 200;
/** Bad spool lines named one by one at startup; the rest are counted. */
const MAX_SKIPPED_REPORTED = 5;
/** Grace on top of the exporter's timeout before an unanswered export counts as failed. */
const EXPORT_GUARD_MS = 5_000;

/** `progress`: go on with the next batch at once; `failed`: wait for the backoff. */
type Attempt = 'progress' | 'failed' | 'empty';

function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T | 'late'> {
  const left = deadline - Date.now();
  if (left <= 0) return Promise.resolve('late');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), left);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export class QueuedLogProcessor implements LogRecordProcessor {
  readonly #queue: DeliveryQueue;
  readonly #scopes = new ScopeCache();
  readonly #backoff: Backoff;
  readonly #maxBatch: number;
  readonly #gatherMs: number;
  #batchLimit: number;
  #spool: LogSpool | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt: Promise<void> | null = null;
  /** No attempt before this time (backoff or Retry-After). */
  #notBefore = 0;
  #closing = false;
  #closed: Promise<void> | null = null;
  /** A drop was reported and nothing has been delivered since (one warning per episode). */
  #overflowing = false;
  /** Likewise for records the collector refused for good. */
  #rejecting = false;

  private constructor(private readonly options: QueuedLogProcessorOptions) {
    this.#queue = new DeliveryQueue(options.limits);
    this.#backoff = new Backoff({ ...DEFAULT_BACKOFF, ...options.backoff });
    this.#maxBatch = Math.max(1, Math.min(options.maxBatch ?? DEFAULT_MAX_BATCH, Math.floor(options.limits.maxRecords / 2)));
    this.#batchLimit = this.#maxBatch;
    this.#gatherMs = options.gatherMs ?? DEFAULT_GATHER_MS;
  }

  /** Opens the spool (if any), takes back what a previous run left, and starts delivering it. */
  static async create(options: QueuedLogProcessorOptions): Promise<QueuedLogProcessor> {
    const processor = new QueuedLogProcessor(options);
    if (options.stateDir !== null) await processor.#openSpool(options.stateDir);
    processor.#schedule(0);
    return processor;
  }

  async #openSpool(dir: string): Promise<void> {
    const { log } = this.options;
    const { spool, contents } = await LogSpool.open(dir, this.#queue, log);
    this.#spool = spool;
    this.#queue.reserveSeq(contents.lastSeq);
    const dropped = this.#queue.restore(contents.entries);
    // One line per bad spool line, as FILE:LINE, but a garbage file must not flood stderr.
    for (const bad of contents.skipped.slice(0, MAX_SKIPPED_REPORTED)) {
      log.warn(`${spool.file}:${bad.line}: skipped unreadable alert spool line: ${bad.reason}`, {
        event: 'spool_skipped',
        file: spool.file,
        line: bad.line,
      });
    }
    if (contents.skipped.length > MAX_SKIPPED_REPORTED) {
      log.warn(`${spool.file}: ${contents.skipped.length - MAX_SKIPPED_REPORTED} more unreadable alert spool line(s) skipped`, {
        event: 'spool_skipped',
        file: spool.file,
        lines: contents.skipped.length - MAX_SKIPPED_REPORTED,
      });
    }
    if (contents.entries.length > 0) {
      log.info(`alert spool ${spool.file}: ${contents.entries.length} record(s) from an earlier run to deliver`, {
        event: 'spool_replay',
        file: spool.file,
        records: contents.entries.length,
      });
    }
    if (dropped.length > 0) this.#reportOverflow(dropped.length);
    // Start from a file holding exactly the queue (finished lines of earlier runs go away).
    spool.compact();
  }

  /** Queue length, bytes, drops and deliveries since start (for netstat.alerts.*). */
  stats(): QueueStats {
    return this.#queue.stats();
  }

  get spoolFile(): string | null {
    return this.#spool?.file ?? null;
  }

  onEmit(logRecord: SdkLogRecord): void {
    // Copied now: the SDK object is mutable, and the spool needs plain JSON anyway.
    const stored = storeLogRecord(logRecord);
    const { entry, dropped } = this.#queue.push(stored);
    this.#spool?.append([entry]);
    if (dropped.length > 0) this.#dropped(dropped);
    this.#schedule(this.#gatherMs);
  }

  #dropped(entries: readonly QueueEntry[]): void {
    this.#spool?.finished(entries.map((e) => e.seq));
    this.#reportOverflow(entries.length);
  }

  #reportOverflow(count: number): void {
    if (this.#overflowing) return;
    this.#overflowing = true;
    const { maxRecords } = this.options.limits;
    this.options.log.warn(
      `alert queue full (${maxRecords} records or ${this.options.limits.maxBytes} bytes) while ${this.options.url} is unreachable: ` +
        `dropping the oldest (${count} so far in this outage; netstat.alerts.dropped counts them)`,
      { event: 'alert_queue_full', url: this.options.url, dropped: count },
    );
  }

  /** Arms the timer for the next attempt, no earlier than the backoff allows. */
  #schedule(delayMs: number): void {
    if (this.#closing || this.#attempt !== null || this.#timer !== null || this.#queue.size === 0) return;
    const wait = Math.max(delayMs, this.#notBefore - Date.now(), 0);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, wait);
    // The run loop keeps the process alive; a pending retry alone must not.
    this.#timer.unref();
  }

  #cancelTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Sends batches until the queue is empty or one fails; only one runs at a time. */
  #run(deadline = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.#attempt !== null) return this.#attempt;
    this.#attempt = (async () => {
      while (Date.now() < deadline) {
        const outcome = await this.#attemptOnce();
        if (outcome !== 'progress') break;
      }
    })().finally(() => {
      this.#attempt = null;
      this.#schedule(0);
    });
    return this.#attempt;
  }

  async #attemptOnce(): Promise<Attempt> {
    const batch = this.#queue.take(this.#batchLimit);
    if (batch.length === 0) return 'empty';
    const records: ReadableLogRecord[] = batch.map((e) => readableLogRecord(e.record, this.options.resource, this.#scopes));
    this.options.observer?.clear();
    const result = await this.#export(records);
    if (result.code === ExportResultCode.SUCCESS) {
      this.#finish(this.#queue.settle('delivered'));
      this.#backoff.reset();
      this.#notBefore = 0;
      this.#batchLimit = this.#maxBatch;
      this.#overflowing = false;
      this.#rejecting = false;
      return 'progress';
    }

    const failure = classifyFailure(result.error, this.options.observer?.last(), batch.length);
    if (failure.action === 'split') {
      // Find the record the collector refuses instead of giving up on the whole batch.
      this.#queue.settle('retry');
      this.#batchLimit = Math.max(1, Math.ceil(batch.length / 2));
      return 'progress'; // not a collector outage: go on at once
    }
    if (failure.action === 'reject') {
      const rejected = this.#queue.settle('rejected');
      this.#finish(rejected);
      this.#reportRejected(rejected, failure.reason);
      return 'progress';
    }
    this.#queue.settle('retry');
    const dropped = this.#queue.enforceBound();
    if (dropped.length > 0) this.#dropped(dropped);
    this.#notBefore = Date.now() + this.#backoff.next(failure.retryAfterMs);
    return 'failed';
  }

  /** Once until a record is delivered again: a collector refusing everything must not flood stderr. */
  #reportRejected(entries: readonly QueueEntry[], reason: string): void {
    if (this.#rejecting) return;
    this.#rejecting = true;
    const { url, log } = this.options;
    const first = String(entries[0]?.record.body ?? '').slice(0, 200);
    log.warn(
      `collector at ${url} refused ${entries.length} alert record(s) (${reason}); dropped, not retried ` +
        `(netstat.alerts.dropped{reason=rejected} counts them; said once until a delivery succeeds): ${first}`,
      { event: 'alert_rejected', url, reason, records: entries.length },
    );
  }

  #finish(entries: readonly QueueEntry[]): void {
    this.#spool?.finished(entries.map((e) => e.seq));
  }

  #export(records: ReadableLogRecord[]): Promise<ExportResult> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: ExportResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        resolve(result);
      };
      const guardMs = this.options.exportTimeoutMs + EXPORT_GUARD_MS;
      const guard = setTimeout(
        () => finish({ code: ExportResultCode.FAILED, error: new Error(`log export did not finish within ${guardMs} ms`) }),
        guardMs,
      );
      guard.unref();
      try {
        this.options.exporter.export(records, finish);
      } catch (err) {
        finish({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
      }
    });
  }

  /** Try now, ignoring the backoff; resolves after everything queued was delivered or an attempt failed. */
  async forceFlush(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#cancelTimer();
    if (this.#attempt !== null) await this.#attempt;
    this.#cancelTimer();
    if (this.#queue.size > 0) {
      this.#notBefore = 0;
      await this.#run();
    }
    await this.#spool?.flush();
  }

  shutdown(): Promise<void> {
    return this.close(this.options.shutdownTimeoutMs ?? 2_000);
  }

  /**
   * Deliver what can be delivered within `timeoutMs`, keep the rest in the spool, release
   * everything. Never takes (much) longer than the budget, whatever the collector does.
   */
  close(timeoutMs: number): Promise<void> {
    this.#closed ??= this.#close(Date.now() + Math.max(0, timeoutMs));
    return this.#closed;
  }

  async #close(deadline: number): Promise<void> {
    this.#closing = true;
    this.#cancelTimer();
    const { log, url } = this.options;
    // Durable first: if the collector eats the whole budget, the spool already has everything.
    if (this.#spool !== null) await withDeadline(this.#spool.flush(), deadline);
    if (this.#attempt !== null) await withDeadline(this.#attempt, deadline);
    if (this.#queue.size > 0 && this.#attempt === null) await withDeadline(this.#run(deadline), deadline);

    const left = this.#queue.size;
    if (left > 0) {
      const file = this.#spool?.file;
      if (file !== undefined) {
        log.warn(`${left} alert record(s) not delivered to ${url}; kept in ${file} for the next start`, {
          event: 'alerts_spooled',
          url,
          records: left,
          file,
        });
      } else {
        log.warn(`${left} alert record(s) not delivered to ${url} and lost (a --state-dir keeps them across restarts)`, {
          event: 'alerts_lost',
          url,
          records: left,
        });
      }
    }
    if (this.#spool !== null) await withDeadline(this.#spool.close(), deadline + 500);
    await withDeadline(this.options.exporter.shutdown().catch(() => undefined), deadline);
  }
}
