/**
 * Signals, through the real `node dist/cli.js run`: SIGHUP re-reads the rules and says so in one
 * line; SIGTERM/SIGINT stop within the shutdown budget even when the collector accepts
 * connections and never answers, with the undelivered alert kept in the spool.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_BUDGET_MS } from '../../src/commands/run.js';
import { SPOOL_FILE, parseSpool } from '../../src/export/log_spool.js';
import { receivedAlerts, RULE, stderrAlerts, stderrEvents as events, until, useAlertTestKit } from './alert-fixture.js';

const kit = useAlertTestKit();

describe('run and signals', () => {
  it('reloads the rules on SIGHUP and logs one line each time', async () => {
    const f = await kit.fixture();
    const collector = await kit.receiver();
    const s = kit.sidecar(f.args('1s'), { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    await s.waitForLine(/"event":"sample"/, 20_000);

    s.child.kill('SIGHUP');
    await until('the reload line', () => events(s, 'reload').length === 1, 5_000, s.stderr);
    expect(events(s, 'reload')[0]).toMatchObject({ level: 'INFO', message: `SIGHUP: reloaded rules (1 rule from ${f.rules})` });

    // A second rule, renamed into place as a ConfigMap update would; SIGHUP applies it now.
    const rules = JSON.parse(await readFile(f.rules, 'utf8')) as { rules: Record<string, unknown>[] };
    rules.rules.push({ ...rules.rules[0], name: `${RULE}-copy` });
    await writeFile(`${f.rules}.tmp`, JSON.stringify(rules));
    await rename(`${f.rules}.tmp`, f.rules);
    s.child.kill('SIGHUP');
    await until('the second reload line', () => events(s, 'reload').length === 2, 5_000, s.stderr);
    expect(events(s, 'reload')[1]).toMatchObject({ message: `SIGHUP: reloaded rules (2 rules from ${f.rules})`, reloaded: [`rules (2 rules from ${f.rules})`] });

    // Still running and sampling (Node's default for SIGHUP would have ended the process), and
    // the rule that came with the reload is evaluated.
    const samples = events(s, 'sample').length;
    await until('another sample', () => events(s, 'sample').length > samples, 5_000, s.stderr);
    await f.setPercent(90);
    await until('the new rule firing', () => events(s, 'alert').some((e) => e['alert.name'] === `${RULE}-copy`), 10_000, s.stderr);
    expect(s.exited()).toBe(false);
    s.child.kill('SIGTERM');
    expect(await s.waitForExit(8_000)).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('SIGTERM right after an alert still delivers it, and the last metrics, before exiting', async () => {
    const f = await kit.fixture();
    await f.setPercent(90); // fires at the first evaluation
    const collector = await kit.receiver();
    const s = kit.sidecar(f.args('30s'), { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    await until('the alert line', () => stderrAlerts(s).length === 1, 20_000, s.stderr);
    // The queue waits ~200 ms to gather a burst: the record is most likely still queued now.
    s.child.kill('SIGTERM');
    expect(await s.waitForExit(SHUTDOWN_BUDGET_MS + 3_000), s.stderr()).toEqual({ code: 0, signal: null });
    expect(receivedAlerts(collector)).toEqual(stderrAlerts(s));
    expect(collector.requests.some((r) => r.path === '/v1/metrics')).toBe(true);
    expect(events(s, 'alerts_lost')).toEqual([]);
  }, 60_000);

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s stops within the budget while the collector hangs, keeping the alert in the spool',
    async (signal) => {
      const f = await kit.fixture();
      await f.setPercent(90); // fires at the first evaluation
      const collector = await kit.receiver();
      collector.setMode({ kind: 'hang' }); // accepts, reads, never answers: metrics and logs
      const stateDir = path.join(f.root, 'state');
      const s = kit.sidecar([...f.args('30s'), '--state-dir', stateDir], {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_TIMEOUT: '30000',
      });
      await until('the alert', () => stderrAlerts(s).length === 1, 20_000, s.stderr);
      await until('a log export in flight', () => collector.refused.some((r) => r.path === '/v1/logs'), 10_000, s.stderr);

      const started = Date.now();
      s.child.kill(signal);
      expect(await s.waitForExit(SHUTDOWN_BUDGET_MS + 3_000), s.stderr()).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(SHUTDOWN_BUDGET_MS + 1_000);
      expect(events(s, 'alerts_spooled')[0]).toMatchObject({ records: 1, file: path.join(stateDir, SPOOL_FILE) });
      const kept = parseSpool(await readFile(path.join(stateDir, SPOOL_FILE), 'utf8')).entries;
      expect(kept.map((e) => [e.record.attributes['alert.name'], e.record.attributes['alert.state']])).toEqual([[RULE, 'firing']]);
    },
    60_000,
  );
});
