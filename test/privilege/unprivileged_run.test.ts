/**
 * Least privilege for the sidecar itself: `run` as uid/gid 65534 with no capabilities (through
 * setpriv) keeps sampling, says once — not once per interval — that process attribution needs
 * root or CAP_DAC_READ_SEARCH + CAP_SYS_PTRACE, listens on nothing but 127.0.0.1 (the Prometheus
 * endpoint, asked for with port 0), and stops cleanly on SIGTERM.
 * Skipped, saying why, when not root, without setpriv or ss, or when uid 65534 cannot read the
 * checkout.
 */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliBuilt, onPath, repoPath } from '../deploy/repo.js';
import { ensureBuilt, startSidecar, type Sidecar } from '../support/sidecar_process.js';

const NOBODY = 65534;
const AS_NOBODY = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
const isRoot = process.getuid?.() === 0;

function nobodyCanRun(): boolean {
  const probe = spawnSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), process.execPath, '-e',
    `require('fs').accessSync(${JSON.stringify(CLI)}, ${constants.R_OK}); require('fs').accessSync(${JSON.stringify(repoPath('node_modules'))}, ${constants.R_OK | constants.X_OK})`,
  ], { encoding: 'utf8', timeout: 20_000 });
  return probe.status === 0;
}

const skipReason = !isRoot
  ? 'not running as root (needs to switch to uid 65534)'
  : !onPath('setpriv')
    ? 'setpriv (util-linux) not found'
    : !onPath('ss')
      ? 'ss (iproute2) not found'
      : !cliBuilt
        ? 'dist/cli.js not built'
        : !nobodyCanRun()
          ? `uid ${NOBODY} cannot read ${CLI} or node_modules`
          : null;
const run = skipReason === null ? describe : describe.skip;

let sidecar: Sidecar | null = null;
afterEach(() => {
  sidecar?.kill();
  sidecar = null;
});

function jsonLines(s: Sidecar): Record<string, unknown>[] {
  return s.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Local addresses of the TCP/UDP sockets process `pid` listens on, as `ss` shows them. */
function listeningAddresses(pid: number): string[] {
  const ss = spawnSync('ss', ['-H', '-l', '-t', '-u', '-n', '-p'], { encoding: 'utf8', timeout: 20_000, maxBuffer: 256 * 1024 * 1024 });
  return ss.stdout
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[4] ?? '');
}

run(`run as uid ${NOBODY}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(() => ensureBuilt(), 150_000);

  it('keeps sampling, says once what it is missing, listens on 127.0.0.1 only, stops on SIGTERM', async () => {
    const s = startSidecar(
      ['--interval', '500ms', '--log-format', 'json', '--prometheus-port', '0'],
      { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
      AS_NOBODY,
    );
    sidecar = s;
    await s.waitForLine(/"event":"start"/, 20_000);
    for (let i = 0; i < 200 && jsonLines(s).filter((e) => e['event'] === 'sample').length < 5; i++) await new Promise((r) => setTimeout(r, 50));
    const samples = jsonLines(s).filter((e) => e['event'] === 'sample');
    expect(samples.length, s.stderr()).toBeGreaterThanOrEqual(5);

    const missing = jsonLines(s).filter((e) => e['event'] === 'snapshot_error' && /attribution/.test(String(e['message'])));
    expect(missing, s.stderr()).toHaveLength(1);
    expect(missing[0]!['message']).toMatch(/permission denied .*run as root, or grant CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE/);
    // ... while every status line still counts it.
    expect(samples.every((e) => Number(e['errors']) >= 1)).toBe(true);

    expect(listeningAddresses(s.child.pid!)).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);

    s.child.kill('SIGTERM');
    expect(await s.waitForExit(8_000)).toEqual({ code: 0, signal: null });
  }, 60_000);
});
