/** Timing and resource helpers for bench/run.mjs. Everything is bounded: no loop without a cap. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const RUSAGE = path.resolve(import.meta.dirname, 'rusage.py');
export const CLK_TCK = 100;

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs fn reps times (after one warm-up when asked); wall and CPU ms of each, medians. */
export async function timeIt(fn, { reps, warmup = true }) {
  if (warmup) await fn();
  const walls = [];
  const cpus = [];
  let last;
  for (let i = 0; i < reps; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    last = await fn();
    walls.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  return { wallMs: median(walls), cpuMs: median(cpus), walls, last };
}

/** A shell command, reps times, through rusage.py: wall and CPU medians (ms), max RSS (KiB). */
export function timeCommand(shell, { reps }) {
  const out = execFileSync('python3', [RUSAGE, String(reps), '--', 'sh', '-c', shell], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const { runs, maxRssKb } = JSON.parse(out);
  return { wallMs: median(runs.map((r) => r.wall * 1000)), cpuMs: median(runs.map((r) => r.cpu * 1000)), maxRssKb };
}

/** CPU ticks (user + system) and resident/peak memory of a live process. */
export function procUsage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Cost of touching fresh memory here: page faults dominate allocation-heavy work on some VMs. */
export function firstTouchMsPer64MiB() {
  const t = performance.now();
  Buffer.alloc(64 * 1024 * 1024, 1);
  return performance.now() - t;
}
