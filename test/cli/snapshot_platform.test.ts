/**
 * `netstat-otel snapshot --platform windows|darwin --from DIR`, as a person or CI runs it: the
 * built CLI in a child process on the recorded outputs in fixtures/. The JSON must pass the same
 * schema checks as a Linux snapshot, agree with what the recorded files say (counted here from
 * the raw text, not through our parsers) and with the in-process collector; the tables must
 * render; bad flags must end in one actionable line and a non-zero exit.
 * Skipped, saying why, before `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeSnapshot, type SnapshotCommandOptions } from '../../src/commands/snapshot.js';
import { collectSnapshotFromDir as darwinFromDir } from '../../src/darwin/collect.js';
import { UsageError } from '../../src/errors.js';
import type { Snapshot, TcpState } from '../../src/snapshot/types.js';
import { collectSnapshotFromDir as windowsFromDir } from '../../src/windows/collect.js';
import { CLI, CLI_MISSING, cliBuilt, REPO } from '../deploy/repo.js';
import { checkSnapshotSchema } from '../support/snapshot_checks.js';

const suite = cliBuilt ? describe : describe.skip;
if (!cliBuilt) console.warn(`test/cli/snapshot_platform: skipped: ${CLI_MISSING}`);

/** Runs the CLI from the repository root, so the README's relative `fixtures/...` paths work as written. */
function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
}

const taken = new Map<string, Snapshot>();

/** `snapshot ARGS --json`, parsed; each command line runs once per file (a child process costs most of a second). */
function snapshotJson(...args: string[]): Snapshot {
  const key = args.join('\0');
  const known = taken.get(key);
  if (known) return structuredClone(known);
  const result = cli('snapshot', ...args, '--json');
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const s = JSON.parse(result.stdout) as Snapshot;
  taken.set(key, s);
  return structuredClone(s);
}

const fixtureText = (...parts: string[]) => readFileSync(path.join(REPO, 'fixtures', ...parts), 'utf8');

/** What may differ between two takes of the same recording: the clock and how long parts took. */
function withoutTiming(s: Snapshot): unknown {
  return { ...s, timestamp: null, samplers: s.samplers.map((x) => ({ ...x, durationMs: null })) };
}

const NETSTAT_STATE: Record<string, TcpState> = {
  ESTABLISHED: 'established',
  LISTENING: 'listen',
  LISTEN: 'listen',
  SYN_SENT: 'syn_sent',
  TIME_WAIT: 'time_wait',
  FIN_WAIT_2: 'fin_wait_2',
  CLOSE_WAIT: 'close_wait',
  LAST_ACK: 'last_ack',
};

/** TCP sockets per state in a netstat listing, by plain column splitting. */
function countStates(rows: string[][], stateColumn: number): Partial<Record<TcpState, number>> {
  const counts: Partial<Record<TcpState, number>> = {};
  for (const row of rows) {
    const state = NETSTAT_STATE[row[stateColumn]!];
    expect(state, `state ${row[stateColumn]} in the fixture`).toBeDefined();
    counts[state!] = (counts[state!] ?? 0) + 1;
  }
  return counts;
}

suite('snapshot --platform windows --from fixtures/windows', () => {
  const netstat = fixtureText('windows', 'netstat-ano.txt')
    .split(/\r?\n/)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === 'TCP' || f[0] === 'UDP');
  const tcpRows = netstat.filter((f) => f[0] === 'TCP');
  const images = new Map(
    fixtureText('windows', 'tasklist-fo-csv-nh.txt')
      .split(/\r?\n/)
      .filter(Boolean)
      .map((l) => l.split('","').map((f) => f.replace(/"/g, '')))
      .map(([image, pid]) => [Number(pid), image!.replace(/\.exe$/i, '')]),
  );

  it('prints JSON that passes the schema checks every Linux snapshot passes', () => {
    const s = snapshotJson('--platform', 'windows', '--from', 'fixtures/windows');
    checkSnapshotSchema(s);
    expect(s.platform).toBe('windows');
    expect(s.errors).toEqual([]);
    expect(s.samplers.every((x) => x.ok)).toBe(true);
  });

  it('agrees with the recorded netstat -ano, tasklist, netsh and route print', () => {
    const s = snapshotJson('--platform', 'windows', '--from', 'fixtures/windows');
    // PowerShell also lists two Bound sockets (`close`) that netstat -ano leaves out.
    const { close, ...states } = s.tcp.states;
    expect(close).toBe(2);
    expect(Object.fromEntries(Object.entries(states).filter(([, n]) => n > 0))).toEqual(countStates(tcpRows, 3));
    expect(s.udp.sockets).toBe(netstat.filter((f) => f[0] === 'UDP').length);

    const recordedListeners = tcpRows
      .filter((f) => f[3] === 'LISTENING')
      .map((f) => `${f[1]!.slice(f[1]!.lastIndexOf(':') + 1)} ${f[4]} ${images.get(Number(f[4]))}`);
    const ours = s.listeners.filter((l) => l.transport === 'tcp').map((l) => `${l.port} ${l.pid} ${l.process}`);
    expect(ours.sort()).toEqual(recordedListeners.sort());

    const range = /Start Port\s*:\s*(\d+)[\s\S]*Number of Ports\s*:\s*(\d+)/.exec(fixtureText('windows', 'netsh-int-ipv4-show-dynamicport-tcp.txt'))!;
    expect(s.localPortRange).toEqual([Number(range[1]), Number(range[1]) + Number(range[2]) - 1]);

    const v4Default = /^\s*0\.0\.0\.0\s+0\.0\.0\.0\s+(\S+)/m.exec(fixtureText('windows', 'route-print.txt'))![1];
    expect(s.defaultGateways.filter((g) => g.family === 'inet').map((g) => g.gateway)).toEqual([v4Default]);
  });

  it('prints what the in-process collector returns for the same directory', async () => {
    const s = snapshotJson('--platform', 'windows', '--from', path.join(REPO, 'fixtures/windows'));
    expect(withoutTiming(s)).toEqual(withoutTiming(await windowsFromDir(path.join(REPO, 'fixtures/windows'))));
  });

  it('renders the tables, naming the platform rather than Linux modules', () => {
    const result = cli('snapshot', '--platform', 'windows', '--from', 'fixtures/windows');
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^netstat-otel snapshot at \S+ \(windows\)/);
    const listening = tcpRows.filter((f) => f[3] === 'LISTENING').length + netstat.filter((f) => f[0] === 'UDP' && f[2] === '*:*').length;
    expect(out).toContain(`Listening sockets (${listening})`);
    expect(out).toMatch(/tcp\s+127\.0\.0\.1:9464\s+5200\/node/);
    expect(out).toMatch(/^Ethernet\s/m);
    expect(out).toContain('conntrack: not available on windows');
    expect(out).not.toContain('nf_conntrack');
    expect(out).toContain('Errors: none');
  });
});

suite('snapshot --platform darwin --from fixtures/darwin', () => {
  /** Socket rows of a `netstat -anv` listing: the fixed columns, then `process:pid` where the header has it. */
  const rows = (file: string) =>
    fixtureText(...file.split('/'))
      .split('\n')
      .filter((l) => /^tcp/.test(l))
      .map((l) => l.trim().split(/\s+/));

  it.each(['fixtures/darwin', 'fixtures/darwin/catalina'])('%s: JSON passes the schema checks and matches the in-process collector', async (dir) => {
    // Absolute, so the file names in `errors` are those the in-process collector gives.
    const s = snapshotJson('--platform', 'darwin', '--from', path.join(REPO, dir));
    checkSnapshotSchema(s);
    expect(s.platform).toBe('darwin');
    expect([s.conntrack, s.sockstat]).toEqual([null, null]);
    expect(withoutTiming(s)).toEqual(withoutTiming(await darwinFromDir(path.join(REPO, dir))));
  });

  it('agrees with the recorded netstat -anvW: states, listeners with their process names', () => {
    const s = snapshotJson('--platform', 'darwin', '--from', 'fixtures/darwin');
    const tcp = rows('darwin/netstat-anvW-p-tcp.txt');
    const counted = countStates(tcp, 5);
    expect(Object.fromEntries(Object.entries(s.tcp.states).filter(([, n]) => n > 0))).toEqual(counted);

    const text = fixtureText('darwin', 'netstat-anvW-p-tcp.txt');
    const recorded = text
      .split('\n')
      .filter((l) => / LISTEN /.test(l))
      .map((l) => {
        const port = /\.(\d+)\s/.exec(l.split(/\s+/)[3]! + ' ')![1];
        // `process:pid` is right-aligned after wide gaps; a name holds single spaces at most (`Slack Helper`).
        const [, name, pid] = /(\S+(?: \S+)*):(\d+)\s+\d{5}\s/.exec(l)!;
        return `${port} ${pid} ${name}`;
      });
    const ours = s.sockets.filter((x) => x.transport === 'tcp' && x.state === 'listen').map((x) => `${x.localPort} ${x.pid} ${x.process}`);
    expect(ours.sort()).toEqual(recorded.sort());
    expect(s.errors).toEqual([]);
  });

  it('flags the address netstat cut in the Catalina recording instead of trusting it', () => {
    const s = snapshotJson('--platform', 'darwin', '--from', 'fixtures/darwin/catalina');
    const cut = s.errors.filter((e) => e.message.includes('may be cut off'));
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.every((e) => e.file?.endsWith('netstat-anv-p-tcp.txt'))).toBe(true);
  });

  it('renders the tables', () => {
    const result = cli('snapshot', '--platform', 'darwin', '--from', 'fixtures/darwin');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^netstat-otel snapshot at \S+ \(darwin\)/);
    expect(result.stdout).toMatch(/tcp\s+127\.0\.0\.1:5432\s+734\/postgres/);
    expect(result.stdout).toContain('conntrack: not available on darwin');
  });
});

suite('snapshot --platform, bad input', () => {
  it.each([
    [['--platform', 'bsd'], /--platform must be one of linux, windows, darwin, got 'bsd'/],
    [['--platform', 'windows', '--from', 'fixtures/no-such-dir'], /--from fixtures\/no-such-dir does not exist/],
    [['--platform', 'windows', '--from', 'fixtures/windows/README.md'], /is not a directory/],
    // The macOS recordings are not Windows ones, although one file name (netstat-s-p-tcp.txt) is shared.
    [['--platform', 'windows', '--from', 'fixtures/darwin'], /no recorded windows socket listing: expected one of powershell-sample\.json, netstat-ano\.txt/],
    [['--platform', 'darwin', '--from', 'fixtures/windows'], /no recorded darwin socket listing/],
    [['--platform', 'linux', '--from', 'fixtures/windows'], /to replay a recorded Linux host use --procfs/],
    [['--platform', 'windows', '--from', 'fixtures/windows', '--procfs', '/proc'], /--procfs applies only to --platform linux/],
    [['--from'], /argument missing/],
  ])('%j', (args, message) => {
    const result = cli('snapshot', ...args);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it.runIf(process.platform === 'linux')('asks for --from when the platform is not the running one', () => {
    const result = cli('snapshot', '--platform', 'windows');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--platform windows on a linux host needs --from DIR');
  });
});

suite('snapshot --platform linux', () => {
  it.runIf(process.platform === 'linux')('is the default on Linux and replays a recorded procfs tree with --procfs', () => {
    const explicit = snapshotJson('--platform', 'linux', '--procfs', 'fixtures/recorded/loopback-states', '--socket-source', 'procfs');
    const implicit = snapshotJson('--procfs', 'fixtures/recorded/loopback-states', '--socket-source', 'procfs');
    expect(explicit.platform).toBe('linux');
    expect(explicit.tcp.states.listen).toBeGreaterThan(0);
    expect(withoutTiming(implicit)).toEqual(withoutTiming(explicit));
  });
});

suite('README replay commands', () => {
  // The Windows/macOS section's examples, run as written: the documentation must name real flags.
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const commands = [...readme.matchAll(/^netstat-otel (snapshot --platform \S+ --from \S+(?: --json)?)/gm)].map((m) => m[1]!);

  it('documents at least the Windows and the macOS replay', () => {
    expect(commands.some((c) => c.includes('--platform windows'))).toBe(true);
    expect(commands.some((c) => c.includes('--platform darwin'))).toBe(true);
  });

  it.each(commands)('netstat-otel %s', (command) => {
    const result = cli(...command.split(' '));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    if (command.endsWith('--json')) checkSnapshotSchema(JSON.parse(result.stdout) as Snapshot);
    else expect(result.stdout).toMatch(/^netstat-otel snapshot at /);
  });
});

describe('takeSnapshot on another host OS (in process)', () => {
  const defaults: SnapshotCommandOptions = { procfs: '/proc', sysfs: '/sys', attribution: true, socketSource: 'procfs' };

  it('on a Windows host, another platform needs --from; Windows itself is the default', async () => {
    await expect(takeSnapshot({ ...defaults, platform: 'darwin' }, 'windows')).rejects.toThrow(
      new UsageError('--platform darwin on a windows host needs --from DIR, a directory of recorded darwin command outputs (e.g. fixtures/darwin)'),
    );
    const s = await takeSnapshot({ ...defaults, from: path.join(REPO, 'fixtures/windows') }, 'windows');
    expect(s.platform).toBe('windows');
  });

  it('on a macOS host, a recorded Linux procfs tree still replays with --platform linux --procfs', async () => {
    const s = await takeSnapshot({ ...defaults, platform: 'linux', procfs: path.join(REPO, 'fixtures/recorded/loopback-states') }, 'darwin');
    expect(s.platform).toBe('linux');
    expect(s.tcp.states.listen).toBeGreaterThan(0);
  });

  it('names the Linux flags given for another platform', async () => {
    await expect(takeSnapshot({ ...defaults, platform: 'darwin', from: path.join(REPO, 'fixtures/darwin') }, 'linux', ['--sysfs', '--no-attribution'])).rejects.toThrow(
      '--sysfs, --no-attribution apply only to --platform linux',
    );
  });
});
