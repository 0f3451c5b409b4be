/**
 * Runs the built CLI (`node dist/cli.js run ...`) as a child process, as a user would, and lets
 * tests wait for its stderr lines and its exit — every wait bounded in time.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * `npm test` builds first; a bare `npx vitest run test/export` may find dist/ missing or older
 * than src/, so rebuild then. tsc emits even when files owned by others have type errors.
 */
export function ensureBuilt(): void {
  const runJs = path.join(ROOT, 'dist', 'commands', 'run.js');
  if (existsSync(CLI) && existsSync(runJs) && statSync(runJs).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: 120_000,
    });
  } catch {
    // Type errors elsewhere still emit JavaScript; the check below decides.
  }
  if (!existsSync(CLI) || !existsSync(runJs)) throw new Error('dist/cli.js or dist/commands/run.js missing after build');
}

/** process.env without OTEL_* (the developer's own settings must not leak into the test). */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_')) env[k] = v;
  return { ...env, ...extra };
}

export interface Sidecar {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: () => boolean;
  /** Resolves with the first stderr line matching, or rejects after timeoutMs (or on exit). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code, or rejects after timeoutMs. */
  waitForExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (cleanup). */
  kill(): void;
}

/**
 * `prefix`: a program that execs node in the same process, e.g. `['setpriv', '--reuid=65534', ...]`
 * to run as another user (the pid stays the sidecar's).
 */
export function startSidecar(args: string[], env: Record<string, string>, prefix: readonly string[] = []): Sidecar {
  const argv = [...prefix, process.execPath, CLI, 'run', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    notify();
  });
  child.stdout!.resume();
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    notify();
  });

  const wait = <T>(check: () => T | undefined, timeoutMs: number, what: string, failOnExit: boolean): Promise<T> =>
    new Promise((resolve, reject) => {
      const done = () => {
        const value = check();
        if (value !== undefined) {
          cleanup();
          resolve(value);
        } else if (failOnExit && exit !== null) {
          cleanup();
          reject(new Error(`sidecar exited (${JSON.stringify(exit)}) before ${what}; stderr:\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr:\n${stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(done);
      };
      listeners.add(done);
      done();
    });

  return {
    child,
    stderr: () => stderr,
    exited: () => exit !== null,
    waitForLine: (pattern, timeoutMs) =>
      wait(() => stderr.split('\n').find((l) => pattern.test(l)), timeoutMs, `a line matching ${pattern}`, true),
    waitForExit: (timeoutMs) => wait(() => exit ?? undefined, timeoutMs, 'exit', false),
    kill: () => {
      if (exit === null) child.kill('SIGKILL');
    },
  };
}
