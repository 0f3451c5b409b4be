/**
 * Makes an OTLP/HTTP exporter of @opentelemetry/otlp-exporter-base 0.223 (logs or metrics) send
 * each export once and tells us what the collector answered.
 *
 * Why: the exporter wraps its HTTP transport in a RetryingTransport (retrying-transport.js) that
 * retries 429/502/503/504 and network errors up to 5 times (1 s, x1.5, at most 5 s, ±20 %) within
 * the export timeout, honours Retry-After only when it fits in that timeout, and then reports a
 * bare FAILED — the status and the Retry-After value are lost. The delivery queue has its own,
 * longer-lived retry (retry_policy.ts); layering both would retry inside retries and could not
 * respect a Retry-After of a minute. So the queue takes the transport under the retrying layer
 * and keeps the answer of each attempt. Metric exports are tried once too: `run` waits for each
 * export, and the next interval's export is the retry.
 *
 * These are private fields (`_delegate._transport._transport`). The exporter version is pinned
 * (~0.223), test/export/queued-log-processor.test.ts ("the exporter has the shape ...") fails
 * loudly if the shape changes, and when it does not match at runtime we leave the exporter alone:
 * its own retries stay on and the queue still retries after them, only without the collector's
 * Retry-After.
 */
import type { TransportResponse } from './retry_policy.js';

interface Transport {
  send(data: Uint8Array, timeoutMillis: number): Promise<TransportResponse>;
  shutdown(): void;
}

export interface AttemptObserver {
  /** The transport's answer to the most recent send (one export runs at a time in the queue). */
  last(): TransportResponse | undefined;
  /** Forget the previous answer before a new attempt. */
  clear(): void;
}

function isTransport(value: unknown): value is Transport {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Transport).send === 'function' &&
    typeof (value as Transport).shutdown === 'function'
  );
}

/** Returns null (and changes nothing) when the exporter is not shaped as expected. */
export function takeOverRetries(exporter: object): AttemptObserver | null {
  const delegate = (exporter as { _delegate?: unknown })._delegate as { _transport?: unknown } | undefined;
  if (typeof delegate !== 'object' || delegate === null) return null;
  const retrying = delegate._transport;
  if (!isTransport(retrying) || retrying.constructor?.name !== 'RetryingTransport') return null;
  const http = (retrying as unknown as { _transport?: unknown })._transport;
  if (!isTransport(http)) return null;

  let last: TransportResponse | undefined;
  const single: Transport = {
    async send(data, timeoutMillis) {
      try {
        last = await http.send(data, timeoutMillis);
      } catch (err) {
        last = { status: 'failure', error: err instanceof Error ? err : new Error(String(err)) };
      }
      return last;
    },
    shutdown: () => http.shutdown(),
  };
  delegate._transport = single;
  return {
    last: () => last,
    clear: () => {
      last = undefined;
    },
  };
}
