import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath } from '../corpus.js';
import { checkSnapshotSchema } from '../support/snapshot_checks.js';
import { collectDarwinSnapshot, collectSnapshotFromDir } from '../../src/darwin/collect.js';
import { liveDarwinSource, replayDarwinSource } from '../../src/darwin/source.js';
import { commandFileName, CommandError, replayCommandRunner } from '../../src/platform/command.js';

const SONOMA = fixturePath('darwin');
const CATALINA = fixturePath('darwin/catalina');
const AT = () => new Date('2025-06-02T09:14:08.000Z');

describe('macOS replay of fixtures/darwin (Sonoma, netstat -anvW)', () => {
  it('passes the snapshot schema checks', async () => {
    checkSnapshotSchema(await collectSnapshotFromDir(SONOMA));
  });

  it('fills every part', async () => {
    const s = await collectDarwinSnapshot(replayDarwinSource(SONOMA), { now: AT });
    expect(s.platform).toBe('darwin');
    expect(s.timestamp).toBe('2025-06-02T09:14:08.000Z');
    expect(s.errors).toEqual([]);
    expect(s.samplers.map((x) => [x.name, x.ok])).toEqual([
      ['darwin.sockets', true],
      ['darwin.interfaces', true],
      ['darwin.routes', true],
      ['darwin.counters', true],
      ['darwin.portRange', true],
    ]);
    expect(s.tcp.states).toEqual({
      established: 6,
      syn_sent: 1,
      syn_received: 0,
      fin_wait_1: 0,
      fin_wait_2: 1,
      time_wait: 1,
      close: 0,
      close_wait: 1,
      last_ack: 1,
      listen: 8,
      closing: 0,
    });
    expect(s.udp.sockets).toBe(7);
    expect(s.unix).toEqual({ sockets: 7 });
    expect(s.sockets).toHaveLength(19 + 7 + 7);
    expect(s.conntrack).toBeNull();
    expect(s.sockstat).toBeNull();
    expect(s.localPortRange).toEqual([49152, 65535]);

    // -W: the long IPv6 addresses are whole and trusted.
    expect(s.sockets.find((x) => x.process === 'com.apple.WebKit')).toEqual({
      transport: 'tcp',
      family: 'inet6',
      state: 'established',
      localAddress: '2001:db8:4a1:100:8d3:c2f4:91e0:5b7a',
      localPort: 52644,
      remoteAddress: '2606:4700::6810:84e5',
      remotePort: 443,
      recvQ: 0,
      sendQ: 0,
      uid: null,
      inode: null,
      pid: 1880,
      process: 'com.apple.WebKit',
    });
    expect(s.sockets.find((x) => x.state === 'close_wait')).toMatchObject({ recvQ: 31, process: 'Slack Helper', pid: 2560 });
    // Connected UDP is established, unbound UDP (*.*) is close and not a listener.
    expect(s.sockets.find((x) => x.transport === 'udp' && x.remotePort === 53)).toMatchObject({
      state: 'established',
      localAddress: '192.168.1.23',
      remoteAddress: '192.168.1.1',
    });
    expect(s.sockets.find((x) => x.transport === 'udp' && x.localPort === null)).toMatchObject({ state: 'close', localAddress: '0.0.0.0' });
    expect(s.sockets.find((x) => x.transport === 'unix' && x.localAddress?.includes('Application Support'))).toMatchObject({
      family: 'unix',
      state: 'close',
      localAddress: '/Users/dev/Library/Application Support/Code/1.90-main.sock',
    });

    expect(s.listeners.map((l) => `${l.transport} ${l.address} ${l.port} ${l.process}:${l.pid}`)).toEqual([
      'tcp 127.0.0.1 9464 node:4021',
      'tcp ::1 5432 postgres:734',
      'tcp 127.0.0.1 5432 postgres:734',
      'tcp :: 49152 rapportd:548',
      'tcp :: 7000 ControlCenter:512',
      'tcp 0.0.0.0 7000 ControlCenter:512',
      'tcp :: 5000 ControlCenter:512',
      'tcp 0.0.0.0 5000 ControlCenter:512',
      'udp :: 3722 rapportd:548',
      'udp 0.0.0.0 138 netbiosd:3544',
      'udp 0.0.0.0 137 netbiosd:3544',
      'udp :: 5353 mDNSResponder:385',
      'udp 0.0.0.0 5353 mDNSResponder:385',
    ]);

    expect(s.interfaces.map((i) => i.name)).toEqual(['lo0', 'gif0', 'stf0', 'anpi0', 'en0', 'awdl0', 'llw0', 'utun0', 'utun3', 'bridge0']);
    expect(s.interfaces.find((i) => i.name === 'en0')).toEqual({
      name: 'en0',
      rxBytes: 22817733290,
      rxPackets: 18822014,
      rxErrors: 0,
      rxDropped: 0,
      txBytes: 1933017720,
      txPackets: 9120448,
      txErrors: 12,
      txDropped: 41,
      txCollisions: 0,
    });

    // Neighbour (ARP/NDP) entries are not routes; classful destinations become CIDR.
    expect(s.routes.map((r) => `${r.destination} ${r.gateway ?? '-'} ${r.interface} ${r.flags}`)).toEqual([
      '0.0.0.0/0 192.168.1.1 en0 UGScg',
      '0.0.0.0/0 - utun3 UCSIg',
      '10.8.0.0/24 10.8.0.6 utun3 UGSc',
      '127.0.0.0/8 127.0.0.1 lo0 UCS',
      '127.0.0.1/32 127.0.0.1 lo0 UH',
      '169.254.0.0/16 - en0 UCS',
      '192.168.1.0/24 - en0 UCS',
      '192.168.1.1/32 - en0 UCS',
      '192.168.1.23/32 - en0 UCS',
      '224.0.0.0/4 - en0 UmCS',
      '255.255.255.255/32 - en0 UCS',
      '::/0 fe80::1%en0 en0 UGcg',
      '::/0 fe80::%utun0 utun0 UGcIg',
      '::1/128 ::1 lo0 UHL',
      '2001:db8:4a1:100::/64 - en0 UC',
      'fe80::/64 fe80::1%lo0 lo0 UcI',
      'fe80::1/128 - lo0 UHLI',
      'fe80::/64 - en0 UCI',
      'ff00::/8 ::1 lo0 UmCI',
      'ff00::/8 - en0 UmCI',
    ]);
    // The VPN's interface-scoped defaults (flag I) are not the default gateway.
    expect(s.defaultGateways).toEqual([
      { family: 'inet', gateway: '192.168.1.1', interface: 'en0' },
      { family: 'inet6', gateway: 'fe80::1%en0', interface: 'en0' },
    ]);

    expect(s.counters.Tcp).toEqual({
      ActiveOpens: 70881,
      PassiveOpens: 3381,
      AttemptFails: 1904,
      EstabResets: 2211,
      InSegs: 51120876,
      OutSegs: 41288211,
      RetransSegs: 21877,
      InCsumErrors: 2,
      InErrs: 2,
    });
    expect(s.counters.TcpExt).toEqual({ ListenOverflows: 0, ListenDrops: 0, TCPTimeouts: 8120 });
    expect(s.counters.Udp).toBeNull();
    expect(s.counters.Udp6).toBeNull();
    expect(s.counters.Ip).toBeNull();
    expect(s.counters.DarwinTcp).toMatchObject({ sndrexmitbyte: 18820112, keepdrops: 174, sack_rexmits: 14877 });
  });
});

describe('macOS replay of fixtures/darwin/catalina (netstat -anv, lsof names)', () => {
  it('passes the snapshot schema checks', async () => {
    checkSnapshotSchema(await collectSnapshotFromDir(CATALINA));
  });

  it('uses the fallback commands, names listeners through lsof, and distrusts cut addresses', async () => {
    const s = await collectDarwinSnapshot(replayDarwinSource(CATALINA), { now: AT });
    expect(s.unix).toBeNull(); // not recorded: no data, no error
    expect(s.errors.map((e) => [e.source, e.line, e.message])).toEqual([
      ['darwin.sockets', 4, 'local address "2001:db8:4a1:100.64120" may be cut off by netstat (use -W); not trusted'],
      ['darwin.sockets', 4, 'foreign address "2a00:1450:4001:8.443" may be cut off by netstat (use -W); not trusted'],
      ['darwin.interfaces', 7, 'interface vmnet listed twice (netstat cut its name?); keeping the first'],
    ]);
    expect(s.errors[0]?.file).toBe(path.join(CATALINA, 'netstat-anv-p-tcp.txt'));
    expect(s.sockets.find((x) => x.pid === 1455 && x.transport === 'tcp')).toMatchObject({
      family: 'inet6',
      state: 'established',
      localAddress: null,
      localPort: null,
      remoteAddress: null,
      remotePort: 443, // the address was cut at 16 characters, but ".443" still fit the column
      process: 'Google Chrome He', // from lsof's UDP socket of the same pid
    });
    expect(s.listeners.map((l) => `${l.transport} ${l.address} ${l.port} ${l.process}:${l.pid}`)).toEqual([
      'tcp 127.0.0.1 6379 redis-server:402',
      'tcp :: 22 launchd:1',
      'tcp :: 8080 java helper:2233',
      'udp 0.0.0.0 5353 mDNSResponder:212',
      'udp :: 5353 mDNSResponder:212',
    ]);
    expect(s.interfaces.map((i) => [i.name, i.rxBytes, i.txDropped])).toEqual([
      ['lo0', 10211877, 0],
      ['en0', 2301122877, 0],
      ['vmnet', 0, 0],
    ]);
    expect(s.defaultGateways).toEqual([
      { family: 'inet', gateway: '192.168.1.254', interface: 'en0' },
      { family: 'inet6', gateway: 'fe80::feae:34ff:fea1:3a80%en0', interface: 'en0' },
    ]);
    expect(s.counters.Tcp).toEqual({
      ActiveOpens: 2011,
      PassiveOpens: 312,
      AttemptFails: 40,
      EstabResets: 18,
      InSegs: 140211,
      OutSegs: 120331,
      RetransSegs: 4120,
    });
    expect(s.counters.TcpExt).toEqual({ ListenOverflows: 7, ListenDrops: 7, TCPTimeouts: 301 });
  });
});

describe('one failing macOS part never stops the others', () => {
  let tmp: string | null = null;
  afterEach(async () => {
    if (tmp !== null) await rm(tmp, { recursive: true, force: true });
    tmp = null;
  });

  it('an empty directory gives one error per required part and an empty snapshot', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'darwin-empty-'));
    const s = await collectDarwinSnapshot(replayDarwinSource(tmp), { now: AT });
    checkSnapshotSchema(s);
    expect(s.errors.map((e) => e.source)).toEqual(['darwin.sockets', 'darwin.interfaces', 'darwin.routes', 'darwin.counters']);
    expect(s.samplers.filter((x) => !x.ok).map((x) => x.name)).toEqual([
      'darwin.sockets',
      'darwin.interfaces',
      'darwin.routes',
      'darwin.counters',
    ]);
  });

  it('a failing UDP listing costs only UDP; a refused -W falls back to the plain listing', async () => {
    const sonoma = replayCommandRunner(SONOMA);
    const catalina = replayCommandRunner(CATALINA);
    const runner = async (argv: readonly string[]) => {
      const line = argv.join(' ');
      if (line === 'netstat -anvW -p tcp') throw new CommandError(argv, 'netstat: illegal option -- W', 1, false, 'usage: ...');
      if (line === 'netstat -anv -p tcp') return catalina(argv);
      if (line.includes('-p udp')) throw new CommandError(argv, `${line}: timed out after 20000 ms`, null, true, '');
      return sonoma(argv);
    };
    const s = await collectDarwinSnapshot(liveDarwinSource(runner), { now: AT });
    expect(s.udp.sockets).toBe(0);
    expect(s.sockets.filter((x) => x.transport === 'tcp')).toHaveLength(7);
    expect(s.errors.map((e) => e.message)).toContain('netstat -anvW -p udp: timed out after 20000 ms');
    expect(s.interfaces).toHaveLength(10);
  });

  it('a damaged line costs only that line', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'darwin-broken-'));
    const good = readFileSync(path.join(SONOMA, 'netstat-anvW-p-tcp.txt'), 'utf8');
    const lines = good.split('\n');
    lines[3] = 'tcp4       0      0  garbage';
    await writeFile(path.join(tmp, commandFileName(['netstat', '-anvW', '-p', 'tcp'])), lines.join('\n'));
    const s = await collectDarwinSnapshot(replayDarwinSource(tmp), { now: AT });
    expect(s.sockets).toHaveLength(18);
    expect(s.errors[0]).toEqual({
      source: 'darwin.sockets',
      file: path.join(tmp, 'netstat-anvW-p-tcp.txt'),
      line: 4,
      message: 'expected a Foreign Address column',
    });
  });
});
