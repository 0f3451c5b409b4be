/**
 * Everything that leaves the process: a MeterProvider (OTLP push + optional Prometheus pull) and
 * a LoggerProvider (OTLP logs, for alert records), over one Resource. Configured from the standard
 * OTEL_* environment variables; the caller decides the interval, the Prometheus port and where
 * undelivered alert records are kept (stateDir). Metrics may be dropped when the collector is
 * away; log records go through a bounded, ordered, retried queue (queued_log_processor.ts).
 */
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
// The OTLP and Prometheus exporters are imported on demand (import() below): each weighs 8-21 MiB
// of RSS once loaded, and a sidecar uses one protocol per signal, often without Prometheus.
import type { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { withPrometheusNames } from '../metrics/prometheus_names.js';
import type { Resource } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';
import type { QueueLimits, QueueStats } from './delivery_queue.js';
import { ExportHealth, HealthTrackingLogExporter, HealthTrackingMetricExporter, type TelemetryLog } from './health.js';
import {
  exportersFromEnv,
  resolveEndpoint,
  resolveProtocol,
  timeoutFromEnv,
  type Env,
  type OtlpProtocol,
} from './otlp-config.js';
import { DEFAULT_QUEUE_LIMITS, QueuedLogProcessor } from './queued_log_processor.js';
import { buildResource } from './resource.js';
import type { BackoffOptions } from './retry_policy.js';
import { takeOverRetries } from './single_attempt.js';

/** setInterval's ceiling (~24.8 days); larger values fire immediately. */
const NEVER_MS = 2_147_483_647;

export const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';
export const DEFAULT_PROMETHEUS_PORT = 9464;

export interface TelemetryConfig {
  /**
   * How often the periodic reader exports on its own. `null`: only when `flushMetrics()` is
   * called — what `run` does right after each sample, so every export carries a fresh snapshot
   * instead of one up to an interval old.
   */
  metricExportIntervalMillis: number | null;
  /**
   * Cap on one metric export, on top of OTEL_EXPORTER_OTLP_TIMEOUT (default 10 s) and the export
   * interval. `run` passes half its sampling interval, so that sampling plus an export to a dead
   * or hanging collector still fit in one interval and the loop keeps its pace. Metric exports are
   * tried once (no retries inside an interval: the next export carries fresher values). Log
   * exports are not capped by this: they never hold the loop up (the alert queue sends them on its
   * own), and a short timeout there would only make duplicates likelier.
   */
  maxExportMillis?: number;
  /** Serve /metrics for Prometheus. Default host 127.0.0.1: exposing it further is a decision. */
  prometheus?: { port: number; host?: string } | null;
  /** Where collector up/down transitions are reported. Default: plain lines on stderr. */
  log?: TelemetryLog;
  /** Environment to read OTEL_* from (tests). Default process.env. */
  env?: Env;
  /** Resource to use instead of detecting one (tests). */
  resource?: Resource;
  /**
   * Keep undelivered log records in `<stateDir>/alert-spool.jsonl`, so they survive a restart.
   * Default null: in memory only.
   */
  stateDir?: string | null;
  /** Bounds and pacing of the log record queue (defaults: 10 000 records, 8 MiB, 1 s..30 s backoff). */
  logQueue?: Partial<QueueLimits> & { backoff?: Partial<BackoffOptions>; gatherMs?: number };
}

/** What netstat.alerts.* report. */
export interface LogQueueView {
  stats(): QueueStats;
  readonly spoolFile: string | null;
}

/** Default time shutdown() may spend delivering queued log records. */
export const DEFAULT_LOG_SHUTDOWN_MS = 3_000;

export interface TelemetryEndpoints {
  protocol: OtlpProtocol;
  /** OTLP URLs, or null when the signal's exporter is `none`. */
  metrics: string | null;
  logs: string | null;
  /** The Prometheus scrape URL, once the server listens. */
  prometheus: string | null;
}

export interface Telemetry {
  readonly meterProvider: MeterProvider;
  /** For alert log records: `telemetry.loggerProvider.getLogger('netstat-otel.alerts')`. */
  readonly loggerProvider: LoggerProvider;
  readonly resource: Resource;
  readonly endpoints: TelemetryEndpoints;
  /** Collector reachability per signal (null when that signal is not exported over OTLP). */
  readonly health: { metrics: ExportHealth | null; logs: ExportHealth | null };
  /** The alert record queue (null when logs are not exported over OTLP). */
  readonly logQueue: LogQueueView | null;
  /** Collect and export metrics now; never rejects. */
  flushMetrics(): Promise<void>;
  /** Flush metrics and pending log records; never rejects. */
  forceFlush(): Promise<void>;
  /**
   * Flush, stop the Prometheus server and release everything; never rejects; idempotent.
   * `finalMetricExport: false` skips the extra metric export the SDK does on shutdown, for callers
   * that just called flushMetrics() (run does, after every sample). Queued log records get
   * `timeoutMs` (default DEFAULT_LOG_SHUTDOWN_MS) to reach the collector; what does not stays in
   * the spool when there is one.
   */
  shutdown(options?: { finalMetricExport?: boolean; timeoutMs?: number }): Promise<void>;
}

const stderrLog: TelemetryLog = {
  info: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`${message}\n`),
};

/** OTEL_LOG_LEVEL turns on the SDK's own diagnostics, as in other OTel SDKs. */
function installDiagLogger(env: Env): void {
  const level = env['OTEL_LOG_LEVEL']?.trim().toUpperCase();
  if (level === undefined || level === '' || level === 'NONE') return;
  const value = DiagLogLevel[level as keyof typeof DiagLogLevel];
  if (typeof value === 'number') diag.setLogger(new DiagConsoleLogger(), { logLevel: value, suppressOverrideMessage: true });
}

async function metricExporter(protocol: OtlpProtocol, url: string, timeoutMillis: number) {
  // Headers, compression and TLS files come from OTEL_EXPORTER_OTLP_* inside the exporter.
  // Only the configured protocol's module is loaded.
  const { OTLPMetricExporter } = protocol === 'http/json'
    ? await import('@opentelemetry/exporter-metrics-otlp-http')
    : await import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter({ url, timeoutMillis });
}

async function logExporter(protocol: OtlpProtocol, url: string, timeoutMillis: number) {
  const { OTLPLogExporter } = protocol === 'http/json'
    ? await import('@opentelemetry/exporter-logs-otlp-http')
    : await import('@opentelemetry/exporter-logs-otlp-proto');
  return new OTLPLogExporter({ url, timeoutMillis });
}

interface PrometheusEndpoint {
  reader: PrometheusExporter;
  url: string;
  close(): Promise<void>;
}

/**
 * The exporter's built-in server treats port 0 as "use 9464"; serving from our own server gives
 * `--prometheus-port 0` (any free port) and reports the bound address. We serialize ourselves so
 * the names carry unit suffixes exactly as an OTLP-fed Prometheus backend names them, and one
 * dashboard works for both paths.
 */
async function servePrometheus(reader: PrometheusExporter, serializer: PrometheusSerializer, response: ServerResponse): Promise<void> {
  try {
    const { resourceMetrics, errors } = await reader.collect();
    for (const err of errors) diag.error('prometheus collection', err);
    response.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    response.end(serializer.serialize(withPrometheusNames(resourceMetrics)));
  } catch (err) {
    response.statusCode = 500;
    response.end(`# failed to collect metrics: ${(err as Error).message}\n`);
  }
}

async function startPrometheus(port: number, host: string): Promise<PrometheusEndpoint> {
  const { PrometheusExporter, PrometheusSerializer } = await import('@opentelemetry/exporter-prometheus');
  const reader = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer();
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && pathname === '/metrics') {
      void servePrometheus(reader, serializer, response);
    } else {
      response.statusCode = 404;
      response.end('not found: scrape /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve());
  }).catch((err: unknown) => {
    throw new UsageError(`cannot serve Prometheus metrics on ${host}:${port}: ${(err as Error).message}`);
  });
  server.unref();
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    reader,
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function pickDefined<T extends object, K extends keyof T>(source: T | undefined, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source?.[key] !== undefined) out[key] = source[key];
  return out;
}

export async function createTelemetry(config: TelemetryConfig): Promise<Telemetry> {
  const env = config.env ?? process.env;
  const log = config.log ?? stderrLog;
  installDiagLogger(env);

  const metricExporters = exportersFromEnv('metrics', env);
  const logExporters = exportersFromEnv('logs', env);
  const otlpMetrics = metricExporters.has('otlp');
  const otlpLogs = logExporters.has('otlp');
  // Resolve (and validate) before anything listens, so a bad variable fails fast.
  const protocol = resolveProtocol('metrics', env);
  const logsProtocol = resolveProtocol('logs', env);
  const metricsUrl = otlpMetrics ? resolveEndpoint('metrics', env) : null;
  const logsUrl = otlpLogs ? resolveEndpoint('logs', env) : null;

  const interval = config.metricExportIntervalMillis;
  const cap = Math.min(config.maxExportMillis ?? Number.POSITIVE_INFINITY, interval ?? Number.POSITIVE_INFINITY);
  const exportTimeout = Math.max(1, Math.min(timeoutFromEnv('metrics', env), cap));

  const resource = config.resource ?? (await buildResource());

  // The log queue first: it may refuse the state directory, and then nothing must be listening yet.
  let logsHealth: ExportHealth | null = null;
  let logQueue: QueuedLogProcessor | null = null;
  const processors: LogRecordProcessor[] = [];
  if (logsUrl !== null) {
    logsHealth = new ExportHealth(logsUrl, 'logs', log, { retried: true });
    const logTimeout = Math.max(1, timeoutFromEnv('logs', env));
    const otlp = await logExporter(logsProtocol, logsUrl, logTimeout);
    const observer = takeOverRetries(otlp);
    if (observer === null) diag.warn('OTLP log exporter internals changed: its own retries stay on under the alert queue');
    try {
      logQueue = await QueuedLogProcessor.create({
        exporter: new HealthTrackingLogExporter(otlp, logsHealth),
        observer,
        resource,
        url: logsUrl,
        limits: { ...DEFAULT_QUEUE_LIMITS, ...pickDefined(config.logQueue, ['maxRecords', 'maxBytes']) },
        exportTimeoutMs: logTimeout,
        gatherMs: config.logQueue?.gatherMs,
        backoff: config.logQueue?.backoff,
        stateDir: config.stateDir ?? null,
        shutdownTimeoutMs: DEFAULT_LOG_SHUTDOWN_MS,
        log,
      });
    } catch (err) {
      throw new UsageError(`cannot keep alert records in state directory ${config.stateDir}: ${(err as Error).message}`);
    }
    processors.push(logQueue);
  }

  const readers: IMetricReader[] = [];
  let metricsHealth: ExportHealth | null = null;
  let otlpMetricExporter: HealthTrackingMetricExporter | null = null;
  if (metricsUrl !== null) {
    metricsHealth = new ExportHealth(metricsUrl, 'metrics', log);
    const otlp = await metricExporter(protocol, metricsUrl, exportTimeout);
    // One attempt per export: the exporter's own retries (1 s, 1.5 s, ... within the timeout)
    // would hold `run`'s loop for the whole timeout on every interval while the collector is down.
    if (takeOverRetries(otlp) === null) diag.warn('OTLP metric exporter internals changed: its own retries stay on');
    otlpMetricExporter = new HealthTrackingMetricExporter(otlp, metricsHealth);
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: otlpMetricExporter,
        exportIntervalMillis: interval ?? NEVER_MS,
        exportTimeoutMillis: exportTimeout,
      }),
    );
  }

  let prometheus: PrometheusEndpoint | null = null;
  const wantsPrometheus = config.prometheus ?? (metricExporters.has('prometheus') ? { port: DEFAULT_PROMETHEUS_PORT } : null);
  if (wantsPrometheus !== null) {
    try {
      prometheus = await startPrometheus(wantsPrometheus.port, wantsPrometheus.host ?? DEFAULT_PROMETHEUS_HOST);
    } catch (err) {
      await logQueue?.close(0);
      throw err;
    }
    readers.push(prometheus.reader);
  }

  const meterProvider = new MeterProvider({ resource, readers });

  const loggerProvider = new LoggerProvider({ resource, processors });

  const settle = async (work: Promise<unknown>): Promise<void> => {
    // The SDK reports export failures through the health wrappers; nothing here may reject.
    try {
      await work;
    } catch {
      /* already reported */
    }
  };
  let shutdownPromise: Promise<void> | null = null;

  return {
    meterProvider,
    loggerProvider,
    resource,
    endpoints: { protocol, metrics: metricsUrl, logs: logsUrl, prometheus: prometheus?.url ?? null },
    health: { metrics: metricsHealth, logs: logsHealth },
    logQueue,
    flushMetrics: () => settle(meterProvider.forceFlush()),
    forceFlush: () => settle(Promise.all([settle(meterProvider.forceFlush()), settle(loggerProvider.forceFlush())])),
    shutdown: (options = {}) => {
      if (options.finalMetricExport === false && otlpMetricExporter !== null) otlpMetricExporter.skipExports = true;
      const budget = options.timeoutMs ?? DEFAULT_LOG_SHUTDOWN_MS;
      // A metric export stuck on a collector that never answers would hold the exporter's
      // shutdown for its whole timeout; metrics may be dropped, so they get the same budget.
      const bounded = (work: Promise<unknown>) => settle(Promise.race([work, sleep(budget + 100, undefined, { ref: false })]));
      return (shutdownPromise ??= settle(
        Promise.all([
          bounded(meterProvider.shutdown()),
          // The queue first, with the caller's budget; the provider's shutdown then finds it closed.
          bounded((async () => {
            await logQueue?.close(budget);
            await loggerProvider.shutdown();
          })()),
          bounded(prometheus?.close() ?? Promise.resolve()),
        ]),
      ));
    },
  };
}
