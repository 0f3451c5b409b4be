/**
 * `netstat-otel run`: the sidecar. Samples once per interval, feeds every consumer (metrics first,
 * then whatever the caller registers — the rules evaluator), exports over OTLP and optionally
 * serves Prometheus, prints one status line per interval, reloads the rules on SIGHUP, and stops
 * cleanly on SIGTERM/SIGINT within SHUTDOWN_BUDGET_MS (alert records it could not deliver by then
 * stay in the --state-dir spool).
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { formatDuration } from '../config/duration.js';
import { resolveRunOptions, type RunFlags, type RunOptions } from '../config/run-options.js';
import { UsageError } from '../errors.js';
import type { Env } from '../export/otlp-config.js';
import { packageVersion } from '../export/resource.js';
import { createTelemetry, type Telemetry } from '../export/telemetry.js';
import { registerMetrics } from '../metrics/instruments.js';
import { LatestSnapshot } from '../metrics/latest.js';
import type { SnapshotConsumer } from '../sidecar/consumer.js';
import { returnFreeMemory } from '../sidecar/free_memory.js';
import { createSidecarLog, type SidecarLog } from '../sidecar/log.js';
import { closeConsumers, runLoop } from '../sidecar/loop.js';
import { snapshotErrorReporter } from '../sidecar/snapshot_errors.js';
import { statusLine, summarize } from '../sidecar/status.js';
import { createPlatformSampler, hostPlatform, type PlatformName, type PlatformSampler } from '../platform/select.js';
import type { Snapshot } from '../snapshot/types.js';

/** What a consumer factory gets to build its consumer from. */
export interface RunContext {
  readonly options: RunOptions;
  readonly telemetry: Telemetry;
  readonly log: SidecarLog;
  /** What the snapshots come from (the listener watch and the firewall fact use it too); null when `deps.sample` replaced it. */
  readonly sampler: PlatformSampler | null;
}

/** Builds consumers that run after the metrics holder, in the order given (e.g. the rules evaluator). */
export type ConsumerFactory = (
  context: RunContext,
) => SnapshotConsumer | SnapshotConsumer[] | Promise<SnapshotConsumer | SnapshotConsumer[]>;

export interface RunDeps {
  consumers?: readonly ConsumerFactory[];
  /** Replaces the platform sampler (tests). */
  sample?: (options: RunOptions) => Promise<Snapshot>;
  /** The OS to sample (tests); default the running one (platform/select.ts). */
  platform?: PlatformName;
  /** The sampler to use instead of a new one for `platform` (tests: a fake PowerShell); closed on shutdown. */
  sampler?: PlatformSampler;
  /** Abort to stop the sidecar (the command wires SIGTERM/SIGINT to it). */
  signal?: AbortSignal;
  log?: SidecarLog;
  /** Where OTEL_* are read from (tests). Default process.env. */
  env?: Env;
  /**
   * Registers the handler for reload requests (the command wires SIGHUP to it); returns a
   * function that unregisters it.
   */
  onReloadRequest?: (reload: () => void) => () => void;
}

/** How long closing consumers and flushing telemetry may take after a stop request. */
export const SHUTDOWN_BUDGET_MS = 4_000;
/** Kept back from the log queue's share of the budget for closing files and sockets. */
const SHUTDOWN_MARGIN_MS = 300;

/** The message, and for a bug (not a typed error of ours) the code location it came from. */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const frame = /\n\s+at (.+)/.exec(err.stack ?? '')?.[1];
  const isBug = err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError;
  return isBug && frame !== undefined ? `${err.message} (at ${frame})` : err.message;
}

function describeTargets(options: RunOptions, telemetry: Telemetry): string {
  const { endpoints } = telemetry;
  const parts = [`sampling every ${formatDuration(options.intervalMs)}`];
  if (endpoints.metrics !== null) parts.push(`metrics -> ${endpoints.metrics} (${endpoints.protocol})`);
  if (endpoints.logs !== null) parts.push(`logs -> ${endpoints.logs}`);
  if (endpoints.prometheus !== null) parts.push(`prometheus on ${endpoints.prometheus}`);
  const spool = telemetry.logQueue?.spoolFile;
  if (spool) parts.push(`undelivered alerts kept in ${spool}`);
  return parts.join('; ');
}

/** Runs the sidecar until `--once` is done or the signal aborts; resolves with the exit code. */
export async function runSidecar(options: RunOptions, deps: RunDeps = {}): Promise<number> {
  const log = deps.log ?? createSidecarLog(options.logFormat);
  const platform = deps.platform ?? hostPlatform();
  if (deps.sample === undefined && deps.sampler === undefined && platform === 'linux' && !existsSync(options.procfs)) {
    throw new UsageError(`procfs ${options.procfs} does not exist (give another with --procfs DIR)`);
  }
  // Chosen once: on Windows this holds the long-lived PowerShell child, closed on every way out below.
  const sampler =
    deps.sampler ??
    (deps.sample === undefined
      ? createPlatformSampler({ platform, procfs: options.procfs, sysfs: options.sysfs, attribution: options.attribution })
      : null);
  const sample = deps.sample ?? (() => sampler!.snapshot());

  const telemetry = await createTelemetry({
    // Exports follow the samples (flushMetrics below) rather than a timer of their own.
    metricExportIntervalMillis: null,
    // Sampling and exporting share one interval: an export to a dead collector must not push the
    // next sample out of its slot (the loop would skip it).
    maxExportMillis: Math.max(1, Math.floor(options.intervalMs / 2)),
    prometheus: options.prometheusPort === null ? null : { port: options.prometheusPort, host: options.prometheusHost },
    log,
    env: deps.env,
    stateDir: options.stateDir,
    logQueue: { maxRecords: options.alertQueueSize },
  });
  const latest = new LatestSnapshot();
  registerMetrics(telemetry.meterProvider.getMeter('netstat-otel', packageVersion()), latest, {
    onError: (group, err) => log.error(`metrics group ${group} failed: ${errorText(err)}`, { event: 'metrics_error', group }),
    alertQueue: telemetry.logQueue,
  });

  // Metrics first; then what the snapshot could not read, said once (e.g. missing privileges).
  const consumers: SnapshotConsumer[] = [latest, snapshotErrorReporter(log)];
  const context: RunContext = { options, telemetry, log, sampler };
  try {
    for (const factory of deps.consumers ?? []) consumers.push(...[await factory(context)].flat());
  } catch (err) {
    await sampler?.close();
    await telemetry.shutdown({ finalMetricExport: false });
    throw err;
  }

  log.info(`netstat-otel ${packageVersion()}: ${describeTargets(options, telemetry)}`, {
    event: 'start',
    intervalMs: options.intervalMs,
    once: options.once,
    endpoints: telemetry.endpoints,
    consumers: consumers.map((c) => c.name),
  });

  const onError = (where: string, err: unknown) => log.error(`${where}: ${errorText(err)}`, { event: 'error', where });
  const stopReloads = deps.onReloadRequest?.(() => reloadConsumers(consumers, log, onError));
  // Only `--once` can end the loop with an error (its one sample failed); it still shuts down
  // below, so queued alerts reach the collector or the spool, and then the command fails.
  const loopFailure = await runLoop({
    intervalMs: options.intervalMs,
    once: options.once,
    sample: () => sample(options),
    consumers,
    signal: deps.signal,
    onError,
    afterEach: async (snapshot, tick) => {
      const summary = summarize(snapshot);
      log.info(statusLine(summary), { event: 'sample', ...summary, sampleMs: Math.round(tick.sampleMs) });
      await telemetry.flushMetrics();
      returnFreeMemory();
    },
  }).then(
    () => null,
    (error: unknown) => ({ error }),
  );

  stopReloads?.();

  // Every sample was exported right after it was taken; shutdown only needs to deliver log records.
  // Bounded: a dead or hanging collector must not hold the process past the stop budget — the
  // queue gets what the consumers left of it, and keeps the rest in the spool.
  const stopStarted = Date.now();
  const done = (async () => {
    await Promise.all([
      closeConsumers(consumers, SHUTDOWN_BUDGET_MS / 2, onError),
      sampler?.close().catch((err: unknown) => onError('closing the sampler', err)),
    ]);
    const left = SHUTDOWN_BUDGET_MS - (Date.now() - stopStarted) - SHUTDOWN_MARGIN_MS;
    await telemetry.shutdown({ finalMetricExport: false, timeoutMs: Math.max(0, left) });
  })();
  const budget = sleep(SHUTDOWN_BUDGET_MS, 'late' as const, { ref: false });
  if ((await Promise.race([done.then(() => 'done' as const), budget])) === 'late') {
    log.warn(`shutdown did not finish within ${SHUTDOWN_BUDGET_MS} ms; exiting anyway`, { event: 'stop_timeout' });
  }
  if (loopFailure !== null) throw loopFailure.error;
  return 0;
}

/** SIGHUP: every consumer that has configuration re-reads it; one line says what was reloaded. */
function reloadConsumers(consumers: readonly SnapshotConsumer[], log: SidecarLog, onError: (where: string, err: unknown) => void): void {
  const reloaded: string[] = [];
  for (const consumer of consumers) {
    if (consumer.reload === undefined) continue;
    try {
      const said = consumer.reload();
      reloaded.push(typeof said === 'string' && said !== '' ? `${consumer.name} (${said})` : consumer.name);
    } catch (err) {
      onError(`reloading ${consumer.name}`, err);
    }
  }
  log.info(reloaded.length > 0 ? `SIGHUP: reloaded ${reloaded.join(', ')}` : 'SIGHUP: nothing to reload', {
    event: 'reload',
    reloaded,
  });
}

interface RunCommandFlags extends RunFlags {
  attribution?: boolean;
}

/**
 * Adds `run` to the program. `deps.consumers` are built once telemetry exists and run after the
 * metrics holder, e.g. `registerRunCommand(program, { consumers: [createRulesConsumer] })`.
 */
export function registerRunCommand(program: Command, deps: Omit<RunDeps, 'signal' | 'onReloadRequest'> = {}): Command {
  return program
    .command('run')
    .description('run the sidecar: sample every interval, export OTLP metrics and alert logs, print a status line')
    .option('--config <file>', 'JSON file with the same option names as the flags (flags win)')
    .option('--rules <path>', 'rules file or directory of *.json files (default: the shipped rules/)')
    .option('--interval <duration>', 'sampling and export interval, e.g. 60s, 1m, 500ms (default 60s, or OTEL_METRIC_EXPORT_INTERVAL)')
    .option('--once', 'sample once, export metrics and alert logs, flush, exit 0')
    .option('--procfs <dir>', 'procfs mount point (default /proc)')
    .option('--sysfs <dir>', 'sysfs mount point (default /sys)')
    .option('--no-attribution', 'skip the /proc/<pid>/fd scan that maps sockets to processes')
    .option('--prometheus-port <port>', 'also serve Prometheus metrics on this port (0: any free port)')
    .option('--prometheus-host <host>', 'address the Prometheus endpoint binds to (default 127.0.0.1)')
    .option('--log-format <format>', 'stderr lines as text or json (default text)')
    .option('--state-dir <dir>', 'keep alerts not yet delivered in DIR/alert-spool.jsonl across restarts (e.g. /var/lib/netstat-otel)')
    .option('--alert-queue-size <n>', 'alert records kept while the collector is unreachable; the oldest go first (default 10000)')
    .action(async (flags: RunCommandFlags, command: Command) => {
      // Commander fills `attribution: true` by default; only a typed --no-attribution should beat the config file.
      const typed: RunFlags = { ...flags };
      if (command.getOptionValueSource('attribution') !== 'cli') delete typed.attribution;
      const options = resolveRunOptions(typed);

      const controller = new AbortController();
      let stopping = false;
      const log = createSidecarLog(options.logFormat);
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          process.exit(130); // a second Ctrl-C: the person wants out now
        }
        stopping = true;
        log.info(`${signal}: flushing and stopping`, { event: 'stop', signal });
        controller.abort();
        // Backstop: runSidecar bounds its own shutdown, but a wedged sample must not hold us either.
        setTimeout(() => {
          log.warn('shutdown took too long; exiting anyway', { event: 'stop_timeout' });
          process.exit(0);
        }, SHUTDOWN_BUDGET_MS + 1_000).unref();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      // Installed before anything else: Node's default for SIGHUP is to exit.
      let reload: (() => void) | null = null;
      process.on('SIGHUP', () => {
        if (reload !== null) reload();
        else log.info('SIGHUP: not reloading while starting or stopping', { event: 'reload', reloaded: [] });
      });
      const onReloadRequest = (handler: () => void) => {
        reload = handler;
        return () => {
          reload = null;
        };
      };

      const code = await runSidecar(options, { ...deps, log, signal: controller.signal, onReloadRequest });
      // Keep-alive sockets of the OTLP exporters would hold the event loop open for a while.
      process.exit(code);
    });
}
