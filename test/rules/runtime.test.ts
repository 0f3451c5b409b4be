import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRulesRuntime, type RulesRuntime, type RulesRuntimeOptions } from '../../src/rules/runtime.js';
import type { Listener } from '../../src/snapshot/types.js';
import { lineSink, listener, memoryLogger, MIN, ruleJson, snap, T0, waitFor } from './helpers.js';

const SHIPPED = path.resolve(import.meta.dirname, '../../rules');

let dir: string;
let runtime: RulesRuntime | null = null;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-runtime-'));
});
afterEach(async () => {
  await runtime?.close();
  runtime = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A runtime whose listener watch ticks only when the test calls evaluateListeners(), on the test's clock. */
function handDriven(sample: () => Promise<Listener[]>, now: () => number, extra: Partial<RulesRuntimeOptions> = {}) {
  const log = memoryLogger();
  const rt = createRulesRuntime({
    rulesPath: dir,
    logger: log.logger,
    stderr: lineSink().stream,
    logFormat: 'text',
    firewall: null,
    watch: false,
    now,
    listenerWatch: { intervalMs: 60_000, sample },
    ...extra,
  });
  runtime = rt;
  return { rt, log };
}

function shipped(...names: string[]): void {
  for (const n of names) copyFileSync(path.join(SHIPPED, n), path.join(dir, n));
}

describe('rules runtime', () => {
  it('evaluates the shipped rules on each snapshot and emits firing once, then resolved', async () => {
    shipped('conntrack.json');
    const log = memoryLogger();
    const err = lineSink();
    runtime = createRulesRuntime({ rulesPath: dir, logger: log.logger, stderr: err.stream, logFormat: 'json', firewall: null, watch: false });
    const ct = (m: number, count: number) => snap(m, { conntrack: { count, max: 1000 } });
    for (const [m, count] of [[0, 990], [1, 990], [2, 990], [3, 100]] as const) await runtime.onSnapshot(ct(m, count));
    const records = log.exporter.getFinishedLogRecords();
    expect(records.map((r) => [r.severityText, r.attributes['alert.name'], r.attributes['alert.state'], r.body])).toEqual([
      ['ERROR', 'conntrack-table-critical', 'firing', 'conntrack table at 99% of nf_conntrack_max (990 of 1000 entries): new connections will be dropped'],
      ['INFO', 'conntrack-table-critical', 'resolved', 'conntrack table at 99% of nf_conntrack_max (990 of 1000 entries): new connections will be dropped'],
    ]);
    expect(records[0]?.attributes).toMatchObject({
      'netstat.fact.conntrack.usagePercent': 99,
      'netstat.evidence.conntrack.count': 990,
      'netstat.evidence.conntrack.max': 1000,
    });
    expect(err.lines().map((l) => JSON.parse(l)['alert.state'])).toEqual(['firing', 'resolved']);
  });

  it('probes the firewall only when a rule needs it', async () => {
    writeFileSync(path.join(dir, 'ct.json'), ruleJson('ct'));
    const probe = vi.fn(async () => ({ tool: 'nft', hash: 'a'.repeat(64) }));
    const log = memoryLogger();
    runtime = createRulesRuntime({ rulesPath: dir, logger: log.logger, stderr: lineSink().stream, logFormat: 'text', firewall: probe, watch: false });
    await runtime.onSnapshot(snap(0));
    expect(probe).not.toHaveBeenCalled();

    shipped('firewall.json');
    const hashes = ['a', 'a', 'b', 'b'];
    probe.mockImplementation(async () => ({ tool: 'nft', hash: (hashes.shift() ?? 'b').repeat(64) }));
    for (let m = 1; m <= 4; m++) await runtime.onSnapshot(snap(m));
    expect(probe).toHaveBeenCalledTimes(4);
    expect(runtime.firing().map((a) => [a.key, a.message])).toEqual([['firewall-ruleset-changed', 'firewall ruleset changed (nft aaaaaaaaaaaa -> bbbbbbbbbbbb)']]);
  });

  it('the listener watch evaluates only listener rules, within one tick', async () => {
    shipped('listeners.json', 'allowlist.json');
    writeFileSync(path.join(dir, 'ct.json'), ruleJson('ct'));
    let current: Listener[] = [listener(22)];
    const sample = vi.fn(async () => current);
    let clock = T0 + 10 * MIN;
    const { rt, log } = handDriven(sample, () => clock);
    // The first sample (taken at start) is the baseline.
    await waitFor(() => sample.mock.calls.length >= 1);
    await rt.onSnapshot(snap(10, { conntrack: { count: 90, max: 100 }, listeners: [listener(22)] }));
    expect(rt.firing().map((a) => a.key)).toEqual(['ct']);

    current = [listener(22), listener(4444, { pid: 31337, process: 'backdoor' })];
    clock += 1000;
    await rt.evaluateListeners();
    expect(rt.firing().map((a) => a.key)).toEqual(['ct', 'new-listener|tcp/0.0.0.0/4444', 'unexpected-listener|tcp/0.0.0.0/4444']);
    const fired = log.exporter.getFinishedLogRecords().find((r) => r.attributes['alert.name'] === 'unexpected-listener');
    expect(fired?.attributes).toMatchObject({ 'network.local.port': 4444, 'process.pid': 31337, 'process.executable.name': 'backdoor', 'alert.severity': 'critical' });
    expect(fired?.severityNumber).toBe(17);

    current = [listener(22)];
    clock += 1000;
    await rt.evaluateListeners();
    // ct was not evaluated by the watch, so it stays firing.
    expect(rt.firing().map((a) => a.key)).toEqual(['ct']);
    expect(log.exporter.getFinishedLogRecords().filter((r) => r.attributes['alert.state'] === 'resolved').map((r) => r.attributes['alert.name']).sort()).toEqual([
      'new-listener',
      'unexpected-listener',
    ]);
  });

  it('runs the watch on its own timer and says once when sampling fails', async () => {
    shipped('listeners.json');
    let fail = true;
    let current: Listener[] = [];
    const sample = async () => {
      if (fail) throw new Error('EACCES /proc/net/tcp');
      return current;
    };
    const { log } = handDriven(sample, Date.now, { listenerWatch: { intervalMs: 100, sample } }); // on its own timer
    await waitFor(() => log.exporter.getFinishedLogRecords().length > 0);
    await new Promise((r) => setTimeout(r, 350));
    expect(log.exporter.getFinishedLogRecords().map((r) => r.body)).toEqual(['listener watch: sampling failed: EACCES /proc/net/tcp']);
    fail = false;
    await new Promise((r) => setTimeout(r, 250)); // baseline: no listeners
    current = [listener(5555)];
    const key = await waitFor(() => runtime?.firing().find((a) => a.key === 'new-listener|tcp/0.0.0.0/5555')?.key, 2000);
    expect(key).toBe('new-listener|tcp/0.0.0.0/5555');
  });

  describe('the listener watch skips evaluations whose inputs did not change', () => {
    function watched(files: Record<string, string>) {
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      let current: Listener[] = [listener(22)];
      let clock = T0 + 10 * MIN;
      const { rt, log } = handDriven(async () => current, () => clock, { window: 5 * MIN });
      return {
        rt,
        log,
        set: (l: Listener[]) => {
          current = l;
        },
        tick: async (ms = 1000) => {
          clock += ms;
          await rt.evaluateListeners();
        },
      };
    }
    const listenerRule = (name: string, extra: object = {}) =>
      JSON.stringify({
        rules: [{ name, severity: 'warning', description: 't', each: 'listeners.new', conditions: { all: [{ fact: 'item', path: '$.port', operator: 'greaterThan', value: 0 }] }, message: `${name} {{item.port}}`, ...extra }],
      });

    it('same listeners every second: one evaluation, and none of the ticks after it', async () => {
      const w = watched({ 'l.json': listenerRule('new-l') });
      await waitFor(() => w.rt.watchStats().polls >= 1);
      for (let i = 0; i < 10; i++) await w.tick();
      expect(w.rt.watchStats()).toEqual({ polls: 11, evaluations: 1 });
      // Any change is evaluated at once: a new listener, then another process on the same port.
      w.set([listener(22), listener(8080)]);
      await w.tick();
      expect(w.rt.firing().map((a) => a.key)).toEqual(['new-l|tcp/0.0.0.0/8080']);
      w.set([listener(22), listener(8080, { pid: 4242, process: 'other' })]);
      await w.tick();
      expect(w.rt.watchStats()).toEqual({ polls: 13, evaluations: 3 });
      expect(w.rt.firing()[0]?.attributes['process.pid']).toBe(4242);
      // A full sample can change listener facts (the port range): the next tick evaluates again.
      await w.rt.onSnapshot(snap(10, { listeners: [listener(22), listener(8080, { pid: 4242, process: 'other' })] }));
      await w.tick();
      await w.tick();
      expect(w.rt.watchStats().evaluations).toBe(4);
    });

    it('a pending `for` still fires on time while nothing changes', async () => {
      const w = watched({ 'l.json': listenerRule('slow-l', { for: '5s' }) });
      await waitFor(() => w.rt.watchStats().polls >= 1);
      w.set([listener(22), listener(9090)]);
      await w.tick();
      expect(w.rt.pending().map((a) => a.key)).toEqual(['slow-l|tcp/0.0.0.0/9090']);
      for (let i = 0; i < 4; i++) await w.tick();
      expect(w.rt.firing()).toEqual([]);
      await w.tick();
      expect(w.rt.firing().map((a) => a.key)).toEqual(['slow-l|tcp/0.0.0.0/9090']);
      expect(w.log.exporter.getFinishedLogRecords().map((r) => r.attributes['alert.state'])).toEqual(['firing']);
    });

    it('a new listener still ages out after the window while nothing changes', async () => {
      const w = watched({ 'l.json': listenerRule('new-l') });
      await waitFor(() => w.rt.watchStats().polls >= 1);
      w.set([listener(22), listener(7070)]);
      await w.tick();
      expect(w.rt.firing().map((a) => a.key)).toEqual(['new-l|tcp/0.0.0.0/7070']);
      await w.tick(5 * MIN - 2000);
      expect(w.rt.firing().map((a) => a.key)).toEqual(['new-l|tcp/0.0.0.0/7070']);
      await w.tick(2000);
      expect(w.rt.firing()).toEqual([]);
      expect(w.log.exporter.getFinishedLogRecords().map((r) => r.attributes['alert.state'])).toEqual(['firing', 'resolved']);
    });

    it('a rules change is evaluated at the next tick', async () => {
      const w = watched({ 'l.json': listenerRule('new-l') });
      await waitFor(() => w.rt.watchStats().polls >= 1);
      w.set([listener(22), listener(6060)]);
      await w.tick();
      writeFileSync(path.join(dir, 'l.json'), listenerRule('renamed-l'));
      w.rt.reload();
      await w.tick();
      expect(w.rt.firing().map((a) => a.key)).toContain('renamed-l|tcp/0.0.0.0/6060');
      expect(w.rt.watchStats().evaluations).toBe(3);
    });
  });
});
