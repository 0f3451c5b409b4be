/**
 * Running a command, or reading its recorded output. Samplers ask for `argv` and get text back;
 * whether that text came from a child process or from a replay directory is the runner's
 * business, so the same code path serves the live sidecar and `snapshot --from DIR` on Linux CI.
 * Platform-neutral (darwin uses it too).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ReadError } from '../errors.js';

export interface CommandOutput {
  text: string;
  /** What issues should name as their `file`: the command line (live) or the file read (replay). */
  label: string;
}

export type CommandRunner = (argv: readonly string[]) => Promise<CommandOutput>;

export function commandLine(argv: readonly string[]): string {
  return argv.join(' ');
}

/**
 * The replay file that stands for a command: its words joined by `-`, anything that is not a
 * letter, digit, dot or underscore squeezed to `-`, then `.txt`.
 * `netstat -ano` → `netstat-ano.txt`, `netstat -s -p tcp` → `netstat-s-p-tcp.txt`,
 * `lsof -nP -iTCP -sTCP:LISTEN +c 0` → `lsof-nP-iTCP-sTCP-LISTEN-c-0.txt`.
 */
export function commandFileName(argv: readonly string[]): string {
  const slug = argv
    .join(' ')
    .replace(/[^A-Za-z0-9._]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug}.txt`;
}

/** A command that could not be run or ended badly. `notFound`: the program is not installed. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly argv: readonly string[],
    message: string,
    readonly code: string | number | null,
    readonly timedOut: boolean,
    readonly stderr: string,
  ) {
    super(message);
  }

  get notFound(): boolean {
    return this.code === 'ENOENT';
  }
}

export interface ExecRunnerOptions {
  /** Per command; the child is killed when it runs longer. */
  timeoutMs?: number;
  /** Output larger than this is an error rather than unbounded memory. */
  maxBufferBytes?: number;
}

/** Runs commands for real: an argument array (never a shell string) and a timeout each. */
export function execCommandRunner(options: ExecRunnerOptions = {}): CommandRunner {
  const timeout = options.timeoutMs ?? 20_000;
  const maxBuffer = options.maxBufferBytes ?? 64 * 1024 * 1024;
  return (argv) =>
    new Promise((resolve, reject) => {
      const [file, ...args] = argv;
      const label = commandLine(argv);
      if (file === undefined) {
        reject(new CommandError(argv, 'empty command', null, false, ''));
        return;
      }
      execFile(
        file,
        args,
        { timeout, maxBuffer, windowsHide: true, encoding: 'utf8', killSignal: 'SIGKILL' },
        (error, stdout, stderr) => {
          if (error === null) {
            resolve({ text: stdout, label });
            return;
          }
          const err = error as NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null };
          const timedOut = err.killed === true && err.signal === 'SIGKILL';
          const why = timedOut ? `timed out after ${timeout} ms` : err.message;
          reject(new CommandError(argv, `${label}: ${why}`, err.code ?? null, timedOut, String(stderr)));
        },
      );
    });
}

/**
 * Reads recorded output from `dir` (files named by `commandFileName`). A missing file is a
 * `ReadError` whose `isNotFound` is true: "not recorded", which callers treat as "no data".
 */
export function replayCommandRunner(dir: string): CommandRunner {
  return async (argv) => {
    const file = path.join(dir, commandFileName(argv));
    return { text: await readText(file), label: file };
  };
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? null;
    throw new ReadError(file, code, `${file}: ${(err as Error).message}`);
  }
}

/** True for "this data source simply is not there" (file not recorded, program not installed). */
export function isAbsent(err: unknown): boolean {
  return (err instanceof ReadError && err.isNotFound) || (err instanceof CommandError && err.notFound);
}
