/**
 * One long-lived PowerShell child that answers sample requests (protocol: ./powershell-script.ts).
 *
 * Starting powershell.exe costs about a second of CPU and loading the NetTCPIP/NetAdapter
 * modules as much again, so the child is kept between samples. It is started lazily on the
 * first request and again on the next request after it died or timed out; requests are served
 * one at a time. A request that gets no answer in time kills the child: its state is unknown,
 * and a late answer must not be mistaken for the next one (ids guard that too).
 *
 * The child's handles are unref'd: an idle session does not keep Node running, while a pending
 * request's timer does. Call `close()` on shutdown all the same.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { bootstrapLine, requestLine, RESPONSE_MARKER } from './powershell-script.js';
import { ResponseFramer } from './response-framer.js';

export const POWERSHELL_COMMAND = 'powershell.exe';
export const POWERSHELL_ARGS: readonly string[] = ['-NoProfile', '-NonInteractive', '-Command', '-'];

/** PowerShell could not be started at all (not installed, not on PATH, not executable). */
export class PowerShellUnavailableError extends Error {
  override readonly name = 'PowerShellUnavailableError';
}

/** A request failed; the session restarts the child on the next request where needed. */
export class PowerShellRequestError extends Error {
  override readonly name = 'PowerShellRequestError';
  constructor(
    message: string,
    readonly reason: 'timeout' | 'exit' | 'overflow' | 'closed',
  ) {
    super(message);
  }
}

export interface PowerShellSessionOptions {
  /** Program and arguments; tests put a stand-in here. Always an argument array, never a shell. */
  command?: string;
  args?: readonly string[];
  /** Time allowed for one answer. */
  timeoutMs?: number;
  /** Added to `timeoutMs` for the first request of a fresh child (startup, module loading). */
  startupTimeoutMs?: number;
  /** An answer line longer than this (characters) is refused rather than buffered. */
  maxResponseLength?: number;
  env?: NodeJS.ProcessEnv;
}

export interface PowerShellSessionStats {
  /** Children started; more than one means restarts. */
  spawns: number;
  timeouts: number;
  /** Children that ended while the session was open. */
  exits: number;
  /** Answers whose id was not the one being waited for (late answers). */
  staleResponses: number;
  /** Lines that were not answers (warnings, prompts). */
  noiseLines: number;
}

interface Waiter {
  id: string;
  resolve(payload: string): void;
  reject(err: Error): void;
}

interface Child {
  process: ChildProcessWithoutNullStreams;
  framer: ResponseFramer;
  /** No answer received yet: the next request also pays for startup. */
  fresh: boolean;
  ended: boolean;
  waiting: Waiter | null;
  stderrTail: string[];
}

export class PowerShellSession {
  readonly stats: PowerShellSessionStats = { spawns: 0, timeouts: 0, exits: 0, staleResponses: 0, noiseLines: 0 };
  private readonly command: string;
  private readonly args: readonly string[];
  private readonly timeoutMs: number;
  private readonly startupTimeoutMs: number;
  private readonly maxResponseLength: number;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private child: Child | null = null;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: PowerShellSessionOptions = {}) {
    this.command = options.command ?? POWERSHELL_COMMAND;
    this.args = options.args ?? POWERSHELL_ARGS;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.startupTimeoutMs = options.startupTimeoutMs ?? 15_000;
    this.maxResponseLength = options.maxResponseLength ?? 64 * 1024 * 1024;
    this.env = options.env;
  }

  /** The JSON text of one sample. Rejects with PowerShellUnavailableError or PowerShellRequestError. */
  request(): Promise<string> {
    const run = this.queue.then(
      () => this.requestNow(),
      () => this.requestNow(),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Ends the child (EOF on stdin, then a kill if it lingers). Later requests are refused. */
  async close(graceMs = 2_000): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (child === null || child.ended) return;
    const ended = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
    child.process.stdin.end();
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
    await ended;
    clearTimeout(timer);
  }

  private requestNow(): Promise<string> {
    if (this.closed) return Promise.reject(new PowerShellRequestError('session closed', 'closed'));
    const child = this.child ?? this.start();
    const id = String(this.nextId++);
    const timeoutMs = this.timeoutMs + (child.fresh ? this.startupTimeoutMs : 0);

    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.waiting = null;
        this.stats.timeouts += 1;
        this.stop(child);
        reject(new PowerShellRequestError(`PowerShell gave no answer within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      child.waiting = {
        id,
        resolve: (payload) => {
          clearTimeout(timer);
          child.waiting = null;
          child.fresh = false;
          resolve(payload);
        },
        reject: (err) => {
          clearTimeout(timer);
          child.waiting = null;
          reject(err);
        },
      };
      child.process.stdin.write(`${requestLine(id)}\n`);
    });
  }

  private start(): Child {
    const proc = spawn(this.command, [...this.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
      env: this.env,
    });
    this.stats.spawns += 1;
    const child: Child = {
      process: proc,
      framer: new ResponseFramer(RESPONSE_MARKER, this.maxResponseLength),
      fresh: true,
      ended: false,
      waiting: null,
      stderrTail: [],
    };
    this.child = child;

    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => this.onStdout(child, chunk));
    proc.stderr.on('data', (chunk: string) => {
      child.stderrTail.push(...chunk.split(/\r?\n/).filter((l) => l.trim() !== ''));
      child.stderrTail.splice(0, Math.max(0, child.stderrTail.length - 20));
    });
    // Writing to a child that is gone fails with EPIPE; the exit handler reports it.
    proc.stdin.on('error', () => undefined);
    proc.on('error', (err: NodeJS.ErrnoException) => {
      const unavailable = err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EPERM';
      this.end(
        child,
        unavailable
          ? new PowerShellUnavailableError(`cannot start ${this.command}: ${err.message}`)
          : new PowerShellRequestError(`${this.command}: ${err.message}`, 'exit'),
      );
    });
    // 'close', not 'exit': by then stderr is drained, so the message can quote it.
    proc.on('close', (code, signal) => {
      const tail = child.stderrTail.length > 0 ? `; stderr: ${child.stderrTail.slice(-5).join(' | ')}` : '';
      this.end(child, new PowerShellRequestError(`PowerShell exited (${signal ?? `code ${code}`})${tail}`, 'exit'));
    });

    for (const handle of [proc, proc.stdin, proc.stdout, proc.stderr]) {
      (handle as { unref?: () => void }).unref?.();
    }
    proc.stdin.write(`${bootstrapLine()}\n`);
    return child;
  }

  private onStdout(child: Child, chunk: string): void {
    for (const event of child.framer.push(chunk)) {
      if (event.kind === 'noise') {
        this.stats.noiseLines += 1;
      } else if (event.kind === 'overflow') {
        child.waiting?.reject(
          new PowerShellRequestError(`answer longer than ${this.maxResponseLength} characters`, 'overflow'),
        );
      } else if (child.waiting !== null && event.id === child.waiting.id) {
        child.waiting.resolve(event.payload);
      } else {
        this.stats.staleResponses += 1;
      }
    }
  }

  /** The child is gone (exit, spawn error): forget it and fail whoever waits on it. */
  private end(child: Child, err: Error): void {
    if (child.ended) return;
    child.ended = true;
    if (!this.closed) this.stats.exits += 1;
    if (this.child === child) this.child = null;
    child.waiting?.reject(err);
  }

  private stop(child: Child): void {
    if (this.child === child) this.child = null;
    if (!child.ended) child.process.kill('SIGKILL');
  }
}
