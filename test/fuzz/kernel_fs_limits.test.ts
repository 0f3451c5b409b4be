/**
 * KernelFs size limits (src/procfs/kernel_fs.ts): a read refuses a file over the bound for its
 * kind with a ReadError (code EFBIG) that says which limit, both for ordinary files (refused from
 * their stated size, without reading) and for procfs files (which state size 0 and are counted
 * while read). Lives with the hardening tests; it is not a property test.
 */
import { cpSync, mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadError } from '../../src/errors.js';
import { DEFAULT_KERNEL_FS_LIMITS, KernelFs, limitFor } from '../../src/procfs/kernel_fs.js';
import { ALL_STATES } from '../../src/netlink/states.js';
import { ProcfsSocketReader } from '../../src/samplers/sockets.js';
import { collectSnapshot } from '../../src/snapshot/collect.js';
import { fixturePath } from '../corpus.js';

const MIB = 1024 * 1024;
let root: string;

/** A sparse file: its stated size is `bytes` but it occupies no disk. */
function sparse(file: string, bytes: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function write(relative: string, text: string): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

async function readError(fs: KernelFs, relative: string, options?: { maxBytes?: number }): Promise<ReadError> {
  const err: unknown = await fs.read(relative, options).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ReadError);
  return err as ReadError;
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'netstat-otel-kfs-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('KernelFs limits: defaults by kind of file', () => {
  it('defaults are 256 MiB for tables and 1 MiB for everything else', () => {
    expect(DEFAULT_KERNEL_FS_LIMITS).toEqual({ tableBytes: 256 * MIB, smallFileBytes: 1 * MIB });
    expect(new KernelFs('/proc').limits).toEqual(DEFAULT_KERNEL_FS_LIMITS);
  });

  it('socket, route, unix and dev tables (and their per-process views) get the table limit', () => {
    for (const rel of ['net/tcp', 'net/tcp6', 'net/udp', 'net/udp6', 'net/unix', 'net/route', 'net/ipv6_route', 'net/dev', '1234/net/tcp6', 'self/net/udp', '/net/raw6']) {
      expect(limitFor(rel), rel).toBe(256 * MIB);
    }
  });

  it('counter, sysctl and sysfs files get the small-file limit', () => {
    for (const rel of ['net/snmp', 'net/snmp6', 'self/net/snmp6', 'net/netstat', 'net/sockstat', 'sys/net/netfilter/nf_conntrack_count', 'sys/net/ipv4/ip_local_port_range', 'class/net/eth0/mtu', 'net/tcpx', 'net/devices']) {
      expect(limitFor(rel), rel).toBe(1 * MIB);
    }
  });

  it('a 256 MiB + 1 byte socket table is refused from its size, with a ReadError naming the limit', async () => {
    sparse(path.join(root, 'big/net/tcp6'), 256 * MIB + 1);
    const started = performance.now();
    const err = await readError(new KernelFs(path.join(root, 'big')), 'net/tcp6');
    expect(err.code).toBe('EFBIG');
    expect(err.isNotFound).toBe(false);
    expect(err.file).toBe(path.join(root, 'big/net/tcp6'));
    expect(err.message).toContain('256 MiB limit');
    expect(err.message).toContain(String(256 * MIB + 1));
    // Refused from stat, not after reading 256 MiB.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('a single-value file of exactly 1 MiB is read; 1 MiB + 1 byte is refused', async () => {
    write('one/sys/net/netfilter/nf_conntrack_max', '7'.repeat(MIB));
    write('one/sys/net/netfilter/nf_conntrack_count', '7'.repeat(MIB + 1));
    const fs = new KernelFs(path.join(root, 'one'));
    expect(await fs.read('sys/net/netfilter/nf_conntrack_max')).toHaveLength(MIB);
    const err = await readError(fs, 'sys/net/netfilter/nf_conntrack_count');
    expect([err.code, err.message.includes('1 MiB limit')]).toEqual(['EFBIG', true]);
  });
});

describe('KernelFs limits: parameters', () => {
  it('the constructor takes either limit; the other keeps its default', async () => {
    write('custom/net/tcp', 'x'.repeat(100));
    write('custom/net/snmp', 'y'.repeat(10));
    const fs = new KernelFs(path.join(root, 'custom'), { tableBytes: 100, smallFileBytes: 9 });
    expect(await fs.read('net/tcp')).toBe('x'.repeat(100));
    expect((await readError(fs, 'net/snmp')).message).toContain('over the 9 bytes limit');
    expect(new KernelFs(root, { tableBytes: 5 }).limits).toEqual({ tableBytes: 5, smallFileBytes: MIB });
    expect((await readError(new KernelFs(path.join(root, 'custom'), { tableBytes: 99 }), 'net/tcp')).code).toBe('EFBIG');
  });

  it('a per-read maxBytes overrides the kind', async () => {
    const fs = new KernelFs(path.join(root, 'custom'));
    expect(await fs.read('net/snmp', { maxBytes: 10 })).toBe('y'.repeat(10));
    expect((await readError(fs, 'net/snmp', { maxBytes: 9 })).code).toBe('EFBIG');
  });

  it('rejects limits that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new KernelFs(root, { smallFileBytes: bad }), String(bad)).toThrow(RangeError);
    }
  });

  it('a missing file is still ENOENT (no data, not a fault), and text survives chunk boundaries', async () => {
    expect((await readError(new KernelFs(root), 'net/nope')).isNotFound).toBe(true);
    // Multi-byte characters straddling the 16 KiB first chunk and the doubling ones after it.
    const text = 'é€😀\n'.repeat(50_000);
    write('utf8/net/unix', text);
    expect(await new KernelFs(path.join(root, 'utf8')).read('net/unix')).toBe(text);
  });
});

describe('KernelFs.openLimited (for streaming readers)', () => {
  it('refuses an oversized ordinary file at open, and hands out the limit and stated size otherwise', async () => {
    const fs = new KernelFs(path.join(root, 'custom'), { tableBytes: 100, smallFileBytes: 9 });
    const err: unknown = await fs.openLimited('net/snmp').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    expect((err as ReadError).code).toBe('EFBIG');
    const opened = await fs.openLimited('net/tcp');
    try {
      expect([opened.maxBytes, opened.statedSize, opened.file]).toEqual([100, 100, path.join(root, 'custom/net/tcp')]);
      expect(opened.tooBig('more than 100 bytes')).toMatchObject({ code: 'EFBIG', file: opened.file });
    } finally {
      await opened.handle.close();
    }
    expect((await fs.openLimited('net/none').then(() => null, (e: unknown) => e as ReadError))?.isNotFound).toBe(true);
  });
});

describe('KernelFs limits on procfs itself (files that state size 0)', () => {
  const haveProc = existsSync('/proc/net/dev') && existsSync('/proc/self/net/snmp');
  const when = haveProc ? it : it.skip;

  when('a real /proc/net/dev reads as readFile does, and is refused while read when over a tiny limit', async () => {
    const fs = new KernelFs('/proc');
    const text = await fs.read('net/dev');
    expect(text.split('\n')[0]).toContain('Inter-|');
    const err = await readError(new KernelFs('/proc', { tableBytes: 64 }), 'net/dev');
    expect(err.code).toBe('EFBIG');
    expect(err.message).toContain('more than 64 bytes');
    // procfs states size 0, so the limit can only be enforced while reading.
    const opened = await fs.openLimited('net/dev');
    await opened.handle.close();
    expect([opened.statedSize, opened.maxBytes]).toEqual([0, 256 * MIB]);
    // The whole /proc/self/net/snmp (a few KB) arrives through the growing-chunk path.
    expect(await fs.read('self/net/snmp')).toBe(readFileSync('/proc/self/net/snmp', 'utf8'));
  });

  when('the streaming socket-table reader obeys the same limit, counted while read', async () => {
    const small = new KernelFs('/proc', { tableBytes: 64 });
    const { errors } = await new ProcfsSocketReader(small).read('tcp', ALL_STATES);
    expect(errors?.[0]).toMatchObject({ source: 'tcp', file: '/proc/net/tcp', message: expect.stringContaining('more than 64 bytes, over the 64 bytes limit') });
    const { sockets, errors: none } = await new ProcfsSocketReader(new KernelFs('/proc')).read('tcp', ALL_STATES);
    expect([none, Array.isArray(sockets)]).toEqual([[], true]);
  });
});

describe('KernelFs limits in a snapshot', () => {
  it('an oversized socket table becomes one error naming the limit; everything else is still read', async () => {
    const proc = path.join(root, 'replay');
    cpSync(fixturePath('recorded/loopback-states'), proc, { recursive: true });
    sparse(path.join(proc, 'net/tcp6'), 256 * MIB + 1);
    // A short sampler time limit: the refusal must come from the file's stated size, at once;
    // reading 256 MiB to find out would run into it (and fail this test with a timeout error).
    const snapshot = await collectSnapshot({ procfs: proc, sysfs: path.join(proc, 'sysfs'), attribution: false, timeoutMs: 5_000 });
    const tooBig = snapshot.errors.filter((e) => e.message.includes('limit'));
    expect(tooBig).toHaveLength(1);
    expect(tooBig[0]).toMatchObject({ source: 'tcp', file: path.join(proc, 'net/tcp6') });
    expect(snapshot.sockets.some((s) => s.transport === 'tcp' && s.family === 'inet')).toBe(true);
    expect(snapshot.interfaces.length).toBeGreaterThan(0);
  });
});
