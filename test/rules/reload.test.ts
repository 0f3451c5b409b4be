/**
 * Hot reload through the real chokidar watcher, in a temp directory. Each step waits for the
 * watcher-driven reload (runtime.rules()) before evaluating, so it proves the watcher saw the
 * change; the evaluation then shows the new rules in effect.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRulesRuntime, type RulesRuntime } from '../../src/rules/runtime.js';
import { lineSink, memoryLogger, ruleJson, snap, states, waitFor } from './helpers.js';

let dir: string;
let runtime: RulesRuntime | null = null;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-reload-'));
});
afterEach(async () => {
  await runtime?.close();
  runtime = null;
  rmSync(dir, { recursive: true, force: true });
});

const loaded = (r: RulesRuntime) => r.rules().rules.map((x) => `${x.name}>${JSON.stringify(x.conditions).match(/"value":(\d+)/)?.[1]}`).sort();
const hot = (minute: number) => snap(minute, { conntrack: { count: 90, max: 100 }, tcp: states({ time_wait: 10 }) });

function start(rulesPath: string) {
  const log = memoryLogger();
  const err = lineSink();
  runtime = createRulesRuntime({ rulesPath, logger: log.logger, stderr: err.stream, logFormat: 'text', firewall: null });
  const records = () => log.exporter.getFinishedLogRecords().map((r) => `${r.severityText} ${String(r.attributes['alert.name'] ?? r.attributes['rules.file'])} ${String(r.attributes['alert.state'] ?? r.attributes['rules.line'])}`);
  return { runtime, records, err };
}

describe('hot reload', () => {
  it('applies add, change, atomic rename and delete without restart', async () => {
    writeFileSync(path.join(dir, 'ct.json'), ruleJson('ct', 50));
    const { runtime: rt, records } = start(dir);
    await rt.ready();
    await rt.onSnapshot(hot(0));
    expect(rt.firing().map((a) => a.key)).toEqual(['ct']);

    // add
    writeFileSync(path.join(dir, 'tw.json'), ruleJson('tw', 5, 'tcp.timeWait', '$.count'));
    await waitFor(() => loaded(rt).includes('tw>5'));
    await rt.onSnapshot(hot(1));
    expect(rt.firing().map((a) => a.key)).toEqual(['ct', 'tw']);

    // change in place: threshold above the value -> resolves
    writeFileSync(path.join(dir, 'ct.json'), ruleJson('ct', 95));
    await waitFor(() => loaded(rt).includes('ct>95'));
    await rt.onSnapshot(hot(2));
    expect(rt.firing().map((a) => a.key)).toEqual(['tw']);

    // atomic save: write a temp file, rename it over the original
    writeFileSync(path.join(dir, '.ct.json.tmp'), ruleJson('ct', 60));
    renameSync(path.join(dir, '.ct.json.tmp'), path.join(dir, 'ct.json'));
    await waitFor(() => loaded(rt).includes('ct>60'));
    await rt.onSnapshot(hot(3));
    expect(rt.firing().map((a) => a.key)).toEqual(['ct', 'tw']);

    // delete
    unlinkSync(path.join(dir, 'tw.json'));
    await waitFor(() => !loaded(rt).some((x) => x.startsWith('tw')));
    await rt.onSnapshot(hot(4));
    expect(rt.firing().map((a) => a.key)).toEqual(['ct']);

    expect(records()).toEqual([
      'WARN ct firing',
      'WARN tw firing',
      'INFO ct resolved',
      'WARN ct firing',
      'INFO tw resolved',
    ]);
  });

  it('keeps the last good rules firing when a file turns invalid, with one error record and one line', async () => {
    const file = path.join(dir, 'ct.json');
    writeFileSync(file, ruleJson('ct', 50));
    const { runtime: rt, records, err } = start(dir);
    await rt.ready();
    await rt.onSnapshot(hot(0));
    writeFileSync(file, '{\n  "rules": [\n    { "name": "ct",\n  ]\n}\n');
    await waitFor(() => records().some((r) => r.startsWith('ERROR')));
    for (let m = 1; m <= 3; m++) await rt.onSnapshot(hot(m));
    expect(rt.firing().map((a) => a.key)).toEqual(['ct']);
    expect(records()).toEqual(['WARN ct firing', `ERROR ${file} 4`]);
    const errorLines = err.lines().filter((l) => l.includes(' ERROR rules '));
    expect(errorLines).toEqual([expect.stringContaining(`${file}:4: invalid JSON`)]);
  });

  it('follows a Kubernetes ConfigMap ..data symlink swap', async () => {
    // The kubelet's layout: ..<timestamp>/ holds the files, ..data -> ..<timestamp>, and each
    // visible file is a symlink through ..data.
    const v1 = '..2026_11_25_10_00_00.000000001';
    mkdirSync(path.join(dir, v1));
    writeFileSync(path.join(dir, v1, 'ct.json'), ruleJson('ct', 50));
    symlinkSync(v1, path.join(dir, '..data'));
    symlinkSync('..data/ct.json', path.join(dir, 'ct.json'));
    const { runtime: rt } = start(dir);
    await rt.ready();
    expect(loaded(rt)).toEqual(['ct>50']);

    // An update: new timestamped dir, ..data_tmp -> it, renamed over ..data, new key linked, old dir removed.
    const v2 = '..2026_11_25_10_05_00.000000002';
    mkdirSync(path.join(dir, v2));
    writeFileSync(path.join(dir, v2, 'ct.json'), ruleJson('ct', 70));
    writeFileSync(path.join(dir, v2, 'extra.json'), ruleJson('extra', 1));
    symlinkSync(v2, path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    symlinkSync('..data/extra.json', path.join(dir, 'extra.json'));
    rmSync(path.join(dir, v1), { recursive: true });

    await waitFor(() => loaded(rt).join() === 'ct>70,extra>1');
    await rt.onSnapshot(hot(0));
    expect(rt.firing().map((a) => a.key)).toEqual(['ct', 'extra']);
  });

  it('watches a single file path, including an atomic rename over it', async () => {
    const file = path.join(dir, 'ct.json');
    writeFileSync(file, ruleJson('ct', 50));
    writeFileSync(path.join(dir, 'other.json'), ruleJson('other', 1));
    const { runtime: rt } = start(file);
    await rt.ready();
    expect(loaded(rt)).toEqual(['ct>50']);
    writeFileSync(path.join(dir, 'ct.json.new'), ruleJson('ct', 80));
    renameSync(path.join(dir, 'ct.json.new'), file);
    await waitFor(() => loaded(rt).join() === 'ct>80');
  });
});

describe('a rules path that does not exist yet', () => {
  it('reports it once and loads the rules when they appear', async () => {
    const missing = path.join(dir, 'later');
    const { runtime: rt, records } = start(missing);
    await rt.ready();
    await rt.onSnapshot(hot(0));
    await rt.onSnapshot(hot(1));
    expect(records()).toEqual([`ERROR ${missing} undefined`]);
    mkdirSync(missing);
    writeFileSync(path.join(missing, 'ct.json'), ruleJson('ct', 50));
    await rt.onSnapshot(hot(2));
    expect(rt.firing().map((a) => a.key)).toEqual(['ct']);
  });
});
