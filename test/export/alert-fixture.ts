/**
 * Alerts on demand for process-level tests: a recorded procfs root whose conntrack count the test
 * rewrites, and a rules file with one rule (no `for`) that fires above 80 % and resolves below.
 * Nothing on the host (other tests' sockets) can raise or resolve it.
 */
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll } from 'vitest';
import { receivedLogRecords, startReceiver, type OtlpReceiver } from '../support/otlp_receiver.js';
import { ensureBuilt, ROOT, startSidecar, type Sidecar } from '../support/sidecar_process.js';

export const RULE = 'conntrack-test';

export interface AlertFixture {
  root: string;
  rules: string;
  /** Sets nf_conntrack_count to this percentage of nf_conntrack_max. */
  setPercent(percent: number): Promise<void>;
  /** The `run` arguments that read this root and these rules. */
  args(interval: string): string[];
  remove(): Promise<void>;
}

export async function alertFixture(): Promise<AlertFixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'netstat-otel-alerts-'));
  await cp(path.join(ROOT, 'fixtures/recorded/loopback-states'), root, { recursive: true, verbatimSymlinks: true });
  const countFile = path.join(root, 'sys/net/netfilter/nf_conntrack_count');
  const max = Number(await readFile(path.join(root, 'sys/net/netfilter/nf_conntrack_max'), 'utf8'));
  const rules = path.join(root, 'test-rules.json');
  await writeFile(
    rules,
    JSON.stringify({
      rules: [
        {
          name: RULE,
          severity: 'warning',
          description: 'conntrack over 80% (test)',
          conditions: { all: [{ fact: 'conntrack.usagePercent', operator: 'greaterThan', value: 80 }] },
          message: 'conntrack at {{conntrack.usagePercent}}%',
        },
      ],
    }),
  );
  const setPercent = async (percent: number) => {
    // Renamed over: a sample must never see the file empty halfway through a write.
    await writeFile(`${countFile}.tmp`, `${Math.round((max * percent) / 100)}\n`);
    await rename(`${countFile}.tmp`, countFile);
  };
  await setPercent(10);
  return {
    root,
    rules,
    setPercent,
    args: (interval) => ['--procfs', root, '--rules', rules, '--no-attribution', '--interval', interval, '--log-format', 'json'],
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

export interface AlertEvent {
  state: string;
  message: string;
}

/** The test rule's alert lines on the sidecar's stderr (`--log-format json`), in order. */
export function stderrAlerts(sidecar: Sidecar): AlertEvent[] {
  const out: AlertEvent[] = [];
  for (const line of sidecar.stderr().split('\n')) {
    if (!line.startsWith('{')) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (parsed['event'] === 'alert' && parsed['alert.name'] === RULE) out.push({ state: String(parsed['alert.state']), message: String(parsed['message']) });
  }
  return out;
}

/** The test rule's records the receiver accepted, in arrival order. */
export function receivedAlerts(receiver: Pick<OtlpReceiver, 'requests'>): AlertEvent[] {
  return receivedLogRecords(receiver)
    .filter((r) => r.attributes['alert.name'] === RULE)
    .map((r) => ({ state: String(r.attributes['alert.state']), message: r.body }));
}

export async function until(what: string, check: () => boolean, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (check()) return;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
}

/** Fires and resolves the rule once per percentage (each > 80), waiting for each stderr line. */
export async function cycle(fixture: AlertFixture, sidecar: Sidecar, percents: readonly number[]): Promise<void> {
  for (const percent of percents) {
    for (const [value, state] of [[percent, 'firing'], [10, 'resolved']] as const) {
      const before = stderrAlerts(sidecar).length;
      await fixture.setPercent(value);
      await until(`alert ${state} at ${value}%`, () => stderrAlerts(sidecar).length > before, 15_000, sidecar.stderr);
      const last = stderrAlerts(sidecar).at(-1)!;
      if (last.state !== state) throw new Error(`expected ${state}, got ${JSON.stringify(last)}`);
    }
  }
}

/** What a process-level alert test starts; everything is released after each test, newest first. */
export interface AlertTestKit {
  fixture(): Promise<AlertFixture>;
  /** A loopback OTLP receiver (port 0: any free port). */
  receiver(port?: number): Promise<OtlpReceiver>;
  /** `node dist/cli.js run ARGS` exporting OTLP/JSON (so the receiver can read the log records). */
  sidecar(args: string[], env: Record<string, string>): Sidecar;
}

/** Registers the hooks (build once, clean up after each test) in the calling test file. */
export function useAlertTestKit(): AlertTestKit {
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(() => ensureBuilt(), 150_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    async fixture() {
      const f = await alertFixture();
      cleanups.push(() => f.remove());
      return f;
    },
    async receiver(port = 0) {
      const r = await startReceiver(port);
      cleanups.push(() => r.close());
      return r;
    },
    sidecar(args, env) {
      const s = startSidecar(args, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', ...env });
      cleanups.push(() => s.kill());
      return s;
    },
  };
}

/** SIGTERM; expects exit 0 within 8 s and resolves with how long it took. */
export async function stopSidecar(s: Sidecar): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  s.child.kill('SIGTERM');
  const exit = await s.waitForExit(8_000);
  return { ...exit, ms: Date.now() - started };
}

/** The sidecar's `--log-format json` stderr lines whose `event` is `name`. */
export function stderrEvents(s: Sidecar, name: string): Record<string, unknown>[] {
  return s
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((e) => e['event'] === name);
}
