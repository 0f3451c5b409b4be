/**
 * The rules runtime: a SnapshotConsumer the `run` loop hands each snapshot to. It keeps the
 * bounded history, computes facts, evaluates the rules in effect, runs the alert lifecycle and
 * emits log records and stderr lines. Rules hot-reload (chokidar + a re-read at every full
 * evaluation). Optionally a fast listener watch samples listening sockets every second and
 * evaluates only the listener rules, so a new or unauthorized listener is reported within about
 * a second instead of a full sampling interval.
 */
import type { Logger } from '@opentelemetry/api-logs';
import { AlertTracker } from '../alerts/lifecycle.js';
import { createNotifier, type LogFormat, type Notifier } from '../alerts/notify.js';
import type { AlertInstance } from '../alerts/types.js';
import type { SnapshotConsumer } from '../sidecar/consumer.js';
import type { Listener, Snapshot } from '../snapshot/types.js';
import { evaluateRules, type CompiledRules, type Scope } from './engine.js';
import { commandLineFromEnv, createEvidenceSource } from './evidence/index.js';
import { createProcfsProcessInfo } from './evidence/process_info.js';
import type { ProcessInfo } from './evidence/types.js';
import { createFirewallProbe, type FirewallProbe } from './facts/firewall.js';
import {
  DEFAULT_WINDOW_MS,
  emptyHistory,
  nextListenerExpiry,
  observeListeners,
  pushSnapshot,
  timestampOf,
  type SnapshotHistory,
} from './facts/history.js';
import { computeFacts } from './facts/index.js';
import { RulesStore } from './loader.js';
import { watchRulesPath, type RulesWatcher } from './watch.js';

export const DEFAULT_LISTENER_WATCH_MS = 1_000;
/** Even with nothing changed, the listener rules are evaluated at least this often (a safety net). */
const LISTENER_REEVALUATE_MS = 60_000;
/** Changes arrive as bursts of events (temp file, rename, symlink swap): act once, shortly after. */
const RELOAD_DEBOUNCE_MS = 50;

/** What one listener-scope evaluation saw, and until when the same inputs give the same result. */
interface ListenerInputs {
  /** The listeners, serialized. */
  listeners: string;
  rules: CompiledRules;
  /** Full samples seen at the time. */
  samples: number;
  at: number;
  /** First new listener ageing out, first pending `for` running out, or the safety net. */
  until: number;
}

export interface ListenerWatchOptions {
  intervalMs: number;
  sample: () => Promise<Listener[]>;
}

export interface RulesRuntimeOptions {
  rulesPath: string;
  logger: Logger;
  stderr?: NodeJS.WritableStream;
  logFormat: LogFormat;
  /** History window in ms (CLOSE_WAIT slope, spike baseline, change facts). Default 10 minutes. */
  window?: number;
  listenerWatch?: ListenerWatchOptions;
  /** Firewall ruleset probe; default: nft / iptables-save. null: never probe. */
  firewall?: FirewallProbe | null;
  /** Clock for the listener watch (full evaluations use the snapshot's timestamp). */
  now?: () => number;
  /** Watch the rules path for changes (default true). */
  watch?: boolean;
  /**
   * procfs mount point that evidence reads `<pid>/cmdline` and `<pid>/status` from: the same
   * root the snapshots come from (`--procfs`). Default `/proc`.
   */
  procfs?: string;
  /** passwd file for user names. Default: /etc/passwd, or `<procfs>/1/root/etc/passwd` for another procfs. */
  passwdFile?: string;
  /** Put command lines in evidence. Default: unless NETSTAT_OTEL_EVIDENCE_CMDLINE=0; a rules file can also turn them off. */
  commandLine?: boolean;
  /** Replaces the procfs reader (tests). */
  processInfo?: ProcessInfo;
}

export interface RulesRuntime extends SnapshotConsumer {
  /** Resolves when the rules watcher has finished its initial scan. */
  ready(): Promise<void>;
  /** One tick of the listener watch (what the timer does); for tests and `--once`. */
  evaluateListeners(): Promise<void>;
  /** Re-read the rules now (normally done on change events and at each full evaluation). */
  reload(): void;
  firing(): AlertInstance[];
  pending(): AlertInstance[];
  rules(): CompiledRules;
  /** Listener watch ticks that sampled, and how many of them evaluated the listener rules. */
  watchStats(): { polls: number; evaluations: number };
}

export function createRulesRuntime(options: RulesRuntimeOptions): RulesRuntime {
  const now = options.now ?? Date.now;
  const notifier: Notifier = createNotifier({ logger: options.logger, stderr: options.stderr, logFormat: options.logFormat });
  const said = new Set<string>();
  const sayOnce = (message: string, attributes: Record<string, string> = {}): void => {
    if (said.has(message)) return;
    said.add(message);
    notifier.notice(message, attributes, now());
  };

  const store = new RulesStore([options.rulesPath], {
    onError: (issue, more) =>
      notifier.rulesError(more > 0 ? { ...issue, reason: `${issue.reason} (and ${more} more; run \`rules check\`)` } : issue, now()),
  });
  store.refresh();

  const firewall =
    options.firewall === undefined
      ? createFirewallProbe({ onUnavailable: (reason) => sayOnce(reason, { 'netstat.fact': 'firewall.rulesetChanged' }) })
      : options.firewall;

  let history: SnapshotHistory = emptyHistory(options.window ?? DEFAULT_WINDOW_MS);
  const tracker = new AlertTracker();
  const processes = options.processInfo ?? createProcfsProcessInfo({ procfs: options.procfs, passwdFile: options.passwdFile });
  const commandLine = options.commandLine ?? commandLineFromEnv();

  // Evaluations run one at a time: the listener watch and the loop share history and alert state.
  let chain: Promise<void> = Promise.resolve();
  const serialize = (task: () => Promise<void>): Promise<void> => {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  };

  let dirty = false;
  let reloadTimer: NodeJS.Timeout | null = null;
  const reload = (): void => {
    dirty = false;
    store.refresh();
  };
  const watcher: RulesWatcher | null =
    options.watch === false
      ? null
      : watchRulesPath(options.rulesPath, () => {
          dirty = true;
          if (reloadTimer) clearTimeout(reloadTimer);
          // Re-read soon so an invalid file is reported when saved, not a minute later.
          reloadTimer = setTimeout(() => {
            reloadTimer = null;
            reload();
          }, RELOAD_DEBOUNCE_MS);
          reloadTimer.unref();
        });

  /**
   * What the last listener-scope evaluation saw. The watch polls every second, and listeners
   * rarely change; with the same listeners, rules and full sample, and before a new listener
   * ages out or a pending alert's `for` runs out, another evaluation cannot change any alert,
   * so it is skipped: evaluating every second was half of `run`'s steady CPU at 10k sockets.
   */
  let lastListenerInputs: ListenerInputs | null = null;
  /** Full samples taken so far: a new one can change listener facts (local port range). */
  let samples = 0;
  const watchStats = { polls: 0, evaluations: 0 };

  const unchangedSince = (last: ListenerInputs | null, listeners: string, at: number): boolean =>
    last !== null &&
    at >= last.at &&
    at < last.until &&
    last.listeners === listeners &&
    last.rules === store.compiled &&
    last.samples === samples;

  async function evaluate(scope: Scope, at: number): Promise<void> {
    const compiled = store.compiled;
    const facts = computeFacts(history, { allowlist: compiled.allowlist }, compiled.facts[scope]);
    const evidence = createEvidenceSource({
      history,
      processes,
      commandLine: commandLine && compiled.evidence.commandLine,
      wanted: (key, forMs) => tracker.firingAt(key, forMs, at),
      onError: (family, err) => sayOnce(`evidence ${family} failed: ${err.message}`, { 'netstat.evidence': family }),
    });
    const { instances, errors } = await evaluateRules(compiled, facts, scope, evidence);
    for (const e of errors) sayOnce(`rule evaluation failed (${e.rule}): ${e.message}`, { 'alert.name': e.rule });
    const inScope = scope === 'all' ? undefined : (rule: string) => compiled.listenerRules.has(rule);
    for (const t of tracker.update(instances, at, inScope)) notifier.alert(t);
  }

  async function onSnapshot(snapshot: Snapshot): Promise<void> {
    try {
      await serialize(async () => {
        // Every full evaluation re-reads the rules: cheap, and it catches what a watcher missed.
        reload();
        const compiled = store.compiled;
        const probe = firewall && compiled.facts.all.has('firewall.rulesetChanged') ? await firewall() : undefined;
        history = pushSnapshot(history, snapshot, { firewall: probe });
        samples += 1;
        await evaluate('all', timestampOf(snapshot));
      });
    } catch (err) {
      // The loop must keep sampling and exporting metrics even if rule evaluation breaks.
      sayOnce(`rules evaluation failed: ${(err as Error).message}`);
    }
  }

  let ticking = false;
  async function evaluateListeners(): Promise<void> {
    if (!options.listenerWatch || ticking) return;
    ticking = true;
    try {
      let listeners: Listener[];
      try {
        listeners = await options.listenerWatch.sample();
      } catch (err) {
        sayOnce(`listener watch: sampling failed: ${(err as Error).message}`);
        return;
      }
      const at = now();
      await serialize(async () => {
        if (dirty) reload();
        history = observeListeners(history, listeners, at);
        watchStats.polls += 1;
        if (store.compiled.listenerRules.size === 0) return;
        const seen = JSON.stringify(listeners);
        if (unchangedSince(lastListenerInputs, seen, at)) return;
        lastListenerInputs = null; // set again only once this evaluation has succeeded
        const rules = store.compiled;
        const seenSamples = samples;
        await evaluate('listeners', at);
        watchStats.evaluations += 1;
        const inScope = (rule: string) => rules.listenerRules.has(rule);
        const until = Math.min(nextListenerExpiry(history), tracker.nextPendingDeadline(inScope), at + LISTENER_REEVALUATE_MS);
        lastListenerInputs = { listeners: seen, rules, samples: seenSamples, at, until };
      });
    } finally {
      ticking = false;
    }
  }

  let timer: NodeJS.Timeout | null = null;
  if (options.listenerWatch) {
    const interval = Math.max(options.listenerWatch.intervalMs || DEFAULT_LISTENER_WATCH_MS, 100);
    // The first sample is the startup baseline: take it now, not one interval later.
    void evaluateListeners();
    timer = setInterval(() => void evaluateListeners(), interval);
    timer.unref();
  }

  return {
    name: 'rules',
    onSnapshot,
    evaluateListeners,
    reload,
    ready: async () => {
      await watcher?.ready;
    },
    firing: () => tracker.firing(),
    pending: () => tracker.pending(),
    rules: () => store.compiled,
    watchStats: () => ({ ...watchStats }),
    async close() {
      if (timer) clearInterval(timer);
      if (reloadTimer) clearTimeout(reloadTimer);
      await watcher?.close();
      await chain;
    },
  };
}
