/**
 * `run`'s options from three places, strongest first: command-line flags, the `--config` JSON
 * file (same option names, camelCase or kebab-case), then the environment
 * (OTEL_METRIC_EXPORT_INTERVAL for the interval) and built-in defaults.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { UsageError } from '../errors.js';
import type { LogFormat } from '../sidecar/log.js';
import { strictObject, validate } from '../validation.js';
import { parseDuration } from './duration.js';

export interface RunOptions {
  /** The --config file read, if any (absolute). */
  configFile: string | null;
  /** --rules file or directory; null means the shipped rules/ (resolved by the rules loader). */
  rules: string | null;
  intervalMs: number;
  once: boolean;
  procfs: string;
  sysfs: string;
  /** Map sockets to processes (the /proc/<pid>/fd scan). */
  attribution: boolean;
  /** Serve Prometheus /metrics on this port (0: any free port); null: off. */
  prometheusPort: number | null;
  prometheusHost: string;
  logFormat: LogFormat;
  /**
   * Where state that must survive a restart lives (the alert spool); null: nothing is kept and
   * alerts still queued at exit are lost.
   */
  stateDir: string | null;
  /** Alert records kept while the collector is unreachable; beyond it the oldest are dropped. */
  alertQueueSize: number;
}

/** What the command line gave: only flags the user typed are set. */
export interface RunFlags {
  config?: string;
  rules?: string;
  interval?: string;
  once?: boolean;
  procfs?: string;
  sysfs?: string;
  attribution?: boolean;
  prometheusPort?: string;
  prometheusHost?: string;
  logFormat?: string;
  stateDir?: string;
  alertQueueSize?: string;
}

export const DEFAULT_INTERVAL_MS = 60_000;
/** Below this the sampler would mostly measure itself. */
export const MIN_INTERVAL_MS = 100;
/** About an hour of a noisy host's alerts, a few MiB. */
export const DEFAULT_ALERT_QUEUE_SIZE = 10_000;
const MAX_ALERT_QUEUE_SIZE = 1_000_000;

const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65_535));
const queueSize = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_ALERT_QUEUE_SIZE));
const duration = v.union([v.string(), v.pipe(v.number(), v.gtValue(0))]);
const logFormat = v.picklist(['text', 'json']);
const stateDir = v.pipe(v.string(), v.minLength(1));

/** The config file: flag names, camelCase or kebab-case. Unknown keys are errors (typos would silently do nothing). */
const fileSchema = strictObject({
  rules: v.optional(v.string()),
  interval: v.optional(duration),
  once: v.optional(v.boolean()),
  procfs: v.optional(v.string()),
  sysfs: v.optional(v.string()),
  attribution: v.optional(v.boolean()),
  prometheusPort: v.optional(v.nullable(port)),
  'prometheus-port': v.optional(v.nullable(port)),
  prometheusHost: v.optional(v.string()),
  'prometheus-host': v.optional(v.string()),
  logFormat: v.optional(logFormat),
  'log-format': v.optional(logFormat),
  stateDir: v.optional(stateDir),
  'state-dir': v.optional(stateDir),
  alertQueueSize: v.optional(queueSize),
  'alert-queue-size': v.optional(queueSize),
});

type FileOptions = v.InferOutput<typeof fileSchema>;

export function readConfigFile(file: string): FileOptions {
  const absolute = path.resolve(file);
  if (/\.ya?ml$/i.test(absolute)) {
    throw new UsageError(`${file}: only JSON config files are supported (the same keys as the flags)`);
  }
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const parsed = validate(fileSchema, raw);
  if (!parsed.success) {
    const reasons = parsed.problems.map((p) => `${p.owner.join('.') || '(top level)'}: ${p.message}`);
    throw new UsageError(`${file}: ${reasons.join('; ')}`);
  }
  // Paths in a config file are relative to the file, not to wherever the sidecar was started.
  const dir = path.dirname(absolute);
  const rel = (p: string | undefined) => (p === undefined ? undefined : path.resolve(dir, p));
  return {
    ...parsed.output,
    rules: rel(parsed.output.rules),
    procfs: rel(parsed.output.procfs),
    sysfs: rel(parsed.output.sysfs),
    stateDir: rel(parsed.output.stateDir),
    'state-dir': rel(parsed.output['state-dir']),
  };
}

function intervalMs(value: string | number, where: string): number {
  let ms: number;
  try {
    ms = typeof value === 'number' ? value : parseDuration(value);
  } catch (err) {
    throw new UsageError(`${where}: ${(err as Error).message}`);
  }
  if (!(ms >= MIN_INTERVAL_MS)) throw new UsageError(`${where}: interval must be at least ${MIN_INTERVAL_MS}ms`);
  return ms;
}

function portFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535) throw new UsageError(`--prometheus-port: ${value} is not a port number (0-65535)`);
  return n;
}

function stateDirFlag(value: string): string {
  if (value.trim() === '') throw new UsageError('--state-dir: give a directory, e.g. /var/lib/netstat-otel');
  return path.resolve(value);
}

function queueSizeFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_ALERT_QUEUE_SIZE) {
    throw new UsageError(`--alert-queue-size: ${value} is not a record count (1-${MAX_ALERT_QUEUE_SIZE})`);
  }
  return n;
}

export function resolveRunOptions(flags: RunFlags, env: Readonly<Record<string, string | undefined>> = process.env): RunOptions {
  const file: FileOptions = flags.config !== undefined ? readConfigFile(flags.config) : {};
  const pick = <T>(...values: (T | undefined)[]): T | undefined => values.find((v) => v !== undefined);

  let interval = DEFAULT_INTERVAL_MS;
  const envInterval = env['OTEL_METRIC_EXPORT_INTERVAL']?.trim();
  if (flags.interval !== undefined) interval = intervalMs(flags.interval, '--interval');
  else if (file.interval !== undefined) interval = intervalMs(file.interval, `${flags.config}: interval`);
  // An unusable OTel variable is ignored, as the OTel SDKs do; only our own inputs are errors.
  else if (envInterval && Number(envInterval) > 0) interval = intervalMs(Number(envInterval), 'OTEL_METRIC_EXPORT_INTERVAL (milliseconds)');

  const prometheusPort =
    flags.prometheusPort !== undefined
      ? portFlag(flags.prometheusPort)
      : (pick(file.prometheusPort, file['prometheus-port']) ?? null);
  const logFormat = pick(flags.logFormat, file.logFormat, file['log-format']) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format: ${logFormat} is not text or json`);

  return {
    configFile: flags.config !== undefined ? path.resolve(flags.config) : null,
    rules: pick(flags.rules, file.rules) ?? null,
    intervalMs: interval,
    once: pick(flags.once, file.once) ?? false,
    procfs: pick(flags.procfs, file.procfs) ?? '/proc',
    sysfs: pick(flags.sysfs, file.sysfs) ?? '/sys',
    attribution: pick(flags.attribution, file.attribution) ?? true,
    prometheusPort,
    prometheusHost: pick(flags.prometheusHost, file.prometheusHost, file['prometheus-host']) ?? '127.0.0.1',
    logFormat,
    // Relative flags resolve against the working directory: the sidecar must not depend on a later chdir.
    stateDir: flags.stateDir !== undefined ? stateDirFlag(flags.stateDir) : (pick(file.stateDir, file['state-dir']) ?? null),
    alertQueueSize:
      flags.alertQueueSize !== undefined
        ? queueSizeFlag(flags.alertQueueSize)
        : (pick(file.alertQueueSize, file['alert-queue-size']) ?? DEFAULT_ALERT_QUEUE_SIZE),
  };
}
