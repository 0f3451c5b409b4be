/**
 * A bounded sampling loop in its own process, so the benchmark can read its CPU and RSS from
 * /proc/<pid>. Prints one JSON line when done.
 * usage: node loop.mjs WHAT INTERVAL_MS SECONDS [collector|shared|cold] [ATTRIBUTION]
 *   WHAT: snapshot | listeners
 */
const [what, intervalText, secondsText, style = 'collector', attribution = 'all'] = process.argv.slice(2);
const intervalMs = Number(intervalText);
const until = performance.now() + Number(secondsText) * 1000;
const collect = await import('../../dist/snapshot/collect.js');
const options = { attribution };
const collector = collect.createSnapshotCollector(options);
// collector: createSnapshotCollector (its own cache); shared: collectSnapshot/collectListeners as
// `run` calls them (the per-process cache for /proc); cold: a fresh cache per call, as `ss -p`.
const plain = style === 'cold' ? { ...options, ownerCache: null } : options;
const sample =
  style === 'collector'
    ? (what === 'listeners' ? () => collector.listeners() : () => collector.snapshot())
    : (what === 'listeners' ? () => collect.collectListeners(plain) : () => collect.collectSnapshot(plain));

const durations = [];
let next = performance.now();
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
while (performance.now() < until && durations.length < 100_000) {
  const t = performance.now();
  await sample();
  durations.push(performance.now() - t);
  next += intervalMs;
  const wait = next - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, until - performance.now() + 1)));
}
durations.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ samples: durations.length, medianMs: durations[Math.floor(durations.length / 2)], maxMs: durations.at(-1) }) + '\n');
