import path from 'node:path';
import { DISABLE_ENV, nativeAddon, nativeFdReader, type NativeAddon } from '../netlink/addon.js';
import { NetlinkSockets, type StateCounts } from '../netlink/sock_diag.js';
import { statesFromCodes } from '../netlink/states.js';
import { nodeFdReader, type FdReader } from '../procfs/fd_reader.js';
import { KernelFs } from '../procfs/kernel_fs.js';
import { SocketOwnerCache, type SocketOwnerScan } from '../procfs/socket_owners.js';
import { LINUX_SAMPLERS, LISTENER_SAMPLERS, type LinuxContext } from '../samplers/linux.js';
import { appendAll, mergeRuns, runSamplers } from '../samplers/sampler.js';
import { NetlinkSocketReader, ProcfsSocketReader, type SocketReader, type SocketSourceName } from '../samplers/sockets.js';
import { countTcpStates, countTransport, defaultGatewaysOf, isListening, listenersOf } from './derive.js';
import { emptySnapshot } from './empty.js';
import type { Listener, SampleError, Snapshot, SocketRecord } from './types.js';

/** `auto`: netlink when the addon is built and --procfs is this host's /proc, else /proc/net. */
export type SocketSource = 'auto' | SocketSourceName;

/**
 * Which sockets get a pid and process name (the /proc/<pid>/fd walk):
 * - `all` (or `true`): every socket, as `ss -p` shows them;
 * - `connections`: listeners plus the sockets the facts group by process: TCP established and
 *   syn_sent, connected UDP (what the run loop needs);
 * - `listeners`: listening TCP sockets and bound, unconnected UDP ones;
 * - `none` (or `false`): no walk at all.
 */
export type AttributionScope = 'all' | 'connections' | 'listeners' | 'none';

export interface CollectOptions {
  /** procfs mount point; `/host/proc` in a container watching its host. Default `/proc`. */
  procfs?: string;
  /** sysfs mount point. Default `/sys`. */
  sysfs?: string;
  /** Which sockets to map to pid and process name. Default `all`. */
  attribution?: boolean | AttributionScope;
  /** Where TCP/UDP sockets are read from. Default `auto`. */
  socketSource?: SocketSource;
  /**
   * Keeps fd links between calls so a scan re-reads only what may have changed (see
   * socket_owners.ts). Default: for the host's own /proc, one cache per process shared by every
   * call that brings none, so the run loop and the 1 s listener watch pay for changed fds only;
   * for any other root (a recording, /host/proc) a fresh one per call. `null`: a fresh one
   * per call, every fd link read, as `ss -p` does.
   */
  ownerCache?: SocketOwnerCache | null;
  /** The native addon; `null` runs the pure-JavaScript paths. Default: the built addon, if any. */
  native?: NativeAddon | null;
  /** Per-sampler time limit. */
  timeoutMs?: number;
  /** Clock for how long the listener watch trusts the owners it found (tests). */
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const ATTRIBUTION_HINT =
  'run as root, or grant CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE, to see the processes of other users\' sockets';

export function attributionScope(value: CollectOptions['attribution']): AttributionScope {
  if (value === undefined || value === true) return 'all';
  if (value === false) return 'none';
  return value;
}

function inScope(s: SocketRecord, scope: AttributionScope): boolean {
  switch (scope) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'listeners':
      return isListening(s);
    case 'connections':
      if (isListening(s)) return true;
      if (s.transport === 'tcp') return s.state === 'established' || s.state === 'syn_sent';
      return s.transport === 'udp' && s.state === 'established';
  }
}

function attributionErrors(scan: SocketOwnerScan, procRoot: string): SampleError[] {
  if (scan.deniedPids === 0) return [];
  return [{
    source: 'processes',
    file: `${procRoot}/<pid>/fd`,
    line: null,
    message: `process attribution incomplete: permission denied for ${scan.deniedPids} of ${scan.deniedPids + scan.scannedPids} processes; ${ATTRIBUTION_HINT}`,
  }];
}

/**
 * Fills pid/process on the sockets in scope; returns the problems met. `complete` says the
 * sockets are every TCP/UDP socket there is (not a state-filtered read), which lets the cache
 * trust more of what it remembers (see socket_owners.ts).
 */
function attribute(sockets: SocketRecord[], scope: AttributionScope, procRoot: string, cache: SocketOwnerCache, complete: boolean): SampleError[] {
  const wanted: number[] = [];
  for (const s of sockets) if (s.inode && inScope(s, scope)) wanted.push(s.inode);
  if (wanted.length === 0) return [];
  let alive: Float64Array | null = null;
  if (complete) {
    alive = new Float64Array(sockets.length);
    for (let i = 0; i < sockets.length; i++) alive[i] = sockets[i]!.inode ?? 0;
  }
  let scan: SocketOwnerScan;
  try {
    scan = cache.scan(procRoot, { alive, wanted: scope === 'all' && complete ? null : wanted });
  } catch (err) {
    return [{ source: 'processes', file: procRoot, line: null, message: `process attribution unavailable: ${(err as Error).message}` }];
  }
  for (const s of sockets) {
    if (!s.inode || !inScope(s, scope)) continue;
    const owner = scan.ownerOf(s.inode);
    if (owner) {
      s.pid = owner.pid;
      s.process = owner.process;
    }
  }
  return attributionErrors(scan, procRoot);
}

/** Netlink reads the caller's own network namespace, which is the one /proc (not /host/proc) shows. */
function isOwnProc(root: string): boolean {
  return path.resolve(root) === '/proc';
}

let toldNoAddon = false;

/**
 * A missing or broken build only costs speed, so it is said once per process on stderr, not
 * put in every snapshot's errors. Not said where the absence is chosen (not Linux, the switch).
 */
function tellNoAddonOnce(reason: string): void {
  if (toldNoAddon || process.platform !== 'linux' || process.env[DISABLE_ENV] === '0') return;
  toldNoAddon = true;
  process.stderr.write(`netstat-otel: native addon not loaded (${reason}); reading sockets from /proc/net and process fds with node:fs (same data, slower)\n`);
}

function resolveNative(options: CollectOptions): { native: NativeAddon | null; reason: string | null } {
  if (options.native !== undefined) return { native: options.native, reason: options.native ? null : 'disabled by the caller' };
  const load = nativeAddon();
  if (load.reason !== null) tellNoAddonOnce(load.reason);
  return { native: load.addon, reason: load.reason };
}

/** The per-process fd-link caches for the host's own /proc, one per fd reader. */
const hostCaches = new Map<FdReader['name'], SocketOwnerCache>();

function ownerCacheFor(options: CollectOptions, procRoot: string, reader: FdReader): SocketOwnerCache {
  if (options.ownerCache) return options.ownerCache;
  if (options.ownerCache === null || !isOwnProc(procRoot)) return new SocketOwnerCache({ reader });
  let cache = hostCaches.get(reader.name);
  if (!cache) {
    cache = new SocketOwnerCache({ reader });
    hostCaches.set(reader.name, cache);
  }
  return cache;
}

/**
 * The owners the listener watch found last time, by inode. Polled every second, the same
 * listeners are re-attributed (one readlink each, and their processes' identity) only every
 * LISTENER_OWNERS_TTL_MS; a new or gone listening inode is attributed at once.
 */
interface ListenerOwners {
  inodes: string;
  at: number;
  owners: Map<number, { pid: number | null; process: string | null }>;
  errors: SampleError[];
}

/** A listener handed to another process (fd passing, the parent exiting) shows the new pid this late at most. */
export const LISTENER_OWNERS_TTL_MS = 10_000;

/** Everything that lasts between samples: the readers and the fd-link cache. */
interface Parts {
  listenerOwners: ListenerOwners | null;
  procfs: KernelFs;
  sysfs: KernelFs;
  sockets: SocketReader;
  fromProc: ProcfsSocketReader;
  netlink: NetlinkSockets | null;
  cache: SocketOwnerCache;
  setupErrors: SampleError[];
}

function buildParts(options: CollectOptions): Parts {
  const procfs = new KernelFs(options.procfs ?? '/proc');
  const sysfs = new KernelFs(options.sysfs ?? '/sys');
  const { native, reason } = resolveNative(options);
  const source = options.socketSource ?? 'auto';
  const fromProc = new ProcfsSocketReader(procfs, native);
  const setupErrors: SampleError[] = [];
  let sockets: SocketReader = fromProc;
  let netlink: NetlinkSockets | null = null;
  if (source === 'netlink' && !native) {
    setupErrors.push({ source: 'sockets', file: null, line: null, message: `netlink unavailable (${reason}); read /proc/net instead` });
  } else if (native && (source === 'netlink' || (source === 'auto' && isOwnProc(procfs.root)))) {
    netlink = new NetlinkSockets(native);
    sockets = new NetlinkSocketReader(netlink, fromProc, source === 'netlink');
  }
  const cache = ownerCacheFor(options, procfs.root, native ? nativeFdReader(native) : nodeFdReader);
  return { procfs, sysfs, sockets, fromProc, netlink, cache, setupErrors, listenerOwners: null };
}

async function snapshotWith(parts: Parts, options: CollectOptions): Promise<Snapshot> {
  const ctx: LinuxContext = { procfs: parts.procfs, sysfs: parts.sysfs, sockets: parts.sockets };
  const runs = await runSamplers(LINUX_SAMPLERS, ctx, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const snapshot = mergeRuns(emptySnapshot('linux'), runs);
  snapshot.errors.push(...parts.setupErrors);
  const scope = attributionScope(options.attribution);
  if (scope !== 'none') {
    const attributionStarted = performance.now();
    const errors = attribute(snapshot.sockets, scope, parts.procfs.root, parts.cache, true);
    snapshot.errors.push(...errors);
    snapshot.samplers.push({ name: 'processes', ok: errors.length === 0, durationMs: performance.now() - attributionStarted });
  }
  snapshot.tcp = { states: countTcpStates(snapshot.sockets) };
  snapshot.udp = { sockets: countTransport(snapshot.sockets, 'udp') };
  snapshot.listeners = listenersOf(snapshot.sockets);
  snapshot.defaultGateways = defaultGatewaysOf(snapshot.routes);
  return snapshot;
}

async function listenersWith(parts: Parts, options: CollectOptions): Promise<{ listeners: Listener[]; errors: SampleError[] }> {
  const ctx: LinuxContext = { procfs: parts.procfs, sysfs: parts.sysfs, sockets: parts.sockets };
  const runs = await runSamplers(LISTENER_SAMPLERS, ctx, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  // Polled every second: only the listening sockets and the errors, no snapshot around them.
  const listening: SocketRecord[] = [];
  const errors: SampleError[] = [];
  for (const { output } of runs) {
    for (const s of output.sockets ?? []) if (isListening(s)) listening.push(s);
    appendAll(errors, output.errors ?? []);
  }
  appendAll(errors, parts.setupErrors);
  if (attributionScope(options.attribution) !== 'none') errors.push(...attributeListeners(parts, listening, options.now ?? Date.now));
  return { listeners: listenersOf(listening), errors };
}

function attributeListeners(parts: Parts, listening: SocketRecord[], now: () => number): SampleError[] {
  const inodes = listening.map((s) => s.inode ?? 0).sort((a, b) => a - b).join(',');
  const held = parts.listenerOwners;
  const at = now();
  if (held !== null && held.inodes === inodes && at >= held.at && at - held.at < LISTENER_OWNERS_TTL_MS) {
    for (const s of listening) Object.assign(s, held.owners.get(s.inode ?? 0));
    return held.errors;
  }
  const errors = attribute(listening, 'listeners', parts.procfs.root, parts.cache, false);
  const owners = new Map(listening.map((s) => [s.inode ?? 0, { pid: s.pid, process: s.process }]));
  parts.listenerOwners = { inodes, at, owners, errors };
  return errors;
}

/**
 * One Linux snapshot. Never rejects: whatever could not be read is `null` or empty, with an
 * entry in `errors` saying what and where.
 */
export async function collectSnapshot(options: CollectOptions = {}): Promise<Snapshot> {
  return snapshotWith(buildParts(options), options);
}

/** Listening sockets only, with their processes: the cheap check the fast listener watch runs. */
export async function collectListeners(options: CollectOptions = {}): Promise<{ listeners: Listener[]; errors: SampleError[] }> {
  return listenersWith(buildParts(options), options);
}

export interface SnapshotCollector {
  /** Where sockets are read from, after `auto` was resolved. */
  readonly socketSource: SocketSourceName;
  /** Which /proc/<pid>/fd reader the owner cache uses. */
  readonly fdReader: 'native' | 'node:fs';
  snapshot(): Promise<Snapshot>;
  listeners(): Promise<{ listeners: Listener[]; errors: SampleError[] }>;
  /** TCP states and the UDP socket count, without listing sockets or walking /proc/<pid>/fd. */
  stateCounts(): Promise<StateCounts & { errors: SampleError[] }>;
}

/**
 * For callers that sample repeatedly (the run loop, the listener watch): keeps the readers and
 * one fd-link cache across calls, so after the first sample only changed fds are read.
 */
export function createSnapshotCollector(options: CollectOptions = {}): SnapshotCollector {
  const parts = buildParts(options);
  return {
    socketSource: parts.sockets.source,
    fdReader: parts.cache.readerName,
    snapshot: () => snapshotWith(parts, options),
    listeners: () => listenersWith(parts, options),
    stateCounts: () => stateCountsWith(parts),
  };
}

async function stateCountsWith(parts: Parts): Promise<StateCounts & { errors: SampleError[] }> {
  if (parts.netlink) {
    try {
      return { ...(await parts.netlink.count()), errors: [...parts.setupErrors] };
    } catch {
      // Counted from /proc below, as a snapshot would.
    }
  }
  const [tcp, udp] = await Promise.all([parts.fromProc.count('tcp'), parts.fromProc.count('udp')]);
  return { tcp: statesFromCodes(tcp.counts), udp: udp.counts.reduce((a, b) => a + b, 0), errors: [...parts.setupErrors, ...tcp.errors, ...udp.errors] };
}

/** TCP state counts and UDP socket count alone: the cheapest reading (no socket list, no fd walk). */
export async function collectStateCounts(options: CollectOptions = {}): Promise<StateCounts & { errors: SampleError[] }> {
  return stateCountsWith(buildParts(options));
}
