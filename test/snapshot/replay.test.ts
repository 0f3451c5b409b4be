/**
 * Snapshots of a procfs tree recorded on this machine by `netstat-otel record` while sockets
 * were held in known states, checked against what `ss` printed at the same moment (saved
 * beside it as ss-*.txt), and the same tree broken in the ways real hosts break.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../src/snapshot/collect.js';
import { fixturePath } from '../corpus.js';

const RECORDED = fixturePath('recorded/loopback-states');
const ssLines = (name: string) => readFileSync(path.join(RECORDED, name), 'utf8').split('\n').filter((l) => l.trim());

describe('snapshot of a recorded procfs tree', () => {
  it('counts TCP states as ss -tan did at recording time', async () => {
    const snapshot = await collectSnapshot({ procfs: RECORDED });
    const ssCount = (state: string) => ssLines('ss-tanp.txt').filter((l) => l.startsWith(`${state} `)).length;
    expect(snapshot.tcp.states).toMatchObject({
      listen: ssCount('LISTEN'),
      established: ssCount('ESTAB'),
      close_wait: ssCount('CLOSE-WAIT'),
      fin_wait_2: ssCount('FIN-WAIT-2'),
      time_wait: ssCount('TIME-WAIT'),
    });
    expect(snapshot.tcp.states.time_wait).toBeGreaterThanOrEqual(4);
    expect(snapshot.errors).toEqual([]);
  });

  it('attributes listeners to the pid and process ss -tlnp named, from recorded fd links', async () => {
    const snapshot = await collectSnapshot({ procfs: RECORDED });
    const expected = ssLines('ss-tlnp.txt').map((line) => {
      const fields = line.split(/\s+/);
      const port = Number(fields[3]!.slice(fields[3]!.lastIndexOf(':') + 1));
      const user = /\("([^"]+)",pid=(\d+)/.exec(line);
      return { port, pid: user ? Number(user[2]) : null, process: user ? user[1] : null };
    });
    const ours = snapshot.listeners.filter((l) => l.transport === 'tcp').map(({ port, pid, process }) => ({ port, pid, process }));
    expect(ours.sort((a, b) => a.port - b.port)).toEqual(expected.sort((a, b) => a.port - b.port));
    expect(snapshot.listeners.filter((l) => l.transport === 'udp').map((l) => l.family).sort()).toEqual(['inet', 'inet6']);
  });

  it('reads interfaces, routes, default gateways, counters, sockstat, conntrack and port range', async () => {
    const s = await collectSnapshot({ procfs: RECORDED });
    expect(s.interfaces.map((i) => i.name)).toContain('lo');
    expect(s.defaultGateways).toEqual([
      { family: 'inet', gateway: '192.0.2.1', interface: 'eth0' },
      { family: 'inet6', gateway: 'fd00::1', interface: 'eth0' },
    ]);
    expect(s.counters.Tcp?.['RtoAlgorithm']).toBe(1);
    expect(typeof s.counters.TcpExt?.['ListenOverflows']).toBe('number');
    expect(s.sockstat?.['TCP']?.['inuse']).toBeGreaterThan(0);
    expect(s.conntrack).toEqual({ count: expect.any(Number), max: 262144 });
    expect(s.localPortRange).toEqual([32768, 60999]);
    expect(s.samplers.every((r) => r.ok)).toBe(true);
  });
});

describe('bad input: errors name file and line, the rest of the snapshot stays right', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  async function brokenCopy(): Promise<string> {
    dir = await mkdtemp(path.join(os.tmpdir(), 'netstat-otel-broken-'));
    await cp(RECORDED, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  }

  it('a truncated line and garbage hex each give one error with its line; good rows stay', async () => {
    const root = await brokenCopy();
    const good = await collectSnapshot({ procfs: root });
    const tcp = path.join(root, 'net/tcp');
    const lines = (await readFile(tcp, 'utf8')).trimEnd().split('\n');
    lines.push('  99: 0100007F:1F90 00000000:00', '  100: 0100007Z:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1');
    await writeFile(tcp, lines.join('\n') + '\n');
    const s = await collectSnapshot({ procfs: root });
    expect(s.errors).toEqual([
      { source: 'tcp', file: tcp, line: lines.length - 1, message: expect.stringMatching(/fields/) },
      { source: 'tcp', file: tcp, line: lines.length, message: expect.stringMatching(/not hex/) },
    ]);
    expect(s.tcp.states).toEqual(good.tcp.states);
    expect(s.listeners).toEqual(good.listeners);
  });

  it('a missing file empties only its part and is reported', async () => {
    const root = await brokenCopy();
    await rm(path.join(root, 'net/dev'));
    const s = await collectSnapshot({ procfs: root });
    expect(s.interfaces).toEqual([]);
    expect(s.errors).toEqual([{ source: 'interfaces', file: path.join(root, 'net/dev'), line: null, message: expect.stringMatching(/ENOENT/) }]);
    expect(s.samplers.find((r) => r.name === 'interfaces')?.ok).toBe(false);
    expect(s.tcp.states.time_wait).toBeGreaterThanOrEqual(4);
    expect(s.routes.length).toBeGreaterThan(0);
  });

  it('an unreadable file (a directory in its place) is reported; the others are read', async () => {
    const root = await brokenCopy();
    await rm(path.join(root, 'net/snmp'));
    await mkdir(path.join(root, 'net/snmp'));
    const s = await collectSnapshot({ procfs: root });
    expect(s.errors).toEqual([{ source: 'counters', file: path.join(root, 'net/snmp'), line: null, message: expect.stringMatching(/EISDIR/) }]);
    expect(s.counters.Tcp).toBeNull();
    expect(s.counters.TcpExt).not.toBeNull(); // from net/netstat, still readable
    expect(s.listeners.length).toBeGreaterThan(0);
  });

  it('no net/snmp6 (IPv6 disabled; the recording has none) means counters.Udp6 null and no error', async () => {
    const s = await collectSnapshot({ procfs: RECORDED });
    expect(s.counters.Udp6).toBeNull();
    expect(s.counters.Udp).not.toBeNull();
    expect(s.errors).toEqual([]);
    expect(s.samplers.find((r) => r.name === 'counters')?.ok).toBe(true);
  });

  it('a malformed net/snmp6 costs only its bad lines: errors say file and line, snmp and netstat counters stay', async () => {
    const root = await brokenCopy();
    const snmp6 = path.join(root, 'net/snmp6');
    await cp(fixturePath('broken/proc/net/snmp6'), snmp6);
    const s = await collectSnapshot({ procfs: root });
    expect(s.errors).toEqual([
      { source: 'counters', file: snmp6, line: 76, message: 'Udp6InErrors: "1e3" is not a number' },
      { source: 'counters', file: snmp6, line: 79, message: 'expected "Name value", got 1 fields' },
    ]);
    expect(s.counters.Udp6).toMatchObject({ InDatagrams: 20, OutDatagrams: 20 });
    expect(s.counters.Udp6).not.toHaveProperty('InErrors');
    expect(s.counters.Tcp?.['RtoAlgorithm']).toBe(1);
    expect(s.counters.Udp).not.toBeNull();
    expect(s.counters.TcpExt).not.toBeNull();
  });

  it('an unreadable net/snmp6 is reported (only a missing one is normal); the other counter files are read', async () => {
    const root = await brokenCopy();
    await mkdir(path.join(root, 'net/snmp6'));
    const s = await collectSnapshot({ procfs: root });
    expect(s.errors).toEqual([{ source: 'counters', file: path.join(root, 'net/snmp6'), line: null, message: expect.stringMatching(/EISDIR/) }]);
    expect(s.counters.Udp6).toBeNull();
    expect(s.counters.Tcp).not.toBeNull();
    expect(s.counters.TcpExt).not.toBeNull();
  });

  it('an absent nf_conntrack module means conntrack null and no error', async () => {
    const root = await brokenCopy();
    await rm(path.join(root, 'sys/net/netfilter'), { recursive: true });
    const s = await collectSnapshot({ procfs: root });
    expect(s.conntrack).toBeNull();
    expect(s.errors).toEqual([]);
  });
});
