import { fileURLToPath } from 'node:url';
import type { ConsumerFactory } from '../commands/run.js';
import { packageVersion } from '../export/resource.js';
import { createRulesRuntime } from '../rules/runtime.js';
import { collectListeners } from '../snapshot/collect.js';
import type { Listener, SampleError } from '../snapshot/types.js';

/** The rules shipped in the package (`rules/` beside `src/` and `dist/`). */
export function shippedRulesPath(): string {
  return fileURLToPath(new URL('../../rules', import.meta.url));
}

const LISTENER_WATCH_MS = 1_000;

/**
 * The fast listener watch's sampler. A socket table we could not read must not look like "every
 * listener closed" (that would resolve every listener alert), so that case throws instead.
 */
export function listenerSampler(
  read: () => Promise<{ listeners: Listener[]; errors: SampleError[] }>,
): () => Promise<Listener[]> {
  return async () => {
    const { listeners, errors } = await read();
    const unreadable = errors.filter((e) => e.line === null && (e.source === 'tcp' || e.source === 'udp'));
    if (listeners.length === 0 && unreadable.length > 0) {
      throw new Error(`cannot read listening sockets: ${unreadable.map((e) => e.message).join('; ')}`);
    }
    return listeners;
  };
}

/**
 * Evaluates the rules on every snapshot, watches listeners every second, and hot-reloads the rules
 * path. `reload()` (SIGHUP) re-reads the rules at once and says how many are in effect.
 */
export const rulesConsumer: ConsumerFactory = ({ options, telemetry, sampler }) => {
  const rulesPath = options.rules ?? shippedRulesPath();
  // The platform's cheap listener read; none on Windows and macOS, where listeners come with each snapshot.
  const readListeners = sampler === null ? () => collectListeners(options) : sampler.listeners;
  const runtime = createRulesRuntime({
    rulesPath,
    logger: telemetry.loggerProvider.getLogger('netstat-otel.alerts', packageVersion()),
    logFormat: options.logFormat,
    watch: !options.once,
    listenerWatch:
      options.once || readListeners === null ? undefined : { intervalMs: LISTENER_WATCH_MS, sample: listenerSampler(readListeners) },
    // undefined keeps the runtime's nft/iptables probe (Linux); Windows reads its firewall fingerprint from the snapshot.
    firewall: sampler?.firewall,
  });
  return {
    ...runtime,
    reload: () => {
      runtime.reload();
      const n = runtime.rules().rules.length;
      return `${n} rule${n === 1 ? '' : 's'} from ${rulesPath}`;
    },
  };
};
