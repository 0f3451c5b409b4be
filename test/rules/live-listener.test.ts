/**
 * Live: a real TCP listener on 127.0.0.1 (port 0), the real collectListeners() as the listener
 * watch's sampler at its default 1-second interval, and the shipped listener rules. The new
 * listener must be reported within about 2 s, and resolved within about 2 s of closing; its
 * firing records name this very process: pid, command line from /proc, user from /etc/passwd.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LISTENER_WATCH_MS, createRulesRuntime, type RulesRuntime } from '../../src/rules/runtime.js';
import { collectListeners } from '../../src/snapshot/collect.js';
import { lineSink, memoryLogger, waitFor } from './helpers.js';

const SHIPPED = path.resolve(import.meta.dirname, '../../rules');
const onLinux = process.platform === 'linux';

let runtime: RulesRuntime | null = null;
let server: net.Server | null = null;
let dir: string | null = null;
afterEach(async () => {
  await runtime?.close();
  if (server?.listening) await new Promise((r) => server?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
  runtime = null;
  server = null;
  dir = null;
});

describe.runIf(onLinux)('listener watch, live', () => {
  it('reports a new loopback listener within ~2 s and resolves it after close', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-live-'));
    for (const f of ['listeners.json', 'allowlist.json']) copyFileSync(path.join(SHIPPED, f), path.join(dir, f));
    const log = memoryLogger();
    const samples: number[] = [];
    runtime = createRulesRuntime({
      rulesPath: dir,
      logger: log.logger,
      stderr: lineSink().stream,
      logFormat: 'text',
      firewall: null,
      listenerWatch: {
        intervalMs: DEFAULT_LISTENER_WATCH_MS,
        sample: async () => {
          const { listeners } = await collectListeners({});
          samples.push(Date.now());
          return listeners;
        },
      },
    });
    await runtime.ready();
    await waitFor(() => samples.length >= 1, 5000); // baseline taken

    const srv = net.createServer();
    server = srv;
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    const key = `tcp/127.0.0.1/${port}`;
    const opened = Date.now();

    const fired = await waitFor(() => runtime?.firing().find((a) => a.key === `new-listener|${key}`), 2500, 25);
    const detectMs = Date.now() - opened;
    expect(detectMs).toBeLessThan(2500);
    expect(fired.attributes).toMatchObject({ 'network.transport': 'tcp', 'network.local.address': '127.0.0.1', 'network.local.port': port });
    // Our own socket: attribution reads /proc/self/fd, which needs no privilege.
    expect(fired.attributes['process.pid']).toBe(process.pid);
    // Not on the shipped allowlist either.
    expect(runtime.firing().some((a) => a.key === `unexpected-listener|${key}`)).toBe(true);

    await new Promise((r) => srv.close(r));
    const closed = Date.now();
    await waitFor(() => !runtime?.firing().some((a) => a.key.endsWith(`|${key}`)), 2500, 25);
    expect(Date.now() - closed).toBeLessThan(2500);

    // Evidence on the exported records: who opened the port, as `ss -ltnp` plus `ps` would say.
    const uid = process.getuid?.() ?? null;
    const owner = ((): string | null => {
      try {
        return userInfo().username; // getpwuid(), the libc view of the same passwd entry
      } catch {
        return null; // no passwd entry for this uid: the attribute is then absent
      }
    })();
    for (const name of ['new-listener', 'unexpected-listener']) {
      const record = log.exporter
        .getFinishedLogRecords()
        .find((r) => r.attributes['alert.name'] === name && r.attributes['alert.state'] === 'firing' && r.attributes['network.local.port'] === port);
      expect(record, name).toBeDefined();
      const a = record!.attributes;
      expect(a['process.pid']).toBe(process.pid);
      expect(String(a['process.command_line'])).toMatch(/node|vitest/);
      expect(String(a['process.command_line']).length).toBeLessThanOrEqual(256);
      expect(a['process.user.id']).toBe(uid);
      expect(a['user.id']).toBe(String(uid));
      expect(a['process.owner']).toBe(owner ?? undefined);
      expect(record!.body).toContain(`127.0.0.1:${port} by ${process.pid}/`);
      expect(record!.body).toContain(String(a['process.command_line']));
    }

    const ours = log.exporter
      .getFinishedLogRecords()
      .filter((r) => r.attributes['network.local.port'] === port)
      .map((r) => `${r.attributes['alert.name']} ${r.attributes['alert.state']} ${r.severityText}`)
      .sort();
    expect(ours).toEqual([
      'new-listener firing WARN',
      'new-listener resolved INFO',
      'unexpected-listener firing ERROR',
      'unexpected-listener resolved INFO',
    ]);
  });
});
