import { hostname } from 'node:os';
import type { Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';
import { renderWatchFrame, type FiringAlert } from '../render/watch_frame.js';
import { collectSnapshot } from '../snapshot/collect.js';
import type { Snapshot } from '../snapshot/types.js';
import { requireDirectory } from './snapshot.js';

export interface WatchOptions {
  interval: string;
  procfs: string;
  sysfs: string;
}

/** Where firing alerts come from; the rules runtime provides one when `--rules` is given. */
export type AlertSource = () => readonly FiringAlert[];

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
async function runInteractive(term: Terminal, options: WatchOptions, intervalMs: number, alerts: AlertSource): Promise<void> {
  let previous: Snapshot | null = null;
  let current = await collectSnapshot(options);
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
      const next = await collectSnapshot(options);
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

export async function watch(options: WatchOptions, alerts: AlertSource = () => []): Promise<void> {
  requireDirectory(options.procfs, 'procfs');
  let intervalMs: number;
  try {
    intervalMs = parseDuration(options.interval);
  } catch (err) {
    throw new UsageError(`--interval: ${(err as Error).message}`);
  }
  if (intervalMs < 200) throw new UsageError('--interval must be at least 200ms');
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    // Not a terminal (a pipe, a CI log): one frame, as `top -b -n 1` would print.
    process.stdout.write(`${renderWatchFrame({ previous: null, current: await collectSnapshot(options), alerts: alerts(), host: hostname(), intervalMs, width: 200, height: 10_000 })}\n`);
    return;
  }
  await runInteractive({ out: process.stdout, in: process.stdin }, options, intervalMs, alerts);
}

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('a live view of connections, listeners, processes, interfaces and firing alerts (q to quit)')
    .option('--interval <duration>', 'refresh interval', '2s')
    .option('--procfs <dir>', 'procfs mount point', '/proc')
    .option('--sysfs <dir>', 'sysfs mount point', '/sys')
    .action(async (options: WatchOptions) => watch(options));
}
