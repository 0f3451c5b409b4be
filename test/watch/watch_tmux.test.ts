/**
 * Drives `netstat-otel watch` in a real terminal (tmux), as a person over SSH would: the frame
 * shows our loopback listener with its pid, refreshes, and `q` ends the program.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');
const SESSION = `netstat-otel-watch-${process.pid}`;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', SESSION);
const alive = () => spawnSync('tmux', ['has-session', '-t', SESSION]).status === 0;

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (check()) return;
  throw new Error(`timed out waiting for ${what}; screen:\n${alive() ? screen() : '(session gone)'}`);
}

(hasTmux ? describe : describe.skip)(`watch in tmux${hasTmux ? '' : ' (skipped: tmux not installed)'}`, () => {
  let server: net.Server;
  let port: number;

  beforeAll(async () => {
    server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
    tmux('new-session', '-d', '-s', SESSION, '-x', '140', '-y', '60', `${process.execPath} ${CLI} watch --interval 500ms`);
  });
  afterAll(() => {
    if (alive()) tmux('kill-session', '-t', SESSION);
    server.close();
  });

  it('shows the listener we opened, with our pid, and refreshes', async () => {
    await until(() => screen().includes(`127.0.0.1:${port}`), 'our listener on screen');
    expect(screen()).toMatch(new RegExp(`tcp +127\\.0\\.0\\.1:${port} +${process.pid}/`));
    // The shipped rules run in the ALERTS pane; a loopback port is not in the allowlist.
    await until(() => screen().includes(`unexpected tcp listener on 127.0.0.1:${port}`), 'the unexpected-listener alert');
    expect(screen()).toMatch(/ALERTS FIRING \(\d+\)\nCRIT unexpected-listener/);
    const first = /(\d\d:\d\d:\d\d) UTC/.exec(screen())![1];
    await until(() => /(\d\d:\d\d:\d\d) UTC/.exec(screen())?.[1] !== first, 'a refresh');
  });

  it('exits on q and restores the terminal', async () => {
    tmux('send-keys', '-t', SESSION, 'q');
    await until(() => !alive(), 'the program to exit');
  });
});

describe('watch without a terminal', () => {
  it('prints one frame and exits 0', () => {
    const result = spawnSync(process.execPath, [CLI, 'watch'], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^netstat-otel watch — /);
    expect(result.stdout).toContain('LISTENERS (');
    expect(result.stdout).not.toContain('\x1b[');
  });
});
