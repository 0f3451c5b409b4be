/**
 * Socket holders: Python processes keeping N loopback TCP connections (see socket_holder.py).
 * One process holds as many as its fd limit allows; more sockets take more processes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import path from 'node:path';

const HOLDER = path.resolve(import.meta.dirname, 'socket_holder.py');

function startOne(connections, maxSeconds) {
  const child = spawn('python3', [HOLDER, '--connections', String(connections), '--max-seconds', String(maxSeconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve({ child, ...JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`socket holder exited (${code}) before it was ready`)));
  });
  return ready;
}

/** Holders for `sockets` sockets (2 per connection) in processes of at most `perProcess` fds. */
export async function holdSockets(sockets, { perProcess, maxSeconds }) {
  const budget = Math.max(2, perProcess - 100);
  let left = Math.ceil(sockets / 2);
  const holders = [];
  try {
    while (left > 0) {
      const n = Math.min(left, Math.floor(budget / 2));
      holders.push(await startOne(n, maxSeconds));
      left -= n;
    }
  } catch (err) {
    await release(holders);
    throw err;
  }
  return {
    holders,
    pids: holders.map((h) => h.pid),
    sockets: holders.reduce((n, h) => n + h.sockets, 0),
    connections: holders.reduce((n, h) => n + h.connections, 0),
    release: () => release(holders),
  };
}

async function release(holders) {
  await Promise.all(holders.map(async ({ child }) => {
    if (child.exitCode !== null) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await once(child, 'exit');
    clearTimeout(timer);
  }));
}
