/**
 * Checks a `--from DIR` before replaying it. A replay reads each recorded command output on its
 * own and treats a missing one as "not recorded", so a wrong directory (a typo, the macOS
 * fixtures given for Windows) would otherwise print an empty snapshot full of errors and exit 0.
 * One-shot commands must refuse bad input instead, naming the files they look for.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { DARWIN_COMMANDS } from '../darwin/source.js';
import { UsageError } from '../errors.js';
import { POWERSHELL_REPLAY_FILE, WINDOWS_COMMANDS } from '../windows/source.js';
import { commandFileName } from './command.js';
import type { PlatformName } from './select.js';

/**
 * The recordings a replay of `platform` gets its sockets from; a directory needs one of them.
 * Sockets, because they are what every table and rule starts from, and because other files
 * (`netstat-s-p-tcp.txt`) are named the same on both platforms and would not tell them apart.
 */
export function socketReplayFiles(platform: Exclude<PlatformName, 'linux'>): string[] {
  if (platform === 'windows') return [POWERSHELL_REPLAY_FILE, commandFileName(WINDOWS_COMMANDS.connections)];
  return [...DARWIN_COMMANDS.tcp, ...DARWIN_COMMANDS.udp].map(commandFileName);
}

/** Throws a UsageError unless `dir` is a directory holding the platform's recorded socket listing. */
export function checkReplayDir(platform: Exclude<PlatformName, 'linux'>, dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`--from ${dir} does not exist (give a directory of recorded ${platform} command outputs, e.g. fixtures/${platform})`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`--from ${dir} is not a directory (give the directory that holds the recorded outputs)`);
  const present = new Set(readdirSync(dir));
  const expected = socketReplayFiles(platform);
  if (!expected.some((name) => present.has(name))) {
    throw new UsageError(
      `--from ${dir} holds no recorded ${platform} socket listing: expected one of ${expected.join(', ')} (see fixtures/${platform}/README.md for every file a replay reads)`,
    );
  }
}
