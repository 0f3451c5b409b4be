/**
 * Says on stderr when the collector goes away and when it comes back — once per transition, not
 * once per interval. These wrappers only watch export results: a dead collector costs a dropped
 * metric export (the next one carries fresh values), never the process; log records are kept and
 * retried by the alert queue (queued_log_processor.ts).
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describeExportError, httpStatus, isRejection } from './retry_policy.js';
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

export interface TelemetryLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}


export interface ExportHealthOptions {
  /** Failed exports are kept and retried (the alert queue), so nothing was lost: say so. */
  retried?: boolean;
}

export class ExportHealth {
  #state: 'unknown' | 'ok' | 'failing' = 'unknown';
  #failures = 0;

  constructor(
    readonly url: string,
    readonly signal: string,
    private readonly log: TelemetryLog,
    private readonly options: ExportHealthOptions = {},
  ) {}

  get state(): 'unknown' | 'ok' | 'failing' {
    return this.#state;
  }

  /** Exports that failed since the collector was last reachable. */
  get failures(): number {
    return this.#failures;
  }

  record(result: ExportResult): void {
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.#state === 'failing') {
        const outcome = this.options.retried
          ? `${this.#failures} failed attempt(s); queued records follow in order`
          : `${this.#failures} export(s) lost`;
        this.log.info(`collector at ${this.url} reachable again (${this.signal}; ${outcome})`, {
          event: 'collector_reachable',
          url: this.url,
          signal: this.signal,
          failedExports: this.#failures,
        });
      }
      this.#state = 'ok';
      this.#failures = 0;
      return;
    }
    this.#failures += 1;
    if (this.#state !== 'failing') {
      const reason = describeExportError(result.error);
      // A 401/403/404 is the collector's answer, not an outage: "unreachable; retrying" would
      // send the operator looking at the network instead of the key or the URL.
      const rejected = isRejection(httpStatus(result.error));
      const what = rejected
        ? `rejected the export: ${reason}; ${this.options.retried ? 'rejected alert records are dropped and counted in netstat.alerts.dropped' : 'the next sample is exported again'}`
        : `unreachable: ${reason}; retrying`;
      this.log.warn(`collector at ${this.url} ${what}`, {
        event: rejected ? 'collector_rejected' : 'collector_unreachable',
        url: this.url,
        signal: this.signal,
        reason,
      });
      this.#state = 'failing';
    }
  }
}

/** What both OTLP exporters share: export one payload, report the result, flush, shut down. */
interface WatchedExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Passes exports through to the OTLP exporter and tells `health` how each ended. An exporter that
 * throws instead of calling back counts as a failed export, so the caller is always answered.
 */
class HealthTrackingExporter<T> {
  constructor(
    protected readonly inner: WatchedExporter<T>,
    readonly health: ExportHealth,
  ) {}

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    const report = (result: ExportResult) => {
      this.health.record(result);
      resultCallback(result);
    };
    try {
      this.inner.export(items, report);
    } catch (err) {
      report({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export class HealthTrackingMetricExporter extends HealthTrackingExporter<ResourceMetrics> implements PushMetricExporter {
  /**
   * Set before shutdown when the latest data was already exported: the reader's shutdown always
   * exports once more, which would send the same snapshot twice (and wait on a dead collector twice).
   */
  skipExports = false;

  constructor(
    private readonly metrics: PushMetricExporter,
    health: ExportHealth,
  ) {
    super(metrics, health);
  }

  override export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.skipExports) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    super.export(metrics, resultCallback);
  }

  // The reader asks the exporter for temporality and aggregation; answer as the OTLP exporter does.
  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.metrics.selectAggregationTemporality!(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.metrics.selectAggregation!(instrumentType);
  }
}

export class HealthTrackingLogExporter extends HealthTrackingExporter<ReadableLogRecord[]> implements LogRecordExporter {}
