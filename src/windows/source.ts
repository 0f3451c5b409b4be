/**
 * Where the Windows collector gets its text: live (a PowerShell session plus spawned fallback
 * commands) or replay (a directory of recorded outputs, so `snapshot --platform windows --from
 * DIR` runs on Linux CI). The collector does not know which; it asks for the PowerShell answer
 * and, for whatever that answer lacks, runs the fallback commands.
 */
import path from 'node:path';
import {
  execCommandRunner,
  isAbsent,
  readText,
  replayCommandRunner,
  type CommandOutput,
  type CommandRunner,
} from '../platform/command.js';
import { PowerShellSession, PowerShellUnavailableError } from './powershell-session.js';

/** The fallback commands. Replay files are named after them (`netstat-ano.txt`, ...; see commandFileName). */
export const WINDOWS_COMMANDS = {
  connections: ['netstat', '-ano'],
  ethernet: ['netstat', '-e'],
  routes: ['route', 'print'],
  tcpStatistics: ['netstat', '-s', '-p', 'tcp'],
  processes: ['tasklist', '/fo', 'csv', '/nh'],
  portRange: ['netsh', 'int', 'ipv4', 'show', 'dynamicport', 'tcp'],
} as const satisfies Record<string, readonly string[]>;

/** The recorded PowerShell answer in a replay directory: the JSON document alone, no marker. */
export const POWERSHELL_REPLAY_FILE = 'powershell-sample.json';

export interface WindowsSource {
  readonly kind: 'live' | 'replay';
  /**
   * One PowerShell answer, or null when this source has none (not installed, not recorded, or
   * switched off). Throws when PowerShell is there but failed this time.
   */
  powershell(): Promise<CommandOutput | null>;
  /** Runs (or replays) a fallback command. */
  run: CommandRunner;
  /** Stops the PowerShell child, if any. */
  close(): Promise<void>;
}

export interface LiveWindowsOptions {
  /** The PowerShell session to use; null: never use PowerShell. Default: a new session. */
  session?: PowerShellSession | null;
  /** Runs fallback commands. Default: execFile with a 20 s timeout. */
  runner?: CommandRunner;
  /**
   * After a failed PowerShell request (timeout, crash), samples use the fallback for this long
   * before PowerShell is tried again, so a wedged PowerShell does not stall every sample for a
   * whole timeout. Default 5 minutes.
   */
  retryAfterMs?: number;
  /** Clock for the retry delay (tests). */
  now?: () => number;
}

export function liveWindowsSource(options: LiveWindowsOptions = {}): WindowsSource {
  const session = options.session === undefined ? new PowerShellSession() : options.session;
  const runner = options.runner ?? execCommandRunner({ timeoutMs: 20_000 });
  const retryAfterMs = options.retryAfterMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  // Once PowerShell proved missing, later samples go straight to the fallback, without an error each time.
  let unavailable = session === null;
  let retryAt = 0;
  return {
    kind: 'live',
    async powershell() {
      if (unavailable || session === null || now() < retryAt) return null;
      try {
        return { text: await session.request(), label: 'powershell' };
      } catch (err) {
        if (err instanceof PowerShellUnavailableError) unavailable = true;
        else retryAt = now() + retryAfterMs;
        throw err;
      }
    },
    run: runner,
    close: async () => {
      await session?.close();
    },
  };
}

export interface ReplayWindowsOptions {
  /** false: ignore a recorded PowerShell answer and replay the fallback path. */
  powershell?: boolean;
}

export function replayWindowsSource(dir: string, options: ReplayWindowsOptions = {}): WindowsSource {
  const usePowerShell = options.powershell ?? true;
  return {
    kind: 'replay',
    async powershell() {
      if (!usePowerShell) return null;
      const file = path.join(dir, POWERSHELL_REPLAY_FILE);
      try {
        return { text: await readText(file), label: file };
      } catch (err) {
        if (isAbsent(err)) return null;
        throw err;
      }
    },
    run: replayCommandRunner(dir),
    close: async () => undefined,
  };
}
