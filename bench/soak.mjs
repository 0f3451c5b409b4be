#!/usr/bin/env node
/**
 * Crash-free soak of `netstat-otel run` (`npm run soak`, `npm run soak -- --minutes 3`).
 *
 * Starts the built sidecar at a short interval against a loopback OTLP receiver written here,
 * with the shipped rules, process attribution on and a temporary --state-dir. Meanwhile it churns
 * loopback sockets in this process: batches of TCP connections opened, held a few seconds and
 * closed; listeners appearing and disappearing (each one raises and resolves alerts); UDP sockets
 * bound and closed. Every few minutes the receiver answers 503 to log exports for a while, so the
 * alert queue retries and spools. Every few seconds the sidecar's RSS and CPU are read from
 * /proc/<pid>/status and /proc/<pid>/stat.
 *
 * At the end: a table, RSS growth after warm-up, CPU %, and whether every alert the sidecar
 * printed reached the receiver. Exit 0 when it did not crash, its RSS growth stayed under the
 * limit and no alert was lost; 1 otherwise.
 *
 * Loopback only (127.0.0.1). Every loop is bounded in count and in time, and the script ends by
 * itself; the sidecar is SIGTERMed (SIGKILLed if it hangs) on every exit path.
 *
 * Every minute it also sends the sidecar SIGHUP (rules reload), which must not disturb anything.
 *
 * Options: --minutes N (default 5), --interval DURATION (sidecar, default 1s),
 *          --sample-seconds N (default 5), --max-open N (connections held at once, default 1500),
 *          --max-rss-growth-mib N (default 32), --out FILE (the Markdown report, default
 *          bench/SOAK.md; `--out -` writes none).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const number = (name, fallback, min, max) => {
  const v = Number(option(name, fallback));
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${name}: expected a number in [${min}, ${max}]`);
  return v;
};

const MINUTES = number('--minutes', 5, 0.25, 24 * 60);
const INTERVAL = option('--interval', '1s');
const SAMPLE_MS = number('--sample-seconds', 5, 1, 600) * 1000;
const MAX_OPEN = number('--max-open', 1500, 10, 8000);
const MAX_RSS_GROWTH_MIB = number('--max-rss-growth-mib', 32, 1, 4096);
const OUT_OPTION = option('--out', path.join(ROOT, 'bench', 'SOAK.md'));
const OUT = OUT_OPTION === '-' ? null : path.resolve(OUT_OPTION);
const DURATION_MS = MINUTES * 60_000;
/** Caps independent of time, so no loop can run away even with a broken clock. */
const MAX_CONNECTIONS_TOTAL = 5_000_000;
const MAX_LISTENERS_TOTAL = 200_000;
const CLK_TCK = 100; // USER_HZ on every Linux ABI node runs on
const PAGE_NOTE = 'VmRSS from /proc/<pid>/status';

if (!existsSync(CLI)) throw new Error('dist/cli.js missing: run `npm run build` (npm run soak does)');
if (process.platform !== 'linux') throw new Error('the soak reads /proc/<pid>/stat: Linux only');

const started = Date.now();
const deadline = started + DURATION_MS;
const say = (text) => process.stderr.write(`[soak ${((Date.now() - started) / 1000).toFixed(0)}s] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the loopback collector ------------------------------------------------------------------

const received = { metrics: 0, logRequests: 0, logsRefused: 0, alertRecords: 0, otherRecords: 0 };
let logsOutage = false;
const collector = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= 16 * 1024 * 1024) chunks.push(c);
  });
  req.on('end', () => {
    if (req.url === '/v1/logs' && logsOutage) {
      received.logsRefused += 1;
      res.writeHead(503, { 'retry-after': '2' }).end('soak: collector outage');
      return;
    }
    if (req.url === '/v1/metrics') received.metrics += 1;
    if (req.url === '/v1/logs') {
      received.logRequests += 1;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rl of body.resourceLogs ?? [])
          for (const sl of rl.scopeLogs ?? [])
            for (const r of sl.logRecords ?? []) {
              if (r.eventName === 'netstat.alert') received.alertRecords += 1;
              else received.otherRecords += 1;
            }
      } catch {
        /* counted as a request only */
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((resolve) => collector.listen(0, '127.0.0.1', resolve));
const collectorUrl = `http://127.0.0.1:${collector.address().port}`;

// --- the sidecar ------------------------------------------------------------------------------

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'netstat-otel-soak-'));
const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
for (const k of Object.keys(env)) if (k.startsWith('OTEL_') && !['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL'].includes(k)) delete env[k];
const child = spawn(process.execPath, [CLI, 'run', '--interval', INTERVAL, '--log-format', 'json', '--state-dir', stateDir], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 'ignore', 'pipe'],
});
const pid = child.pid;
let exit = null;
const exited = new Promise((resolve) =>
  child.on('exit', (code, signal) => {
    exit = { code, signal, at: Date.now() };
    resolve(exit);
  }),
);
const stderrStats = { lines: 0, samples: 0, alerts: 0, reloads: 0, errors: 0, warnings: 0, other: 0 };
const tail = [];
createInterface({ input: child.stderr }).on('line', (line) => {
  stderrStats.lines += 1;
  tail.push(line);
  if (tail.length > 40) tail.shift();
  let e;
  try {
    e = JSON.parse(line);
  } catch {
    stderrStats.other += 1;
    return;
  }
  if (e.event === 'sample') stderrStats.samples += 1;
  else if (e.event === 'alert') stderrStats.alerts += 1;
  else if (e.event === 'reload') stderrStats.reloads += 1;
  else if (e.level === 'ERROR') stderrStats.errors += 1;
  else if (e.level === 'WARN') stderrStats.warnings += 1;
});

async function stopSidecar() {
  if (exit !== null) return exit;
  child.kill('SIGTERM');
  const outcome = await Promise.race([exited, sleep(10_000).then(() => null)]);
  if (outcome === null) {
    child.kill('SIGKILL');
    await exited;
    return { ...exit, hung: true };
  }
  return outcome;
}
process.on('SIGINT', () => {
  child.kill('SIGKILL');
  process.exit(130);
});
// Whatever way this script ends (an exception included), the sidecar does not outlive it.
process.on('exit', () => {
  if (exit === null) child.kill('SIGKILL');
});

// --- /proc sampling ---------------------------------------------------------------------------

function readUsage() {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  let fds = Number.NaN;
  try {
    fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    /* another user's process without privileges: leave it out */
  }
  return { at: Date.now(), ticks, rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM'), threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]), fds };
}

const samples = [];
let previous = null;
function sample(note) {
  if (exit !== null) return;
  let u;
  try {
    u = readUsage();
  } catch {
    return; // exited between the check and the read
  }
  const cpu = previous === null ? null : ((u.ticks - previous.ticks) / CLK_TCK / ((u.at - previous.at) / 1000)) * 100;
  previous = u;
  samples.push({
    t: (u.at - started) / 1000,
    rssMiB: u.rssKiB / 1024,
    hwmMiB: u.hwmKiB / 1024,
    cpu,
    threads: u.threads,
    fds: u.fds,
    open: openConnections(),
    listeners: listeners.length,
    alerts: stderrStats.alerts,
    delivered: received.alertRecords,
    note,
  });
}

// --- socket churn (all loopback) --------------------------------------------------------------

const sink = net.createServer((s) => {
  s.on('error', () => undefined);
  s.resume();
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkPort = sink.address().port;
const held = new Set();
let connectionsOpened = 0;
let connectionErrors = 0;
const openConnections = () => held.size;

function openOne(holdMs) {
  const c = net.connect(sinkPort, '127.0.0.1');
  connectionsOpened += 1;
  held.add(c);
  c.on('error', () => {
    connectionErrors += 1;
  });
  c.on('close', () => held.delete(c));
  const timer = setTimeout(() => c.destroy(), holdMs);
  timer.unref();
}

async function churnConnections() {
  while (Date.now() < deadline && connectionsOpened < MAX_CONNECTIONS_TOTAL && exit === null) {
    const room = MAX_OPEN - held.size;
    const batch = Math.max(0, Math.min(250, room));
    for (let i = 0; i < batch; i++) openOne(500 + Math.floor(Math.random() * 4_500));
    await sleep(200);
  }
}

const listeners = [];
let listenersOpened = 0;
async function churnListeners() {
  while (Date.now() < deadline && listenersOpened < MAX_LISTENERS_TOTAL && exit === null) {
    const server = net.createServer((s) => s.destroy());
    await new Promise((resolve) => {
      server.once('error', resolve);
      server.listen(0, '127.0.0.1', resolve);
    });
    listenersOpened += 1;
    listeners.push(server);
    // Keep 5-25 listeners: a new one every ~1.5 s, the oldest closed beyond 25 or at random.
    if (listeners.length > 25 || (listeners.length > 5 && Math.random() < 0.4)) listeners.shift().close();
    await sleep(1_500);
  }
}

let udpBound = 0;
async function churnUdp() {
  const sockets = [];
  while (Date.now() < deadline && udpBound < MAX_CONNECTIONS_TOTAL && exit === null) {
    for (let i = 0; i < 20; i++) {
      const s = dgram.createSocket('udp4');
      s.on('error', () => undefined);
      s.bind(0, '127.0.0.1');
      sockets.push(s);
      udpBound += 1;
    }
    while (sockets.length > 200) sockets.shift().close();
    await sleep(1_000);
  }
  for (const s of sockets) s.close();
}

/** 20 s of 503s for log exports every 90 s: the queue must retry, spool and deliver in the end. */
async function outages() {
  let n = 0;
  while (Date.now() < deadline - 30_000 && n < 10_000 && exit === null) {
    await sleep(Math.min(70_000, Math.max(0, deadline - 30_000 - Date.now())));
    if (Date.now() >= deadline - 30_000 || exit !== null) break;
    logsOutage = true;
    n += 1;
    say(`collector outage ${n}: 503 on /v1/logs for 20 s`);
    await sleep(20_000);
    logsOutage = false;
  }
  logsOutage = false;
}

/** SIGHUP once a minute: the rules are re-read while sockets churn and alerts flow. */
let reloadsSent = 0;
async function reloads() {
  while (Date.now() < deadline - 10_000 && reloadsSent < 10_000 && exit === null) {
    await sleep(Math.min(60_000, Math.max(0, deadline - 10_000 - Date.now())));
    if (Date.now() >= deadline - 10_000 || exit !== null) break;
    child.kill('SIGHUP');
    reloadsSent += 1;
  }
}

// --- run ----------------------------------------------------------------------------------------

say(`sidecar pid ${pid}, interval ${INTERVAL}, collector ${collectorUrl}, ${MINUTES} min, up to ${MAX_OPEN} connections held`);
const sampler = setInterval(() => sample(logsOutage ? 'outage' : ''), SAMPLE_MS);
sample('start');
await Promise.all([churnConnections(), churnListeners(), churnUdp(), outages(), reloads()]);
clearInterval(sampler);
sample('churn over');

// Quiet down, then give the queue time to deliver what the last outage left.
for (const c of held) c.destroy();
for (const l of listeners.splice(0)) l.close();
logsOutage = false;
for (let i = 0; i < 300 && exit === null && received.alertRecords < stderrStats.alerts; i++) await sleep(100);
await sleep(2_000); // alerts for the listeners just closed
for (let i = 0; i < 300 && exit === null && received.alertRecords < stderrStats.alerts; i++) await sleep(100);
sample('end');

const crashed = exit !== null ? exit : null;
const stopped = await stopSidecar();
sink.close();
collector.closeAllConnections();
collector.close();
rmSync(stateDir, { recursive: true, force: true });

// --- report ------------------------------------------------------------------------------------

const warm = samples.filter((s) => s.t >= Math.min(60, (DURATION_MS / 1000) * 0.2));
const first = warm.slice(0, 3);
const last = warm.slice(-3);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const rssStart = mean(first.map((s) => s.rssMiB));
const rssEnd = mean(last.map((s) => s.rssMiB));
const growth = rssEnd - rssStart;
const slope = (() => {
  // Least squares, MiB per hour, over the post-warm-up samples.
  const n = warm.length;
  if (n < 3) return NaN;
  const mt = mean(warm.map((s) => s.t));
  const mr = mean(warm.map((s) => s.rssMiB));
  const num = warm.reduce((a, s) => a + (s.t - mt) * (s.rssMiB - mr), 0);
  const den = warm.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 3600;
})();
const cpus = samples.map((s) => s.cpu).filter((c) => c !== null);
const cpuMean = mean(cpus);
const cpuMax = Math.max(...cpus);
const lostAlerts = stderrStats.alerts - received.alertRecords;

const rows = [['t (s)', 'RSS MiB', 'CPU %', 'threads', 'fds', 'conns held', 'listeners', 'alerts printed', 'alerts delivered', 'note']];
const step = Math.max(1, Math.ceil(samples.length / 40)); // at most ~40 rows
samples.forEach((s, i) => {
  if (i % step !== 0 && i !== samples.length - 1) return;
  rows.push([s.t.toFixed(0), s.rssMiB.toFixed(1), s.cpu === null ? '-' : s.cpu.toFixed(1), String(s.threads), String(s.fds), String(s.open), String(s.listeners), String(s.alerts), String(s.delivered), s.note]);
});
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
const table = rows.map((r) => r.map((cell, c) => cell.padStart(widths[c])).join('  ')).join('\n');

const failures = [];
if (crashed !== null) failures.push(`sidecar exited during the soak (code ${crashed.code}, signal ${crashed.signal})`);
if (stopped?.hung) failures.push('sidecar did not stop within 10 s of SIGTERM');
else if (crashed === null && stopped?.code !== 0) failures.push(`sidecar exited ${stopped?.code} on SIGTERM`);
if (!(growth < MAX_RSS_GROWTH_MIB)) failures.push(`RSS grew ${growth.toFixed(1)} MiB after warm-up (limit ${MAX_RSS_GROWTH_MIB})`);
if (lostAlerts > 0) failures.push(`${lostAlerts} alert record(s) printed but not delivered`);
if (stderrStats.samples < (DURATION_MS / 1000 / parseSeconds(INTERVAL)) * 0.5) failures.push(`only ${stderrStats.samples} samples`);
if (stderrStats.reloads !== reloadsSent) failures.push(`${reloadsSent} SIGHUP sent, ${stderrStats.reloads} reload lines`);

function parseSeconds(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return 1;
  const v = Number(m[1]);
  return m[2] === 'ms' ? v / 1000 : m[2] === 'm' ? v * 60 : m[2] === 's' ? v : v / 1000;
}

const summary = [
  `duration: ${((Date.now() - started) / 60_000).toFixed(1)} min, sidecar interval ${INTERVAL}, ${os.cpus().length} CPU(s), ${process.version}`,
  `churn: ${connectionsOpened} TCP connections opened (${connectionErrors} errors), ${listenersOpened} listeners opened, ${udpBound} UDP sockets bound`,
  `sidecar: ${stderrStats.samples} samples, ${stderrStats.alerts} alerts printed, ${stderrStats.reloads} SIGHUP reloads (${reloadsSent} sent), ${stderrStats.errors} error lines, ${stderrStats.warnings} warnings`,
  `collector: ${received.metrics} metric exports, ${received.logRequests} log exports (${received.logsRefused} answered 503), ${received.alertRecords} alert records, ${received.otherRecords} other records`,
  `RSS (${PAGE_NOTE}): ${rssStart.toFixed(1)} MiB after warm-up -> ${rssEnd.toFixed(1)} MiB at the end (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB; trend ${slope.toFixed(1)} MiB/h); peak ${Math.max(...samples.map((s) => s.hwmMiB)).toFixed(1)} MiB`,
  `CPU: ${cpuMean.toFixed(1)} % of one core on average, ${cpuMax.toFixed(1)} % max over a ${SAMPLE_MS / 1000} s window`,
  `verdict: ${failures.length === 0 ? 'PASS (no crash, bounded RSS, every alert delivered)' : `FAIL — ${failures.join('; ')}`}`,
];

process.stdout.write(`${table}\n\n${summary.join('\n')}\n`);
if (failures.length > 0 && tail.length > 0) process.stderr.write(`last sidecar lines:\n${tail.join('\n')}\n`);
if (OUT !== null) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const machine = [
    `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `${os.type()} ${os.release()} (${os.arch()}), Node.js ${process.version}`,
    `load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine shares the CPUs)`,
  ];
  const report = [
    '# Soak results',
    '',
    `Written by \`npm run soak -- ${args.join(' ')}\` (bench/soak.mjs) on ${new Date().toISOString()}.`,
    'The sidecar (`run --interval ' + INTERVAL + ' --state-dir TMP`, shipped rules, attribution on) against a loopback',
    'OTLP receiver, while this script churns loopback TCP connections, listeners and UDP sockets,',
    'answers 503 to log exports for 20 s every 90 s and sends SIGHUP every minute. RSS and CPU of the',
    `sidecar from /proc/<pid>/status and /proc/<pid>/stat every ${SAMPLE_MS / 1000} s.`,
    '',
    '## Machine',
    '',
    ...machine.map((l) => `- ${l}`),
    '',
    '## Over time',
    '',
    '```',
    table,
    '```',
    '',
    '## Summary',
    '',
    ...summary.map((l) => `- ${l}`),
    '',
  ];
  writeFileSync(OUT, report.join('\n'));
  say(`wrote ${OUT}`);
}
process.exit(failures.length === 0 ? 0 : 1);
