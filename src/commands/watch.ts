import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { createNoopLogger } from '@opentelemetry/api-logs';
import type { Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';
import { renderWatchFrame, type FiringAlert } from '../render/watch_frame.js';
import { createPlatformSampler, hostPlatform, type PlatformName, type PlatformSampler } from '../platform/select.js';
import type { Snapshot } from '../snapshot/types.js';
import { createRulesRuntime, type RulesRuntime } from '../rules/runtime.js';
import { shippedRulesPath } from '../sidecar/rules_consumer.js';
import { requireDirectory } from './snapshot.js';

export interface WatchOptions {
  interval: string;
  procfs: string;
  sysfs: string;
  /** Rules to evaluate for the ALERTS pane; false (`--no-rules`) for none. */
  rules: string | boolean;
}

/** Where the ALERTS pane's entries come from. */
export type AlertSource = () => readonly FiringAlert[];

/** Takes each snapshot the view samples, so alerts are evaluated on exactly what is shown. */
type SnapshotSink = (snapshot: Snapshot) => Promise<void>;

interface AlertPane {
  source: AlertSource;
  sink: SnapshotSink;
  close(): Promise<void>;
}

const NO_ALERTS: AlertPane = { source: () => [], sink: async () => undefined, close: async () => undefined };

/**
 * Evaluates the rules like `run` does, but silently: alerts appear in the pane, not as log
 * records or stderr lines that would tear the screen. `firing()` has no start time, so the pane
 * remembers when it first saw each alert firing.
 */
function rulesPane(rulesPath: string, procfs: string, sampler: PlatformSampler): AlertPane {
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  // No nft/iptables run every refresh (null); Windows' fingerprint comes with the snapshot, so that one is free.
  const firewall = sampler.firewall ?? null;
  const runtime: RulesRuntime = createRulesRuntime({ rulesPath, procfs, logger: createNoopLogger(), stderr: quiet, logFormat: 'text', firewall });
  const firstSeen = new Map<string, number>();
  return {
    source: () => {
      const now = Date.now();
      const firing = runtime.firing();
      for (const key of firstSeen.keys()) if (!firing.some((a) => a.key === key)) firstSeen.delete(key);
      return firing.map((a) => {
        if (!firstSeen.has(a.key)) firstSeen.set(a.key, now);
        return { name: a.rule, severity: a.severity, message: a.message, since: firstSeen.get(a.key)! };
      });
    },
    sink: async (snapshot) => runtime.onSnapshot(snapshot),
    close: () => runtime.close(),
  };
}

async function sample(sampler: PlatformSampler, pane: AlertPane): Promise<Snapshot> {
  const snapshot = await sampler.snapshot();
  await pane.sink(snapshot);
  return snapshot;
}

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
const HOME_AND_CLEAR = '\x1b[H\x1b[2J';
const CTRL_C = '\u0003';

interface Terminal {
  out: NodeJS.WriteStream;
  in: NodeJS.ReadStream;
}

function frame(out: NodeJS.WriteStream, previous: Snapshot | null, current: Snapshot, alerts: AlertSource, intervalMs: number): string {
  return renderWatchFrame({
    previous, current, alerts: alerts(), host: hostname(), intervalMs,
    width: out.columns || 120, height: out.rows || 50,
  });
}

/**
 * Runs the live view until q or Ctrl-C. Raw mode, so one key press is enough; the alternate
 * screen, so the shell's scrollback is intact afterwards, as with top and less.
 */
async function runInteractive(term: Terminal, sampler: PlatformSampler, intervalMs: number, pane: AlertPane): Promise<void> {
  const alerts = pane.source;
  let previous: Snapshot | null = null;
  let current = await sample(sampler, pane);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const draw = () => term.out.write(HOME_AND_CLEAR + frame(term.out, previous, current, alerts, intervalMs));
  await new Promise<void>((resolve) => {
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      term.in.setRawMode?.(false);
      term.in.pause();
      term.out.off('resize', draw);
      term.out.write(LEAVE_SCREEN);
      resolve();
    };
    const tick = async () => {
      const next = await sample(sampler, pane);
      if (stopped) return;
      [previous, current] = [current, next];
      draw();
      timer = setTimeout(tick, intervalMs);
    };
    term.out.write(ENTER_SCREEN);
    term.in.setRawMode?.(true);
    term.in.resume();
    term.in.on('data', (key: Buffer) => {
      const k = key.toString();
      if (k === 'q' || k === 'Q' || k === CTRL_C) stop();
    });
    term.out.on('resize', draw);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    draw();
    timer = setTimeout(tick, intervalMs);
  });
}

/** `host`: the OS to sample, the running one unless a test says otherwise. */
export async function watch(options: WatchOptions, host: PlatformName = hostPlatform()): Promise<void> {
  if (host === 'linux') requireDirectory(options.procfs, 'procfs');
  let intervalMs: number;
  try {
    intervalMs = parseDuration(options.interval);
  } catch (err) {
    throw new UsageError(`--interval: ${(err as Error).message}`);
  }
  if (intervalMs < 200) throw new UsageError('--interval must be at least 200ms');
  const sampler = createPlatformSampler({ platform: host, procfs: options.procfs, sysfs: options.sysfs });
  const pane = options.rules === false ? NO_ALERTS : rulesPane(options.rules === true ? shippedRulesPath() : options.rules, options.procfs, sampler);
  try {
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      // Not a terminal (a pipe, a CI log): one frame, as `top -b -n 1` would print.
      const current = await sample(sampler, pane);
      process.stdout.write(`${renderWatchFrame({ previous: null, current, alerts: pane.source(), host: hostname(), intervalMs, width: 200, height: 10_000 })}\n`);
      return;
    }
    await runInteractive({ out: process.stdout, in: process.stdin }, sampler, intervalMs, pane);
  } finally {
    await Promise.all([pane.close(), sampler.close()]);
  }
}

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('a live view of connections, listeners, processes, interfaces and firing alerts (q to quit)')
    .option('--interval <duration>', 'refresh interval', '2s')
    .option('--procfs <dir>', 'procfs mount point', '/proc')
    .option('--sysfs <dir>', 'sysfs mount point', '/sys')
    .option('--rules <path>', 'rules file or directory for the ALERTS pane (default: the shipped rules/)')
    .option('--no-rules', 'show no alerts')
    .action(async (options: Omit<WatchOptions, 'rules'> & { rules?: string | boolean }) => watch({ ...options, rules: options.rules ?? true }));
}
