/**
 * Alert log records carry the evidence: the attributes a person would look up next, as the OTLP
 * exporter receives them (InMemoryLogRecordExporter behind a real SDK LoggerProvider).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EVIDENCE } from '../../src/rules/evidence/index.js';
import { createRulesRuntime, type RulesRuntime, type RulesRuntimeOptions } from '../../src/rules/runtime.js';
import type { Listener, SocketRecord } from '../../src/snapshot/types.js';
import { lineSink, listener, memoryLogger, snap, socket, states, waitFor } from '../rules/helpers.js';

const SHIPPED = path.resolve(import.meta.dirname, '../../rules');

let dir: string;
let runtime: RulesRuntime | null = null;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-evidence-records-'));
  mkdirSync(path.join(dir, 'rules'));
});
afterEach(async () => {
  await runtime?.close();
  runtime = null;
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function shipped(...names: string[]): void {
  for (const n of names) copyFileSync(path.join(SHIPPED, n), path.join(dir, 'rules', n));
}

function start(extra: Partial<RulesRuntimeOptions> = {}) {
  const log = memoryLogger();
  runtime = createRulesRuntime({ rulesPath: path.join(dir, 'rules'), logger: log.logger, stderr: lineSink().stream, logFormat: 'text', firewall: null, watch: false, ...extra });
  return log;
}

/** `n` CLOSE_WAIT sockets: four in five held by java, the rest by nginx, every tenth unattributed. */
function closeWait(n: number): SocketRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const owner = i % 10 === 9 ? { pid: null, process: null } : i % 5 === 4 ? { pid: 88, process: 'nginx' } : { pid: 1234, process: 'java' };
    return socket({ state: 'close_wait', localPort: 8080, remotePort: 30000 + i, remoteAddress: '10.0.0.20', ...owner });
  });
}

describe('firing records carry evidence', () => {
  it('CLOSE_WAIT growth names the processes holding the sockets, with counts, ports and peers', async () => {
    shipped('tcp.json');
    const log = start();
    const compute = vi.spyOn(EVIDENCE.find((f) => f.name === 'closeWait')!, 'compute');
    const callsAt: number[] = [];
    for (let m = 0; m <= 13; m++) {
      const n = 10 + 5 * m;
      await runtime!.onSnapshot(snap(m, { sockets: closeWait(n), tcp: states({ close_wait: n }) }));
      callsAt.push(compute.mock.calls.length);
    }
    // Pending from 2m to 11m: nothing computed; computed at 12m (fires) and 13m (stays firing).
    expect(callsAt.slice(0, 12).every((c) => c === 0)).toBe(true);
    expect(callsAt.slice(12)).toEqual([1, 2]);

    const records = log.exporter.getFinishedLogRecords().filter((r) => r.attributes['alert.name'] === 'close-wait-growing');
    expect(records).toHaveLength(1);
    const [fired] = records;
    // 70 sockets at 12m: of each ten, one unattributed (7 in all), one nginx's (7), eight java's (56).
    expect(fired?.body).toBe('CLOSE_WAIT growing at 5/min for 10m: 70 held by 1234/java (56), 88/nginx (7), unknown (7)');
    expect(fired?.severityText).toBe('WARN');
    expect(fired?.attributes).toMatchObject({
      'alert.state': 'firing',
      'netstat.evidence.close_wait.count': 70,
      'netstat.evidence.close_wait.top_processes': ['1234/java=56', '88/nginx=7', 'unknown=7'],
      'netstat.evidence.close_wait.top_local_ports': ['8080=70'],
    });
    expect(fired?.attributes['netstat.evidence.close_wait.top_remote_endpoints']).toHaveLength(5);
  });

  it('costs nothing in the steady state: no evidence is computed while no alert fires', async () => {
    shipped('conntrack.json', 'tcp.json', 'udp.json', 'listeners.json', 'allowlist.json', 'interfaces.json', 'routes.json');
    const spies = EVIDENCE.map((f) => vi.spyOn(f, 'compute'));
    start();
    for (let m = 0; m <= 15; m++) {
      await runtime!.onSnapshot(
        snap(m, {
          sockets: closeWait(3),
          tcp: states({ close_wait: 3, established: 20 }),
          conntrack: { count: 100, max: 1000 },
          listeners: [listener(22)],
          localPortRange: [32768, 60999],
        }),
      );
    }
    expect(runtime!.firing()).toEqual([]);
    expect(spies.map((s) => s.mock.calls.length)).toEqual(EVIDENCE.map(() => 0));
  });

  describe('listener alerts name the process: pid, name, command line, user', () => {
    let current: Listener[] = [];
    const sample = vi.fn(async () => current);

    /** A procfs root with one process, 4242 `nc`, run by alice (uid 1000). */
    function fakeProcfs(): { procfs: string; passwdFile: string } {
      const procfs = path.join(dir, 'proc');
      mkdirSync(path.join(procfs, '4242'), { recursive: true });
      writeFileSync(path.join(procfs, '4242', 'comm'), 'nc\n');
      writeFileSync(path.join(procfs, '4242', 'cmdline'), 'nc\0-lk\0-p\x004444\0');
      writeFileSync(path.join(procfs, '4242', 'status'), 'Name:\tnc\nUid:\t1000\t1000\t1000\t1000\n');
      const passwdFile = path.join(dir, 'passwd');
      writeFileSync(passwdFile, 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
      return { procfs, passwdFile };
    }

    /** One listener-watch tick that samples `current` (the timer's first tick may still be running). */
    async function tick(): Promise<void> {
      const before = sample.mock.calls.length;
      await waitFor(async () => {
        await runtime!.evaluateListeners();
        return sample.mock.calls.length > before;
      });
    }

    async function fireListener(extra: Partial<RulesRuntimeOptions> = {}) {
      shipped('listeners.json', 'allowlist.json');
      current = [listener(22)];
      sample.mockClear();
      const log = start({ ...fakeProcfs(), ...extra, listenerWatch: { intervalMs: 60_000, sample } });
      await waitFor(() => sample.mock.calls.length >= 1); // the baseline
      current = [listener(22), listener(4444, { pid: 4242, process: 'nc', uid: 1000, address: '0.0.0.0' })];
      await tick();
      const find = (name: string) => log.exporter.getFinishedLogRecords().find((r) => r.attributes['alert.name'] === name && r.attributes['alert.state'] === 'firing');
      return { log, unexpected: find('unexpected-listener'), fresh: find('new-listener') };
    }

    it('reads them under the configured procfs root and passwd file', async () => {
      const { unexpected, fresh } = await fireListener();
      expect(unexpected?.body).toBe('unexpected tcp listener on 0.0.0.0:4444 by 4242/nc as alice (uid 1000): nc -lk -p 4444');
      expect(unexpected?.severityText).toBe('ERROR');
      expect(unexpected?.attributes).toMatchObject({
        'network.transport': 'tcp',
        'network.local.address': '0.0.0.0',
        'network.local.port': 4444,
        'process.pid': 4242,
        'process.executable.name': 'nc',
        'process.command_line': 'nc -lk -p 4444',
        'process.owner': 'alice',
        'process.user.id': 1000,
        'user.id': '1000',
      });
      expect(fresh?.attributes).toMatchObject({ 'process.command_line': 'nc -lk -p 4444', 'process.owner': 'alice' });
    });

    it('leaves command lines out when the runtime is told so (NETSTAT_OTEL_EVIDENCE_CMDLINE=0)', async () => {
      const { unexpected } = await fireListener({ commandLine: false });
      expect(unexpected?.attributes['process.command_line']).toBeUndefined();
      expect(unexpected?.attributes['process.owner']).toBe('alice');
      expect(unexpected?.body).toBe('unexpected tcp listener on 0.0.0.0:4444 by 4242/nc as alice (uid 1000)');
    });

    it('leaves command lines out when a rules file says "evidence": { "commandLine": false }', async () => {
      writeFileSync(path.join(dir, 'rules', 'privacy.json'), JSON.stringify({ evidence: { commandLine: false } }));
      const { unexpected } = await fireListener();
      expect(unexpected?.attributes['process.command_line']).toBeUndefined();
      expect(unexpected?.body).not.toContain('nc -lk');
    });

    it('keeps the evidence on the resolved record, which repeats the last message', async () => {
      const { log } = await fireListener();
      current = [listener(22)];
      await tick();
      const resolved = log.exporter.getFinishedLogRecords().find((r) => r.attributes['alert.name'] === 'unexpected-listener' && r.attributes['alert.state'] === 'resolved');
      expect(resolved?.body).toBe('unexpected tcp listener on 0.0.0.0:4444 by 4242/nc as alice (uid 1000): nc -lk -p 4444');
      expect(resolved?.attributes['process.command_line']).toBe('nc -lk -p 4444');
    });
  });
});
