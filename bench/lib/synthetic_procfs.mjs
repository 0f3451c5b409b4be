/**
 * Synthetic procfs roots: net/{tcp,tcp6,udp,udp6} with N sockets in the kernel's exact layout
 * (tcp4 rows padded to 149 columns, udp4 to 127), plus the small files a snapshot reads, copied
 * from the recorded fixture. Deterministic (a fixed LCG), written in chunks so 500k sockets do
 * not need the whole text in memory at once.
 */
import { cpSync, mkdtempSync, openSync, rmSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/recorded/loopback-states');

const TCP4_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const TCP6_HEADER = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const UDP4_HEADER = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';
const UDP6_HEADER = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';

const hex = (n, width) => (n >>> 0).toString(16).toUpperCase().padStart(width, '0');
const padLeft = (v, width) => String(v).padStart(width, ' ');
const padRight = (s, width) => s.padEnd(width, ' ');

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
}

/** A proxy's mix: mostly established and TIME_WAIT, some CLOSE_WAIT/FIN_WAIT, a few listeners. */
function pickState(r) {
  const v = r % 1000;
  if (v < 5) return 0x0a;
  if (v < 600) return 0x01;
  if (v < 900) return 0x06;
  if (v < 950) return 0x08;
  if (v < 980) return 0x05;
  return 0x04;
}

function v4Word(rand) {
  // 10.x.y.z in /proc's host-order (little-endian) hex: the first octet in the low byte.
  return ((rand() & 0xffffff00) | 10) >>> 0;
}

function tcpRow(slot, family, rand, inode) {
  const state = pickState(rand());
  const addr = () => (family === 'inet' ? hex(v4Word(rand), 8) : `0000000000000000FFFF0000${hex(v4Word(rand), 8)}`);
  const local = `${family === 'inet' ? '0500000A' : '0000000000000000FFFF00000500000A'}:${hex(state === 0x0a ? 443 : 1024 + (rand() % 60000), 4)}`;
  const remote = state === 0x0a ? `${family === 'inet' ? '00000000' : '0'.repeat(32)}:0000` : `${addr()}:${hex(rand() & 0xffff, 4)}`;
  const head = `${padLeft(slot, 4)}: ${local} ${remote} ${hex(state, 2)} ${hex(state === 0x01 ? rand() % 4096 : 0, 8)}:${hex(0, 8)}`;
  let line;
  if (state === 0x06) line = `${head} 03:00001770 00000000 ${padLeft(0, 5)} ${padLeft(0, 8)} 0 3 0000000000000000`;
  else line = `${head} 00:00000000 00000000 ${padLeft(1000, 5)} ${padLeft(0, 8)} ${inode} 1 0000000000000000 20 4 30 10 -1`;
  return family === 'inet' ? padRight(line, 149) : line;
}

function udpRow(slot, family, rand, inode) {
  const local = `${family === 'inet' ? '0100007F' : '00000000000000000000000001000000'}:${hex(1024 + (rand() % 60000), 4)}`;
  const remote = `${family === 'inet' ? '00000000' : '0'.repeat(32)}:0000`;
  const line = `${padLeft(slot, 5)}: ${local} ${remote} 07 00000000:00000000 00:00000000 00000000 ${padLeft(1000, 5)} ${padLeft(0, 8)} ${inode} 2 0000000000000000 0`;
  return family === 'inet' ? padRight(line, 127) : line;
}

function writeTable(file, header, count, row) {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, `${header}\n`);
    let chunk = [];
    for (let i = 0; i < count; i++) {
      chunk.push(row(i));
      if (chunk.length === 5000) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
    if (chunk.length) writeSync(fd, `${chunk.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a root with `sockets` TCP sockets (half IPv4, half IPv6) and sockets/50 UDP sockets.
 * Returns { root, files, remove() }; files are the socket tables, relative to root.
 */
export function makeSyntheticProcfs(sockets, seed = 42) {
  const root = mkdtempSync(path.join(os.tmpdir(), `netstat-otel-bench-${sockets}-`));
  cpSync(FIXTURE, root, { recursive: true, verbatimSymlinks: true });
  rmSync(path.join(root, '9711'), { recursive: true, force: true });
  mkdirSync(path.join(root, 'net'), { recursive: true });
  const rand = lcg(seed);
  const tcp4 = Math.floor(sockets / 2);
  const udp = Math.max(1, Math.floor(sockets / 50));
  let inode = 100000;
  writeTable(path.join(root, 'net/tcp'), padRight(TCP4_HEADER, 149), tcp4, (i) => tcpRow(i, 'inet', rand, inode++));
  writeTable(path.join(root, 'net/tcp6'), TCP6_HEADER, sockets - tcp4, (i) => tcpRow(i, 'inet6', rand, inode++));
  writeTable(path.join(root, 'net/udp'), padRight(UDP4_HEADER, 127), Math.ceil(udp / 2), (i) => udpRow(i, 'inet', rand, inode++));
  writeTable(path.join(root, 'net/udp6'), UDP6_HEADER, Math.floor(udp / 2), (i) => udpRow(i, 'inet6', rand, inode++));
  return {
    root,
    files: ['net/tcp', 'net/tcp6', 'net/udp', 'net/udp6'],
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
