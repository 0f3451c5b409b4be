/**
 * Preloaded (`node --require bounded.cjs ...`) into processes the benchmark starts, so none can
 * outlive it: SIGTERM itself after BENCH_MAX_SECONDS, and as soon as its parent is gone.
 */
const maxSeconds = Number(process.env.BENCH_MAX_SECONDS || 900);
const parent = process.ppid;
const stop = () => process.kill(process.pid, 'SIGTERM');
setTimeout(stop, maxSeconds * 1000).unref();
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 2000).unref();
