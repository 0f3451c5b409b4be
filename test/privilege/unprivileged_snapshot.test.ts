/**
 * Least privilege, for real: `snapshot --json` run as an unprivileged user (uid/gid 65534,
 * through setpriv) while this test, as root, holds a loopback listener.
 *  - With no capabilities: the snapshot still succeeds, the root-owned listener is listed with
 *    pid null, and `errors` has exactly one entry about process attribution, naming the fix.
 *  - With the systemd unit's AmbientCapabilities and NoNewPrivileges (as systemd would start
 *    it): the same user attributes the listener to this process and reports no such error,
 *    so the unit grants enough and NoNewPrivileges does not strip ambient capabilities.
 * Skipped, saying why, when not root, without setpriv, or before `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, CLI_MISSING, cliBuilt, onPath, repoPath, unitSettings } from '../deploy/repo.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const haveSetpriv = onPath('setpriv');

/** Whether uid 65534 can read the CLI and its modules (a checkout under /root cannot be). */
function nobodyCanRun(): boolean {
  if (!isRoot || !haveSetpriv || !cliBuilt) return false;
  const probe = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e',
    `require('fs').accessSync(${JSON.stringify(CLI)}, ${constants.R_OK}); require('fs').accessSync(${JSON.stringify(repoPath('node_modules'))}, ${constants.R_OK | constants.X_OK})`,
  ], { encoding: 'utf8', timeout: 20_000 });
  return probe.status === 0;
}

const skipReason = !isRoot
  ? 'not running as root (needs to hold a root-owned listener and switch to uid 65534)'
  : !haveSetpriv
    ? 'setpriv (util-linux) not found'
    : !cliBuilt
      ? CLI_MISSING
      : !nobodyCanRun()
        ? `uid ${NOBODY} cannot read ${CLI} or node_modules (checkout in a private directory)`
        : null;
const run = skipReason === null ? describe : describe.skip;

interface Snapshot {
  listeners: Array<{ transport: string; address: string; port: number; pid: number | null; process: string | null }>;
  errors: Array<{ source: string; file: string | null; line: number | null; message: string }>;
}

/** The unit's AmbientCapabilities, as setpriv capability names (`+dac_read_search,...`). */
function unitAmbientCaps(): string {
  const unit = readFileSync(repoPath('deploy/systemd/netstat-otel.service'), 'utf8');
  const caps = unitSettings(unit, 'Service').find(([k]) => k === 'AmbientCapabilities')?.[1] ?? '';
  return caps.split(/\s+/).filter(Boolean).map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
}

function snapshotAsNobody(extraSetprivArgs: readonly string[]): { status: number | null; stderr: string; snapshot: Snapshot } {
  const result = spawnSync(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...extraSetprivArgs, process.execPath, CLI, 'snapshot', '--json'],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 },
  );
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(result.stdout) as Snapshot;
  } catch {
    throw new Error(`snapshot --json printed no JSON (exit ${result.status}): ${result.stderr.slice(0, 2000)}`);
  }
  return { status: result.status, stderr: result.stderr, snapshot };
}

const attributionErrors = (s: Snapshot) => s.errors.filter((e) => /attribution/i.test(e.message) || e.source === 'processes');

run(`snapshot --json as uid ${NOBODY}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: net.Server;
  let port = 0;

  beforeAll(async () => {
    server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('without capabilities: succeeds, the root listener has pid null, one attribution error names the fix', () => {
    // setuid away from root clears the permitted and effective sets; nothing ambient is raised.
    const { status, stderr, snapshot } = snapshotAsNobody([]);
    expect(status, stderr).toBe(0);
    const mine = snapshot.listeners.filter((l) => l.transport === 'tcp' && l.address === '127.0.0.1' && l.port === port);
    expect(mine).toEqual([expect.objectContaining({ pid: null, process: null })]);
    const attribution = attributionErrors(snapshot);
    expect(attribution, JSON.stringify(snapshot.errors)).toHaveLength(1);
    expect(attribution[0]!.message).toMatch(/CAP_DAC_READ_SEARCH/);
    expect(attribution[0]!.message).toMatch(/CAP_SYS_PTRACE/);
    expect(attribution[0]!.message).toMatch(/root/);
  });

  it('with the systemd unit\'s ambient capabilities under NoNewPrivileges: the listener is attributed, no attribution error', () => {
    const caps = unitAmbientCaps();
    expect(caps).toBe('+dac_read_search,+sys_ptrace');
    const { status, stderr, snapshot } = snapshotAsNobody([
      `--inh-caps=-all,${caps}`,
      `--ambient-caps=${caps}`,
      `--bounding-set=-all,${caps}`,
      '--no-new-privs',
    ]);
    expect(status, stderr).toBe(0);
    const mine = snapshot.listeners.filter((l) => l.transport === 'tcp' && l.address === '127.0.0.1' && l.port === port);
    expect(mine).toEqual([expect.objectContaining({ pid: process.pid })]);
    expect(attributionErrors(snapshot), JSON.stringify(snapshot.errors)).toEqual([]);
  });
});

// The CLI must be readable where the test expects it; this keeps a moved dist/ from skipping silently.
it('the privilege test knows where the CLI is', () => {
  expect(CLI.endsWith('dist/cli.js')).toBe(true);
  if (cliBuilt) expect(() => accessSync(CLI, constants.R_OK)).not.toThrow();
});
