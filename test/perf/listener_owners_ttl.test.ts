/**
 * The listener watch polls every second; it re-attributes an unchanged set of listening sockets
 * only every LISTENER_OWNERS_TTL_MS, and a changed set at once. Built as a procfs tree
 * (net/tcp rows, <pid>/fd symlinks) so a socket can be handed from one process to another
 * between two polls.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSnapshotCollector, LISTENER_OWNERS_TTL_MS } from '../../src/snapshot/collect.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
/** A LISTEN row (state 0A) on 0.0.0.0:port. */
const listenRow = (sl: number, port: number, inode: number) =>
  `${String(sl).padStart(4)}: 00000000:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

let root: string;

function writeTree(rows: string[], holders: Record<number, number[]>): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(path.join(root, 'net'), { recursive: true });
  writeFileSync(path.join(root, 'net/tcp'), HEADER + rows.join(''));
  for (const f of ['tcp6', 'udp', 'udp6']) writeFileSync(path.join(root, 'net', f), HEADER);
  for (const [pid, inodes] of Object.entries(holders)) {
    mkdirSync(path.join(root, pid, 'fd'), { recursive: true });
    const rest = Array.from({ length: 18 }, (_, i) => String(i + 4)).join(' ');
    writeFileSync(path.join(root, pid, 'stat'), `${pid} (proc${pid}) S ${rest} 1000 0 0\n`);
    inodes.forEach((inode, i) => symlinkSync(`socket:[${inode}]`, path.join(root, pid, 'fd', String(3 + i))));
  }
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'netstat-otel-listener-ttl-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('listener watch attribution', () => {
  it('keeps the owners of unchanged listeners for the TTL, and attributes a changed set at once', async () => {
    let clock = 1_000_000;
    const collector = createSnapshotCollector({ procfs: root, socketSource: 'procfs', native: null, now: () => clock });
    const owners = async () => (await collector.listeners()).listeners.map((l) => `${l.port}:${l.pid}/${l.process}`);

    writeTree([listenRow(0, 8080, 111)], { 100: [111] });
    expect(await owners()).toEqual(['8080:100/proc100']);

    // The socket changes hands (the parent exits, its child keeps the listener).
    writeTree([listenRow(0, 8080, 111)], { 200: [111] });
    clock += 1_000;
    expect(await owners()).toEqual(['8080:100/proc100']);
    clock += LISTENER_OWNERS_TTL_MS - 1_001;
    expect(await owners()).toEqual(['8080:100/proc100']);
    clock += 1;
    expect(await owners()).toEqual(['8080:200/proc200']);

    // A new listener is attributed at the next poll, and so is every other one with it.
    writeTree([listenRow(0, 8080, 111), listenRow(1, 9090, 222)], { 300: [111], 400: [222] });
    clock += 1_000;
    expect(await owners()).toEqual(['8080:300/proc300', '9090:400/proc400']);

    // The clock going back does not extend what is trusted.
    writeTree([listenRow(0, 8080, 111), listenRow(1, 9090, 222)], { 500: [111, 222] });
    clock -= 5_000;
    expect(await owners()).toEqual(['8080:500/proc500', '9090:500/proc500']);
  });
});
