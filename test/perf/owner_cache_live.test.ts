/**
 * The fd-link cache on real processes: a child closes its listener and opens another, which
 * the kernel gives the same fd number; a repeated snapshot (same collector, so the same cache)
 * must name the new listener's owner and forget the old one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnapshotCollector, type SnapshotCollector } from '../../src/snapshot/collect.js';

/** Listens on 127.0.0.1; on "swap" closes that server and listens again, reporting port and fd. */
const CHILD = `
const net = require('node:net');
let server;
function listen() {
  server = net.createServer();
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, fd: server._handle.fd }));
}
process.on('message', (m) => { if (m === 'swap') server.close(() => listen()); else process.exit(0); });
listen();
setTimeout(() => process.exit(0), 60000).unref();
`;

interface Listening {
  port: number;
  fd: number;
}

describe.each([
  ['default readers', {}],
  ['without the addon', { native: null }],
] as const)('attribution cache across fd reuse, live (%s)', (_name, options) => {
  let dir: string;
  let child: ChildProcess;
  let collector: SnapshotCollector;
  const next = () => once(child, 'message').then(([m]) => m as Listening);

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netstat-otel-child-'));
    writeFileSync(path.join(dir, 'child.cjs'), CHILD);
  });
  afterAll(() => {
    child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the new listener on a reused fd, in snapshots and in the listener watch', async () => {
    child = fork(path.join(dir, 'child.cjs'), { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const first = await next();
    collector = createSnapshotCollector(options);
    const ownerIn = async (port: number) => (await collector.snapshot()).listeners.find((l) => l.port === port)?.pid ?? null;
    const watched = async (port: number) => (await collector.listeners()).listeners.find((l) => l.port === port)?.pid ?? null;

    expect(await ownerIn(first.port)).toBe(child.pid);
    expect(await watched(first.port)).toBe(child.pid);

    child.send('swap');
    const second = await next();
    expect(second.fd).toBe(first.fd); // the precondition: the fd number was reused
    expect(second.port).not.toBe(first.port);
    expect(await watched(second.port)).toBe(child.pid);
    expect(await ownerIn(second.port)).toBe(child.pid);
    expect(await ownerIn(first.port)).toBeNull();

    child.send('exit');
    await once(child, 'exit');
    expect(await watched(second.port)).toBeNull();
    const after = await collector.snapshot();
    expect(after.sockets.filter((s) => s.pid === child.pid)).toEqual([]);
  });
});
