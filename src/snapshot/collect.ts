import { KernelFs } from '../procfs/kernel_fs.js';
import { scanSocketOwners, type SocketOwnerScan } from '../procfs/socket_owners.js';
import { LINUX_SAMPLERS, LISTENER_SAMPLERS, type LinuxContext } from '../samplers/linux.js';
import { mergeRuns, runSamplers } from '../samplers/sampler.js';
import { countTcpStates, countTransport, defaultGatewaysOf, listenersOf } from './derive.js';
import { emptySnapshot } from './empty.js';
import type { Listener, SampleError, Snapshot, SocketRecord } from './types.js';

export interface CollectOptions {
  /** procfs mount point; `/host/proc` in a container watching its host. Default `/proc`. */
  procfs?: string;
  /** sysfs mount point. Default `/sys`. */
  sysfs?: string;
  /** Map sockets to pid and process name through /proc/<pid>/fd. Default true. */
  attribution?: boolean;
  /** Per-sampler time limit. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const ATTRIBUTION_HINT =
  'run as root, or grant CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE, to see the processes of other users\' sockets';

function attributionErrors(scan: SocketOwnerScan, procRoot: string): SampleError[] {
  if (scan.deniedPids === 0) return [];
  return [{
    source: 'processes',
    file: `${procRoot}/<pid>/fd`,
    line: null,
    message: `process attribution incomplete: permission denied for ${scan.deniedPids} of ${scan.deniedPids + scan.scannedPids} processes; ${ATTRIBUTION_HINT}`,
  }];
}

/** Fills pid/process on sockets from a scan of /proc/<pid>/fd; returns the problems met. */
function attribute(sockets: SocketRecord[], procRoot: string): SampleError[] {
  let scan: SocketOwnerScan;
  try {
    scan = scanSocketOwners(procRoot);
  } catch (err) {
    return [{ source: 'processes', file: procRoot, line: null, message: `process attribution unavailable: ${(err as Error).message}` }];
  }
  for (const s of sockets) {
    const owner = s.inode ? scan.owners.get(s.inode) : undefined;
    if (owner) {
      s.pid = owner.pid;
      s.process = owner.process;
    }
  }
  return attributionErrors(scan, procRoot);
}

function context(options: CollectOptions): LinuxContext {
  return { procfs: new KernelFs(options.procfs ?? '/proc'), sysfs: new KernelFs(options.sysfs ?? '/sys') };
}

/**
 * One Linux snapshot. Never rejects: whatever could not be read is `null` or empty, with an
 * entry in `errors` saying what and where.
 */
export async function collectSnapshot(options: CollectOptions = {}): Promise<Snapshot> {
  const ctx = context(options);
  const base = emptySnapshot('linux');
  const runs = await runSamplers(LINUX_SAMPLERS, ctx, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const snapshot = mergeRuns(base, runs);
  if (options.attribution !== false) {
    const attributionStarted = performance.now();
    const errors = attribute(snapshot.sockets, ctx.procfs.root);
    snapshot.errors.push(...errors);
    snapshot.samplers.push({ name: 'processes', ok: errors.length === 0, durationMs: performance.now() - attributionStarted });
  }
  snapshot.tcp = { states: countTcpStates(snapshot.sockets) };
  snapshot.udp = { sockets: countTransport(snapshot.sockets, 'udp') };
  snapshot.listeners = listenersOf(snapshot.sockets);
  snapshot.defaultGateways = defaultGatewaysOf(snapshot.routes);
  return snapshot;
}

/** Listening sockets only, with their processes: the cheap check the fast listener watch runs. */
export async function collectListeners(options: CollectOptions = {}): Promise<{ listeners: Listener[]; errors: SampleError[] }> {
  const ctx = context(options);
  const runs = await runSamplers(LISTENER_SAMPLERS, ctx, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const merged = mergeRuns(emptySnapshot('linux'), runs);
  const listening = listenersOf(merged.sockets);
  const errors = [...merged.errors];
  if (options.attribution !== false && listening.length > 0) {
    const inodes = new Set(listening.map((l) => l.inode));
    const sockets = merged.sockets.filter((s) => inodes.has(s.inode));
    errors.push(...attribute(sockets, ctx.procfs.root));
    return { listeners: listenersOf(sockets), errors };
  }
  return { listeners: listening, errors };
}
