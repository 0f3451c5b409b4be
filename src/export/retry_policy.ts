/**
 * What to do after a failed log export. The queue retries on its own schedule instead of the
 * OTLP exporter's (see single_attempt.ts), so this is the only retry policy in the path:
 * - network errors (refused, reset, timed out), 408, 429 and every 5xx: the collector is away or
 *   busy, so retry after an exponential backoff with jitter, or after its Retry-After;
 * - any other 4xx is the collector's final answer (OTLP/HTTP: "MUST NOT retry"): the records are
 *   rejected, counted as dropped with reason `rejected` and reported. 400 and 413 speak of the
 *   payload, so a batch is split first and only the record at fault is given up; 401, 403, 404
 *   and the rest speak of the request, so the whole batch goes at once (retrying a wrong key or
 *   URL forever would only fill the queue and drop newer alerts instead).
 */

/** What the HTTP transport answered, as otlp-exporter-base reports it (ExportResponse). */
export type TransportResponse =
  | { status: 'success' }
  | { status: 'failure'; error: Error }
  | { status: 'retryable'; retryInMillis?: number; error?: Error };

export type FailureAction =
  | { action: 'retry'; retryAfterMs: number | null; reason: string }
  | { action: 'split'; reason: string }
  | { action: 'reject'; reason: string };

/** The collector refuses this payload: some record in it may be at fault, the others not. */
const PAYLOAD_REFUSED = new Set([400, 413]);
/** 4xx that still mean "try later": the request timed out, or the collector is rate-limiting. */
const RETRYABLE_4XX = new Set([408, 429]);

/** The HTTP status an OTLP exporter error carries in `code` (network errors carry ECONNREFUSED etc.). */
export function httpStatus(error: Error | undefined): number | null {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : null;
}

/** The collector's final answer (OTLP/HTTP: "MUST NOT retry"): a 4xx that is not 408 or 429. */
export function isRejection(status: number | null): boolean {
  return status !== null && status >= 400 && status < 500 && !RETRYABLE_4XX.has(status);
}

/** One line for an export error: `HTTP 401: bad key`, `connect ECONNREFUSED 127.0.0.1:4318`. */
export function describeExportError(error: Error | undefined): string {
  if (error === undefined) return 'export failed';
  const status = httpStatus(error);
  if (status !== null) {
    const data = (error as { data?: unknown }).data;
    const detail = typeof data === 'string' && data !== '' ? `: ${data.slice(0, 200)}` : '';
    return `HTTP ${status}${detail}`;
  }
  // The OTLP exporter's wording for 429/502/503/504, whose status it does not keep.
  if (error.message === 'Export failed with retryable status') return 'HTTP 429/502/503/504 (retryable)';
  return error.message || String(error);
}

/**
 * `response` is what the transport answered for this attempt, when known; the exporter's own
 * error otherwise. `batchSize` decides between splitting and giving up.
 */
export function classifyFailure(error: Error | undefined, response: TransportResponse | undefined, batchSize: number): FailureAction {
  if (response?.status === 'retryable') {
    // 429/502/503/504 carry no error object; the Retry-After header is all we get.
    const after = response.retryInMillis;
    const reason = response.error !== undefined ? describeExportError(response.error) : 'HTTP 429/502/503/504 (retryable)';
    return { action: 'retry', retryAfterMs: typeof after === 'number' && after >= 0 ? after : null, reason };
  }
  const failure = response?.status === 'failure' ? response.error : error;
  const status = httpStatus(failure);
  const reason = describeExportError(failure);
  if (status !== null && isRejection(status)) {
    return PAYLOAD_REFUSED.has(status) && batchSize > 1 ? { action: 'split', reason } : { action: 'reject', reason };
  }
  return { action: 'retry', retryAfterMs: null, reason };
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A collector's Retry-After is honoured up to this (a misconfigured one must not stall us for a day). */
  maxRetryAfterMs: number;
  multiplier?: number;
  /** ±fraction, so many sidecars restarted together do not retry in lockstep. */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  #next: number;

  constructor(private readonly options: BackoffOptions) {
    this.#next = options.initialMs;
  }

  /** The delay before the next attempt, and the one after grows. */
  next(retryAfterMs: number | null = null): number {
    const { maxMs, multiplier = 2, jitter = 0.2, random = Math.random } = this.options;
    const base = Math.min(this.#next, maxMs);
    this.#next = Math.min(this.#next * multiplier, maxMs);
    const jittered = Math.max(0, base * (1 + (random() * 2 - 1) * jitter));
    if (retryAfterMs === null) return Math.round(jittered);
    return Math.round(Math.min(Math.max(retryAfterMs, jittered), this.options.maxRetryAfterMs));
  }

  reset(): void {
    this.#next = this.options.initialMs;
  }
}
