/**
 * The fd-link cache behind process attribution stays exact while processes close fds, reuse fd
 * numbers, pass sockets to each other, exit, and have their pids reused. Scenarios are built as
 * procfs trees (<pid>/stat, <pid>/fd/<n> symlinks), which both fd readers (the native addon and
 * node:fs) read like /proc, so each step can be set up exactly. Cost is checked as counts of
 * readlink calls, never as time.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nativeAddon, nativeFdReader } from '../../src/netlink/addon.js';
import { LINK_GONE, nodeFdReader, type FdReader } from '../../src/procfs/fd_reader.js';
import { SocketOwnerCache, type SocketOwnerScan } from '../../src/procfs/socket_owners.js';

/** A process as the tree shows it: fd number -> link target ("socket:[N]", "pipe:[1]", a path). */
interface Proc {
  pid: number;
  start: number;
  comm: string;
  fds: Record<number, string>;
}

const sock = (inode: number): string => `socket:[${inode}]`;

class Tree {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'netstat-otel-owners-'));

  /** Replaces the whole tree with these processes. */
  write(procs: readonly Proc[]): void {
    rmSync(this.root, { recursive: true, force: true });
    mkdirSync(this.root);
    for (const p of procs) {
      const dir = path.join(this.root, String(p.pid));
      mkdirSync(path.join(dir, 'fd'), { recursive: true });
      // Field 22 is the start time; the comm holds a space and a ')' as real ones may.
      const rest = Array.from({ length: 18 }, (_, i) => String(i + 4)).join(' ');
      writeFileSync(path.join(dir, 'stat'), `${p.pid} (${p.comm}) S ${rest} ${p.start} 0 0\n`);
      for (const [fd, target] of Object.entries(p.fds)) symlinkSync(target, path.join(dir, 'fd', fd));
    }
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

const native = nativeAddon().addon;
const readers: [string, FdReader][] = [['node:fs', nodeFdReader]];
if (native) readers.push(['native', nativeFdReader(native)]);

function owners(scan: SocketOwnerScan, inodes: readonly number[]): Record<number, string | null> {
  return Object.fromEntries(inodes.map((i) => {
    const o = scan.ownerOf(i);
    return [i, o ? `${o.pid}/${o.process}` : null];
  }));
}

describe.each(readers)('SocketOwnerCache with the %s reader', (_name, reader) => {
  let tree: Tree;
  let cache: SocketOwnerCache;
  beforeEach(() => {
    tree = new Tree();
    cache = new SocketOwnerCache({ reader });
  });
  afterEach(() => tree.remove());

  const scanAlive = (alive: number[]) => cache.scan(tree.root, { alive });

  it('reads every link once, then only what changed', () => {
    const procs: Proc[] = [
      { pid: 10, start: 100, comm: 'nginx: master', fds: { 0: '/dev/null', 3: sock(1001), 4: sock(1002) } },
      { pid: 11, start: 101, comm: 'nginx (worker)', fds: { 3: sock(1003), 5: 'pipe:[77]' } },
    ];
    tree.write(procs);
    const first = scanAlive([1001, 1002, 1003]);
    expect(first.stats.linksRead).toBe(5);
    const expected = { 1001: '10/nginx: master', 1002: '10/nginx: master', 1003: '11/nginx (worker)' };
    expect(owners(first, [1001, 1002, 1003])).toEqual(expected);

    // Nothing changed: only the fds that hold no TCP/UDP socket (/dev/null, the pipe) are read.
    const second = scanAlive([1001, 1002, 1003]);
    expect(second.stats.linksRead).toBe(2);
    expect(owners(second, [1001, 1002, 1003])).toEqual(expected);

    // One new connection on a new fd number: one more read.
    procs[1]!.fds[6] = sock(1004);
    tree.write(procs);
    const third = scanAlive([1001, 1002, 1003, 1004]);
    expect(third.stats.linksRead).toBe(3);
    expect(owners(third, [1004])).toEqual({ 1004: '11/nginx (worker)' });
  });

  it('a closed socket whose fd number a new socket reuses: the new socket, not the old', () => {
    const proc: Proc = { pid: 20, start: 5, comm: 'app', fds: { 7: sock(2001) } };
    tree.write([proc]);
    expect(owners(scanAlive([2001]), [2001])).toEqual({ 2001: '20/app' });
    proc.fds[7] = sock(2002); // 2001 closed (gone from the socket table), fd 7 reused
    tree.write([proc]);
    const scan = scanAlive([2002]);
    expect(scan.stats.linksRead).toBe(1);
    expect(owners(scan, [2001, 2002])).toEqual({ 2001: null, 2002: '20/app' });
  });

  it('an fd number reused while its old socket lives on in another process (passed over a unix socket)', () => {
    // 30 hands its listener 3001 to 40, closes fd 5 and reuses the number for a file.
    const a: Proc = { pid: 30, start: 1, comm: 'old', fds: { 5: sock(3001) } };
    const b: Proc = { pid: 40, start: 2, comm: 'new', fds: { 3: sock(3002) } };
    tree.write([a, b]);
    expect(owners(scanAlive([3001, 3002]), [3001, 3002])).toEqual({ 3001: '30/old', 3002: '40/new' });
    a.fds[5] = '/var/log/old.log';
    b.fds[4] = sock(3001);
    tree.write([a, b]);
    expect(owners(scanAlive([3001, 3002]), [3001, 3002])).toEqual({ 3001: '40/new', 3002: '40/new' });
  });

  it('a chain of reused fd numbers is followed to the end', () => {
    // 50 passes 5001 to 60, which receives it on fd 3, the number of its own 5002, which it had
    // passed on to a new process 70 and closed. 50 then reuses its fd for a file.
    const a: Proc = { pid: 50, start: 1, comm: 'a', fds: { 4: sock(5001) } };
    const b: Proc = { pid: 60, start: 1, comm: 'b', fds: { 3: sock(5002) } };
    tree.write([a, b]);
    scanAlive([5001, 5002]);
    a.fds[4] = 'anon_inode:[eventfd]';
    b.fds[3] = sock(5001);
    const c: Proc = { pid: 70, start: 9, comm: 'c', fds: { 8: sock(5002) } };
    tree.write([a, b, c]);
    expect(owners(scanAlive([5001, 5002]), [5001, 5002])).toEqual({ 5001: '60/b', 5002: '70/c' });
  });

  it('a lower pid that takes a socket into an fd number it used for a pipe is seen (the lowest pid wins)', () => {
    // A master reuses a pipe's fd number for a new listener, then forks a worker holding it too.
    const master: Proc = { pid: 80, start: 1, comm: 'master', fds: { 5: 'pipe:[9]' } };
    tree.write([master]);
    scanAlive([]);
    master.fds[5] = sock(8001);
    const worker: Proc = { pid: 81, start: 2, comm: 'worker', fds: { 5: sock(8001) } };
    tree.write([master, worker]);
    expect(owners(scanAlive([8001]), [8001])).toEqual({ 8001: '80/master' });
  });

  it('a pid that exits and is reused by a new process starts from nothing', () => {
    tree.write([{ pid: 90, start: 1000, comm: 'first', fds: { 3: sock(9001), 4: sock(9002) } }]);
    scanAlive([9001, 9002]);
    // Same pid and fd numbers, another process (start time differs); 9001 still exists elsewhere
    // in the kernel's view (in flight), so the table alone would not tell.
    tree.write([{ pid: 90, start: 2000, comm: 'second', fds: { 3: sock(9003), 4: sock(9002) } }]);
    const scan = scanAlive([9001, 9002, 9003]);
    expect(scan.stats.linksRead).toBe(2);
    expect(owners(scan, [9001, 9002, 9003])).toEqual({ 9001: null, 9002: '90/second', 9003: '90/second' });
  });

  it('a link read after its pid was reused reads as gone, not as the new process\'s fd', () => {
    tree.write([{ pid: 95, start: 7, comm: 'now', fds: { 3: sock(9501) } }]);
    const links = reader.readSocketLinks(tree.root, Int32Array.of(95, 95), Float64Array.of(6, 6), Int32Array.of(3, 4));
    expect(Array.from(links)).toEqual([LINK_GONE, LINK_GONE]);
    expect(Array.from(reader.readSocketLinks(tree.root, Int32Array.of(95, 95), Float64Array.of(7, 7), Int32Array.of(3, 4)))).toEqual([9501, LINK_GONE]);
  });

  describe('listener watch (wanted inodes only, no full socket table)', () => {
    const watch = (wanted: number[]) => cache.scan(tree.root, { wanted });

    it('re-reads only the fds that held a listener while nothing changes', () => {
      const fds: Record<number, string> = { 3: sock(100) };
      for (let fd = 10; fd < 60; fd++) fds[fd] = sock(1000 + fd);
      tree.write([{ pid: 100, start: 1, comm: 'proxy', fds }]);
      expect(watch([100]).stats.linksRead).toBe(51);
      const again = watch([100]);
      // Only the owner's fd is read again; no other process is even listed.
      expect(again.stats).toMatchObject({ mode: 'owners', linksRead: 1, fdsListed: 0 });
      expect(owners(again, [100])).toEqual({ 100: '100/proxy' });
    });

    it('after a full snapshot, the watch starts from its owners', () => {
      tree.write([{ pid: 101, start: 1, comm: 'srv', fds: { 3: sock(1010), 4: sock(1011), 5: sock(1012) } }]);
      cache.scan(tree.root, { alive: [1010, 1011, 1012] });
      expect(watch([1010]).stats).toMatchObject({ mode: 'owners', linksRead: 1 });
    });

    it('a listener whose owner exits is found with the worker that still holds it', () => {
      const master: Proc = { pid: 102, start: 1, comm: 'master', fds: { 3: sock(1020) } };
      const worker: Proc = { pid: 103, start: 2, comm: 'worker', fds: { 3: sock(1020), 4: sock(1030) } };
      tree.write([master, worker]);
      expect(owners(watch([1020]), [1020])).toEqual({ 1020: '102/master' });
      tree.write([worker]);
      const scan = watch([1020]);
      expect(scan.stats.mode).not.toBe('owners');
      expect(owners(scan, [1020])).toEqual({ 1020: '103/worker' });
    });

    it('an owner that execs keeps its listener under its new name', () => {
      const proc: Proc = { pid: 104, start: 1, comm: 'old-binary', fds: { 3: sock(1040) } };
      tree.write([proc]);
      watch([1040]);
      proc.comm = 'new-binary';
      tree.write([proc]);
      const scan = watch([1040]);
      expect(scan.stats.mode).toBe('owners');
      expect(owners(scan, [1040])).toEqual({ 1040: '104/new-binary' });
    });

    it('a listener handed to another process, its old fd number reused, is found again', () => {
      const a: Proc = { pid: 110, start: 1, comm: 'old', fds: { 3: sock(110), 4: sock(111) } };
      const b: Proc = { pid: 120, start: 1, comm: 'new', fds: { 3: 'pipe:[1]', 4: sock(121) } };
      tree.write([a, b]);
      expect(owners(watch([110]), [110])).toEqual({ 110: '110/old' });
      a.fds[3] = 'pipe:[2]';
      b.fds[3] = sock(110); // received into a number the cache last saw as a pipe
      tree.write([a, b]);
      const scan = watch([110]);
      expect(scan.stats.mode).toBe('full');
      expect(owners(scan, [110])).toEqual({ 110: '120/new' });
    });

    it('a listener no readable process holds does not make every watch read everything', () => {
      tree.write([{ pid: 130, start: 1, comm: 'x', fds: { 3: sock(131), 4: sock(132) } }]);
      expect(watch([999]).stats.linksRead).toBe(2);
      expect(watch([999]).stats.linksRead).toBe(0);
    });
  });

  it('reads every link again once fullEveryMs has passed', () => {
    let now = 0;
    cache = new SocketOwnerCache({ reader, fullEveryMs: 1000, now: () => now });
    tree.write([{ pid: 140, start: 1, comm: 'y', fds: { 3: sock(141), 4: sock(142) } }]);
    expect(cache.scan(tree.root, { alive: [141, 142] }).stats.linksRead).toBe(2);
    now = 500;
    expect(cache.scan(tree.root, { alive: [141, 142] }).stats.linksRead).toBe(0);
    now = 1500;
    const scan = cache.scan(tree.root, { alive: [141, 142] });
    expect(scan.stats).toMatchObject({ mode: 'full', linksRead: 2 });
  });

  it('refuses a scan result once the cache has scanned again', () => {
    tree.write([{ pid: 150, start: 1, comm: 'z', fds: { 3: sock(151) } }]);
    const first = scanAlive([151]);
    scanAlive([151]);
    expect(() => first.ownerOf(151)).toThrow(/scanned again/);
  });
});
