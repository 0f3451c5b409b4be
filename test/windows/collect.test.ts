import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath } from '../corpus.js';
import { checkSnapshotSchema } from '../support/snapshot_checks.js';
import {
  collectSnapshotFromDir,
  collectWindowsSnapshot,
  type WindowsSnapshot,
} from '../../src/windows/collect.js';
import { liveWindowsSource, replayWindowsSource, type WindowsSource } from '../../src/windows/source.js';
import { PowerShellSession } from '../../src/windows/powershell-session.js';
import { replayCommandRunner, CommandError } from '../../src/platform/command.js';
import type { SocketRecord } from '../../src/snapshot/types.js';

const DIR = fixturePath('windows');
const AT = () => new Date('2025-06-02T09:14:08.000Z');
const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-powershell.mjs');

const key = (s: SocketRecord) =>
  [s.transport, s.family, s.state, s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.pid, s.process].join(' ');

describe('Windows replay of fixtures/windows through PowerShell', () => {
  it('passes the snapshot schema checks', async () => {
    const s = await collectSnapshotFromDir(DIR);
    checkSnapshotSchema(s);
  });

  it('fills every part from the PowerShell answer', async () => {
    const s = await collectWindowsSnapshot(replayWindowsSource(DIR), { now: AT });
    expect(s.timestamp).toBe('2025-06-02T09:14:08.000Z');
    expect(s.platform).toBe('windows');
    expect(s.errors).toEqual([]);
    expect(s.samplers.map((x) => [x.name, x.ok])).toEqual([
      ['windows.powershell', true],
      ['windows.sockets', true],
      ['windows.interfaces', true],
      ['windows.routes', true],
      ['windows.counters', true],
      ['windows.portRange', true],
    ]);
    expect(s.sockets).toHaveLength(61); // 44 TCP + 2 Bound + 15 UDP
    expect(s.tcp.states).toEqual({
      established: 7,
      syn_sent: 1,
      syn_received: 0,
      fin_wait_1: 0,
      fin_wait_2: 1,
      time_wait: 3,
      close: 2, // the two Bound sockets
      close_wait: 1,
      last_ack: 1,
      listen: 30,
      closing: 0,
    });
    expect(s.udp.sockets).toBe(15);
    expect(s.unix).toBeNull();
    expect(s.conntrack).toBeNull();
    expect(s.sockstat).toBeNull();
    expect(s.localPortRange).toEqual([49152, 65535]);

    // TIME_WAIT sockets belong to pid 0 on Windows: no owner.
    const tw = s.sockets.find((x) => x.state === 'time_wait' && x.localPort === 443);
    expect(tw).toMatchObject({ pid: null, process: null, remoteAddress: '10.20.30.79', remotePort: 49990 });
    expect(s.sockets.find((x) => x.state === 'syn_sent')).toMatchObject({
      transport: 'tcp',
      family: 'inet',
      localAddress: '10.20.30.41',
      localPort: 49713,
      remoteAddress: '10.20.30.60',
      remotePort: 4318,
      recvQ: 0,
      sendQ: 0,
      uid: null,
      inode: null,
      pid: 5200,
      process: 'node',
    });

    expect(s.listeners).toHaveLength(45); // 30 TCP listen + 15 UDP
    expect(s.listeners.find((l) => l.port === 1433 && l.family === 'inet6')).toEqual({
      transport: 'tcp',
      family: 'inet6',
      address: '::',
      port: 1433,
      pid: 2904,
      process: 'sqlservr',
      uid: null,
      inode: null,
    });
    expect(s.listeners.find((l) => l.transport === 'udp' && l.port === 137)).toMatchObject({
      address: '10.20.30.41',
      pid: 4,
      process: 'System',
    });

    expect(s.interfaces).toEqual([
      {
        name: 'Ethernet',
        rxBytes: 91822734118,
        rxPackets: 77120455 + 412877 + 905112,
        rxErrors: 3,
        rxDropped: 214,
        txBytes: 52210087731,
        txPackets: 61034982 + 21880 + 4410,
        txErrors: 0,
        txDropped: 0,
        rxMulticast: 412877,
      },
    ]);

    expect(s.routes).toHaveLength(17);
    expect(s.routes[0]).toEqual({
      family: 'inet',
      destination: '0.0.0.0/0',
      gateway: '10.20.30.1',
      interface: 'Ethernet',
      metric: 25,
      flags: 'UG',
    });
    expect(s.routes.find((r) => r.destination === '127.0.0.1/32')).toMatchObject({ gateway: null, metric: 331, flags: 'UH' });
    expect(s.defaultGateways).toEqual([
      { family: 'inet', gateway: '10.20.30.1', interface: 'Ethernet' },
      { family: 'inet6', gateway: 'fe80::1', interface: 'Ethernet' },
    ]);

    // TCPv4 + TCPv6 performance counters, under the /proc/net/snmp names.
    expect(s.counters.Tcp).toEqual({
      ActiveOpens: 184233 + 412,
      PassiveOpens: 96412 + 1033,
      AttemptFails: 2211 + 17,
      EstabResets: 7305 + 58,
      CurrEstab: 7 + 1,
      InSegs: 48822613 + 882104,
      OutSegs: 41276518 + 790261,
      RetransSegs: 61734 + 133,
    });
    // UDPv4 and UDPv6 kept apart, as Linux's Udp and Udp6 (netstat.udp.* network.type ipv4, ipv6).
    expect(s.counters.Udp).toEqual({ InDatagrams: 3188211, OutDatagrams: 2975530, NoPorts: 10482, InErrors: 12 });
    expect(s.counters.Udp6).toEqual({ InDatagrams: 51877, OutDatagrams: 60123, NoPorts: 331, InErrors: 0 });
    expect(s.counters.TcpExt).toBeNull();
    expect(s.counters.Ip).toBeNull();

    expect((s as WindowsSnapshot).firewall).toEqual({
      ruleCount: 412,
      enabledRuleCount: 167,
      profiles: [
        'Domain=True|NotConfigured|NotConfigured',
        'Private=True|NotConfigured|NotConfigured',
        'Public=True|Block|NotConfigured',
      ],
      sha256: '86b60e8f8c05f3627e8c0561eb42593bac62dabe9b62d114762b79ab58ac6ec8',
    });
  });
});

describe('Windows replay of fixtures/windows through the netstat fallback', () => {
  it('passes the snapshot schema checks', async () => {
    const s = await collectWindowsSnapshot(replayWindowsSource(DIR, { powershell: false }), { now: AT });
    checkSnapshotSchema(s);
    expect(s.errors).toEqual([]);
    expect(s.samplers.map((x) => x.name)).not.toContain('windows.powershell');
  });

  it('agrees with the PowerShell path on sockets and listeners (netstat does not show Bound sockets)', async () => {
    const viaPs = await collectWindowsSnapshot(replayWindowsSource(DIR), { now: AT });
    const viaNetstat = await collectWindowsSnapshot(replayWindowsSource(DIR, { powershell: false }), { now: AT });
    const bound = (x: SocketRecord) => x.transport === 'tcp' && x.state === 'close';
    expect(viaNetstat.sockets).toHaveLength(59);
    expect(viaNetstat.sockets.map(key).sort()).toEqual(viaPs.sockets.filter((x) => !bound(x)).map(key).sort());
    expect(viaNetstat.listeners.map((l) => JSON.stringify(l)).sort()).toEqual(viaPs.listeners.map((l) => JSON.stringify(l)).sort());
    expect(viaNetstat.tcp.states).toEqual({ ...viaPs.tcp.states, close: 0 });
    expect(viaNetstat.localPortRange).toEqual([49152, 65535]);
  });

  it('reports netstat -e totals as one _Total interface, and IPv4-only TCP counters', async () => {
    const s = await collectWindowsSnapshot(replayWindowsSource(DIR, { powershell: false }), { now: AT });
    expect(s.interfaces).toEqual([
      {
        name: '_Total',
        rxBytes: 91822734118,
        rxPackets: 77120455 + 1317989,
        rxErrors: 3,
        rxDropped: 214,
        txBytes: 52210087731,
        txPackets: 61034982 + 26290,
        txErrors: 0,
        txDropped: 0,
      },
    ]);
    expect(s.counters.Tcp).toEqual({
      ActiveOpens: 184233,
      PassiveOpens: 96412,
      AttemptFails: 2211,
      EstabResets: 7305,
      CurrEstab: 7,
      InSegs: 48822613,
      OutSegs: 41276518,
      RetransSegs: 61734,
    });
    expect(s.counters.Udp).toBeNull();
    expect(s.counters.Udp6).toBeNull();
    // route print names IPv4 interfaces by address and IPv6 ones by index.
    expect(s.defaultGateways).toEqual([
      { family: 'inet', gateway: '10.20.30.1', interface: '10.20.30.41' },
      { family: 'inet6', gateway: 'fe80::1', interface: '6' },
    ]);
    expect((s as WindowsSnapshot).firewall).toBeNull();
  });
});

describe('one failing part never stops the others', () => {
  let tmp: string | null = null;
  afterEach(async () => {
    if (tmp !== null) await rm(tmp, { recursive: true, force: true });
    tmp = null;
  });

  it('a PowerShell answer with failed cmdlets falls back for those parts only', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'win-replay-'));
    const doc = JSON.parse(readFileSync(path.join(DIR, 'powershell-sample.json'), 'utf8'));
    doc.adapters = null;
    doc.routes = null;
    doc.errors = [
      { part: 'adapters', message: "The term 'Get-NetAdapterStatistics' is not recognized" },
      { part: 'routes', message: 'Access denied' },
    ];
    await writeFile(path.join(tmp, 'powershell-sample.json'), JSON.stringify(doc));
    for (const f of ['netstat-e.txt']) await copyFile(path.join(DIR, f), path.join(tmp, f));
    // route-print.txt deliberately missing: the routes part fails, the rest carries on.

    const s = await collectWindowsSnapshot(replayWindowsSource(tmp), { now: AT });
    expect(s.sockets).toHaveLength(61);
    expect(s.interfaces.map((i) => i.name)).toEqual(['_Total']);
    expect(s.routes).toEqual([]);
    expect(s.defaultGateways).toEqual([]);
    expect(s.samplers.find((x) => x.name === 'windows.routes')?.ok).toBe(false);
    expect(s.samplers.find((x) => x.name === 'windows.interfaces')?.ok).toBe(true);
    expect(s.errors.map((e) => [e.source, e.message.replace(/:.*ENOENT.*/s, ': ENOENT')])).toEqual([
      ['windows.powershell', "adapters: The term 'Get-NetAdapterStatistics' is not recognized"],
      ['windows.powershell', 'routes: Access denied'],
      ['windows.routes', `${path.join(tmp, 'route-print.txt')}: ENOENT`],
    ]);
    expect(s.errors[2]?.file).toBe(path.join(tmp, 'route-print.txt'));
    checkSnapshotSchema(s);
  });

  it('an empty directory gives an empty snapshot with one error per part, not an exception', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'win-empty-'));
    const s = await collectWindowsSnapshot(replayWindowsSource(tmp), { now: AT });
    checkSnapshotSchema(s);
    expect(s.sockets).toEqual([]);
    expect(s.errors.map((e) => e.source)).toEqual(['windows.sockets', 'windows.interfaces', 'windows.routes', 'windows.counters']);
    expect(s.localPortRange).toBeNull(); // netsh not recorded: no data, quietly
  });
});

describe('live Windows source (PowerShell stood in for by a node script)', () => {
  const sources: WindowsSource[] = [];
  let tmp: string | null = null;
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    if (tmp !== null) await rm(tmp, { recursive: true, force: true });
    tmp = null;
  });

  it('samples through the PowerShell child', async () => {
    const session = new PowerShellSession({
      command: process.execPath,
      args: [FAKE],
      env: { ...process.env, FAKE_PS_ANSWER_FILE: path.join(DIR, 'powershell-sample.json') },
      timeoutMs: 10_000,
    });
    const failIfRun = async (argv: readonly string[]) => {
      throw new Error(`fallback must not run: ${argv.join(' ')}`);
    };
    const source = liveWindowsSource({ session, runner: failIfRun });
    sources.push(source);
    const first = await collectWindowsSnapshot(source, { now: AT });
    const second = await collectWindowsSnapshot(source, { now: AT });
    expect(first.errors).toEqual([]);
    expect(first.sockets).toHaveLength(61);
    expect(second.sockets).toEqual(first.sockets);
    expect(session.stats.spawns).toBe(1); // one child for both samples
  });

  it('an answer that is not the document counts as a PowerShell failure, and the fallback fills in', async () => {
    const session = new PowerShellSession({ command: process.execPath, args: [FAKE], env: { ...process.env, FAKE_PS_GARBAGE: '1' } });
    const source = liveWindowsSource({ session, runner: replayCommandRunner(DIR) });
    sources.push(source);
    const s = await collectWindowsSnapshot(source, { now: AT });
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toMatchObject({ source: 'windows.powershell', file: 'powershell', line: null });
    expect(s.errors[0]?.message).toMatch(/^unusable PowerShell answer: not JSON: /);
    expect(s.samplers.find((x) => x.name === 'windows.powershell')?.ok).toBe(false);
    expect(s.sockets).toHaveLength(59);
  });

  it('falls back to netstat when PowerShell is not installed, and says so once', async () => {
    const session = new PowerShellSession({ command: path.join(os.tmpdir(), 'no-such-dir', 'powershell.exe') });
    const source = liveWindowsSource({ session, runner: replayCommandRunner(DIR) });
    sources.push(source);
    const first = await collectWindowsSnapshot(source, { now: AT });
    expect(first.sockets).toHaveLength(59);
    expect(first.errors.map((e) => e.source)).toEqual(['windows.powershell']);
    expect(first.errors[0]?.message).toMatch(/cannot start .*powershell\.exe/);
    const second = await collectWindowsSnapshot(source, { now: AT });
    expect(second.errors).toEqual([]);
    expect(second.sockets).toHaveLength(59);
    expect(session.stats.spawns).toBe(1); // not retried every sample
  });

  it('after a PowerShell failure, uses the fallback for a while instead of waiting on PowerShell every sample', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'win-hang-'));
    let clock = 1_000_000;
    const session = new PowerShellSession({
      command: process.execPath,
      args: [FAKE],
      env: {
        ...process.env,
        FAKE_PS_HANG_FILE: path.join(tmp, 'hung'),
        FAKE_PS_HANG_FROM: '2',
        FAKE_PS_ANSWER_FILE: path.join(DIR, 'powershell-sample.json'),
      },
      timeoutMs: 300,
      startupTimeoutMs: 10_000,
    });
    const source = liveWindowsSource({ session, runner: replayCommandRunner(DIR), retryAfterMs: 60_000, now: () => clock });
    sources.push(source);

    expect((await collectWindowsSnapshot(source, { now: AT })).sockets).toHaveLength(61); // PowerShell answers
    const hung = await collectWindowsSnapshot(source, { now: AT }); // then goes silent
    expect(hung.errors.map((e) => [e.source, e.message])).toEqual([['windows.powershell', 'PowerShell gave no answer within 300 ms']]);
    expect(hung.sockets).toHaveLength(59); // the fallback filled in
    expect(hung.samplers.find((x) => x.name === 'windows.powershell')?.ok).toBe(false);

    clock += 59_000;
    const waiting = await collectWindowsSnapshot(source, { now: AT });
    expect(waiting.errors).toEqual([]);
    expect(waiting.sockets).toHaveLength(59);
    expect(session.stats.spawns).toBe(1); // not asked during the delay

    clock += 2_000;
    const back = await collectWindowsSnapshot(source, { now: AT });
    expect(back.errors).toEqual([]);
    expect(back.sockets).toHaveLength(61); // PowerShell again, from a fresh child
    expect(session.stats.spawns).toBe(2);
  });

  it('a missing fallback command is an error for its part only', async () => {
    const runner = async (argv: readonly string[]) => {
      if (argv[0] === 'route') throw new CommandError(argv, 'route print: spawn route ENOENT', 'ENOENT', false, '');
      return replayCommandRunner(DIR)(argv);
    };
    const source = liveWindowsSource({ session: null, runner });
    const s = await collectWindowsSnapshot(source, { now: AT });
    expect(s.routes).toEqual([]);
    expect(s.sockets).toHaveLength(59);
    expect(s.errors).toEqual([{ source: 'windows.routes', file: null, line: null, message: 'route print: spawn route ENOENT' }]);
  });
});
