/**
 * Paths and small helpers shared by the deployment-artefact tests (test/deploy/) and the
 * privilege test (test/privilege/).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoPath = (...parts: string[]): string => path.join(REPO, ...parts);

/** The built CLI; `npm test` builds it first (`npm run build`). */
export const CLI = repoPath('dist/cli.js');
export const cliBuilt = existsSync(CLI);
export const CLI_MISSING = `dist/cli.js not found: run \`npm run build\` first (npm test does)`;

/** Whether a program is on the PATH (no shell involved). */
export function onPath(program: string): boolean {
  const which = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() !== '';
}

/** Runs `node dist/cli.js ...args` with a time limit; never through a shell. */
export function runCli(args: readonly string[], timeoutMs = 20_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
}

/** `Key=value` settings of one section, in order (repeated keys kept); comments skipped. */
export function unitSettings(text: string, section: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (current === section && eq > 0) out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}
