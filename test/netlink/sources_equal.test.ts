/**
 * The netlink (sock_diag) and /proc/net paths give the same snapshot on live loopback sockets:
 * same sockets field for field (queues, uid, inode, pid, process), same state counts, same
 * listeners. And without the addon everything still works from /proc.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAddon } from '../../src/netlink/addon.js';
import { collectListeners, collectSnapshot, createSnapshotCollector } from '../../src/snapshot/collect.js';
import type { Snapshot, SocketRecord } from '../../src/snapshot/types.js';
import { openLoopbackSockets, type LoopbackSockets } from '../support/loopback_sockets.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');
const native = nativeAddon();

const key = (s: SocketRecord): string =>
  [s.transport, s.family, s.state, s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.recvQ, s.sendQ, s.uid, s.inode, s.pid, s.process].join(' ');
const sockets = (s: Snapshot): string[] => s.sockets.map(key).sort();
const listeners = (s: Snapshot): string[] => s.listeners.map((l) => JSON.stringify(l)).sort();

/** Other processes may open or close sockets meanwhile: take /proc, netlink, /proc until /proc did not move. */
async function stableTriple(): Promise<{ procfs: Snapshot; netlink: Snapshot }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await collectSnapshot({ socketSource: 'procfs' });
    const netlink = await collectSnapshot({ socketSource: 'netlink' });
    const after = await collectSnapshot({ socketSource: 'procfs' });
    if (JSON.stringify(sockets(before)) === JSON.stringify(sockets(after))) return { procfs: after, netlink };
  }
  throw new Error('/proc/net never held still for three reads in 5 rounds: the host is too busy to compare');
}

let held: LoopbackSockets;
const udp: dgram.Socket[] = [];

beforeAll(async () => {
  held = await openLoopbackSockets(['127.0.0.1', '::1'], { established: 3, closeWait: 2, timeWait: 2 });
  for (const [type, host] of [['udp4', '127.0.0.1'], ['udp6', '::1']] as const) {
    const socket = dgram.createSocket(type);
    socket.bind(0, host);
    await once(socket, 'listening');
    udp.push(socket);
  }
  // One connected UDP socket: state established for both paths.
  udp[0]!.connect(udp[0]!.address().port, '127.0.0.1');
  await once(udp[0]!, 'connect');
});

afterAll(async () => {
  for (const socket of udp) socket.close();
  await held?.close();
});

describe.skipIf(native.addon === null)(`netlink and /proc agree (addon: ${native.reason ?? 'built'})`, () => {
  let pair: Awaited<ReturnType<typeof stableTriple>>;
  beforeAll(async () => {
    pair = await stableTriple();
  });

  it('reads the same sockets, every field, with the same owners', () => {
    expect(pair.netlink.errors).toEqual([]);
    expect(sockets(pair.netlink)).toEqual(sockets(pair.procfs));
    const ours = pair.netlink.sockets.filter((s) => held.ports.includes(s.localPort ?? -1) && s.inode !== 0);
    expect(ours.length).toBeGreaterThanOrEqual(4 * 2 + 3 * 2);
    expect(ours.every((s) => s.pid === process.pid)).toBe(true);
  });

  it('counts the same states and lists the same listeners', () => {
    expect(pair.netlink.tcp).toEqual(pair.procfs.tcp);
    expect(pair.netlink.udp).toEqual(pair.procfs.udp);
    expect(listeners(pair.netlink)).toEqual(listeners(pair.procfs));
    expect(pair.netlink.sockets.some((s) => s.transport === 'udp' && s.state === 'established')).toBe(true);
  });

  it('the listener watch agrees on both paths, and with the full snapshot', async () => {
    const [viaNetlink, viaProcfs] = await Promise.all([collectListeners({ socketSource: 'netlink' }), collectListeners({ socketSource: 'procfs' })]);
    expect(viaNetlink.errors).toEqual([]);
    const text = (ls: typeof viaNetlink.listeners) => ls.map((l) => JSON.stringify(l)).sort();
    expect(text(viaNetlink.listeners)).toEqual(text(viaProcfs.listeners));
    const mine = viaNetlink.listeners.filter((l) => held.ports.includes(l.port));
    expect(mine.map((l) => l.pid)).toEqual([process.pid, process.pid, process.pid, process.pid]);
  });

  it('counts states without listing sockets, as the snapshot counts them', async () => {
    const collector = createSnapshotCollector();
    expect(collector.socketSource).toBe('netlink');
    expect(collector.fdReader).toBe('native');
    for (let attempt = 0; attempt < 5; attempt++) {
      const counts = await collector.stateCounts();
      const snapshot = await collectSnapshot({ attribution: false });
      const again = await collector.stateCounts();
      if (JSON.stringify(counts) !== JSON.stringify(again)) continue;
      expect(counts.tcp).toEqual(snapshot.tcp.states);
      expect(counts.udp).toBe(snapshot.udp.sockets);
      return;
    }
    throw new Error('socket table never held still');
  });
});

describe('without the addon', () => {
  it('says why it is absent instead of throwing', () => {
    const load = loadNativeAddon('/nonexistent/netstat_otel_native.node');
    expect(load.addon).toBeNull();
    expect(load.reason).toMatch(/not built/);
    expect(loadNativeAddon(undefined, { NETSTAT_OTEL_NATIVE: '0' }).reason).toMatch(/NETSTAT_OTEL_NATIVE=0/);
  });

  it('reads /proc/net and walks /proc/<pid>/fd with node:fs, to the same snapshot', async () => {
    const collector = createSnapshotCollector({ native: null });
    expect([collector.socketSource, collector.fdReader]).toEqual(['procfs', 'node:fs']);
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await collectSnapshot();
      const fallback = await collector.snapshot();
      const after = await collectSnapshot();
      if (JSON.stringify(sockets(before)) !== JSON.stringify(sockets(after))) continue;
      expect(fallback.errors).toEqual([]);
      expect(sockets(fallback)).toEqual(sockets(after));
      expect(listeners(fallback)).toEqual(listeners(after));
      return;
    }
    throw new Error('socket table never held still');
  });

  it('an explicit netlink request falls back to /proc and says so', async () => {
    const s = await collectSnapshot({ socketSource: 'netlink', native: null, attribution: false });
    expect(s.errors).toEqual([{ source: 'sockets', file: null, line: null, message: expect.stringMatching(/netlink unavailable \(disabled by the caller\)/) }]);
    expect(s.tcp.states.listen).toBeGreaterThanOrEqual(4);
  });

  it('a package whose addon was never built reads /proc/net, and says so once on stderr', async () => {
    // dist/ without build/ beside it: what `npm install` leaves when node-gyp could not build.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netstat-otel-noaddon-'));
    try {
      const root = path.resolve(import.meta.dirname, '../..');
      cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
      cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
      symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
      const env = { ...process.env, NETSTAT_OTEL_SOCKET_SOURCE: '' };
      const { stdout, stderr } = await run(process.execPath, [path.join(dir, 'dist/cli.js'), 'snapshot', '--json'], { env, maxBuffer: 256 * 1024 * 1024 });
      const s = JSON.parse(stdout) as Snapshot;
      expect(s.errors).toEqual([]);
      expect(s.listeners.filter((l) => held.ports.includes(l.port)).map((l) => l.pid)).toEqual([process.pid, process.pid, process.pid, process.pid]);
      expect(stderr.match(/native addon not loaded/g)).toHaveLength(1);
      expect(stderr).toMatch(/is not built; .*reading sockets from \/proc\/net/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI refuses --socket-source netlink, and runs on /proc by default', async () => {
    // The default path, whatever NETSTAT_OTEL_SOCKET_SOURCE the suite itself runs under.
    const env = { ...process.env, NETSTAT_OTEL_NATIVE: '0', NETSTAT_OTEL_SOCKET_SOURCE: '' };
    await expect(run(process.execPath, [CLI, 'snapshot', '--json', '--socket-source', 'netlink'], { env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/native addon is not available/),
    });
    const { stdout } = await run(process.execPath, [CLI, 'snapshot', '--json'], { env, maxBuffer: 256 * 1024 * 1024 });
    const s = JSON.parse(stdout) as Snapshot;
    expect(s.listeners.filter((l) => held.ports.includes(l.port)).map((l) => l.pid)).toEqual([process.pid, process.pid, process.pid, process.pid]);
  });
});
