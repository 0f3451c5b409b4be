/**
 * The one place that decides which platform's collector a process uses. It is chosen once, at
 * start (`snapshot`, `run`, `watch`), from the running OS or from `--platform`; everything after
 * that talks to a `PlatformSampler` and never looks at the OS again. The OS is an argument
 * (hostPlatform() gives the running one), so every branch is testable on a Linux CI runner.
 */
import { UsageError } from '../errors.js';
import { collectDarwinSnapshot } from '../darwin/collect.js';
import { liveDarwinSource, replayDarwinSource, type DarwinSource } from '../darwin/source.js';
import { createSnapshotCollector, type AttributionScope, type SocketSource } from '../snapshot/collect.js';
import type { Listener, SampleError, Snapshot } from '../snapshot/types.js';
import type { FirewallSample } from '../rules/facts/history.js';
import { collectWindowsSnapshot } from '../windows/collect.js';
import { liveWindowsSource, replayWindowsSource, type WindowsSource } from '../windows/source.js';

export type PlatformName = Snapshot['platform'];
export const PLATFORMS: readonly PlatformName[] = ['linux', 'windows', 'darwin'];

/**
 * Our platform for a Node.js `process.platform`. Anything that is neither Windows nor macOS is
 * sampled as Linux: the BSDs, AIX and the like would fail there too, but with the procfs
 * "does not exist" message, which names the flag to fix it, rather than silently.
 */
export function platformOf(nodePlatform: NodeJS.Platform): PlatformName {
  if (nodePlatform === 'win32') return 'windows';
  if (nodePlatform === 'darwin') return 'darwin';
  return 'linux';
}

/** The platform of the running process: the only read of `process.platform` for sampling. */
export function hostPlatform(): PlatformName {
  return platformOf(process.platform);
}

/** `--platform` text to a platform; also takes Node's names (`win32`, `macos` is what people type). */
export function parsePlatform(text: string): PlatformName {
  const word = text.trim().toLowerCase();
  if (word === 'win32') return 'windows';
  if (word === 'macos') return 'darwin';
  if ((PLATFORMS as readonly string[]).includes(word)) return word as PlatformName;
  throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}, got '${text}'`);
}

export interface PlatformSampler {
  readonly platform: PlatformName;
  /** One snapshot. Never rejects for a source that failed: that lands in `errors`. */
  snapshot(): Promise<Snapshot>;
  /**
   * The cheap listening-socket read for the fast listener watch, or null where there is none
   * (Windows and macOS read every socket in one go; their listeners come with each snapshot).
   */
  readonly listeners: (() => Promise<{ listeners: Listener[]; errors: SampleError[] }>) | null;
  /**
   * How `firewall.rulesetChanged` is fed: undefined leaves the rules runtime its default
   * (nft / iptables-save, Linux), null means the platform has no source for it, otherwise a
   * probe to call after each snapshot.
   */
  readonly firewall: (() => Promise<FirewallSample | null>) | null | undefined;
  /** Releases what the sampler holds (the long-lived PowerShell child). Idempotent. */
  close(): Promise<void>;
}

export interface SamplerOptions {
  platform: PlatformName;
  /** Windows and macOS: replay the recorded command outputs in this directory instead of running commands. */
  from?: string | null;
  /** Linux: procfs and sysfs mount points (defaults /proc, /sys). */
  procfs?: string;
  sysfs?: string;
  /** Linux: which sockets to map to processes (the other platforms name them as they list them). */
  attribution?: boolean | AttributionScope;
  socketSource?: SocketSource;
  /** Windows and macOS: the snapshot's clock (tests); default the current time. */
  now?: () => Date;
  /** Stand-ins for the live Windows and macOS sources (tests: a fake PowerShell, a fake runner). */
  windowsSource?: WindowsSource;
  darwinSource?: DarwinSource;
}

export function createPlatformSampler(options: SamplerOptions): PlatformSampler {
  switch (options.platform) {
    case 'linux':
      return linuxSampler(options);
    case 'windows':
      return windowsSampler(
        options.from ? replayWindowsSource(options.from) : (options.windowsSource ?? liveWindowsSource()),
        options.now,
      );
    case 'darwin':
      return darwinSampler(
        options.from ? replayDarwinSource(options.from) : (options.darwinSource ?? liveDarwinSource()),
        options.now,
      );
  }
}

function linuxSampler(options: SamplerOptions): PlatformSampler {
  // --from is for recorded command outputs; a recorded Linux host is a procfs tree (--procfs).
  if (options.from) throw new UsageError(`--from replays Windows or macOS command outputs; for a recorded Linux host use --procfs ${options.from}`);
  const collector = createSnapshotCollector({
    procfs: options.procfs,
    sysfs: options.sysfs,
    attribution: options.attribution,
    socketSource: options.socketSource,
  });
  return {
    platform: 'linux',
    snapshot: () => collector.snapshot(),
    listeners: () => collector.listeners(),
    firewall: undefined,
    close: async () => undefined,
  };
}

function windowsSampler(source: WindowsSource, now: (() => Date) | undefined): PlatformSampler {
  // The rules runtime asks for the firewall fingerprint right after it got the snapshot, so the
  // fingerprint of the latest snapshot is the one that belongs to it.
  let firewall: FirewallSample | null = null;
  return {
    platform: 'windows',
    async snapshot() {
      const snapshot = await collectWindowsSnapshot(source, { now });
      firewall = snapshot.firewall === null ? null : { tool: 'windows-firewall', hash: snapshot.firewall.sha256 };
      return snapshot;
    },
    listeners: null,
    firewall: async () => firewall,
    close: () => source.close(),
  };
}

function darwinSampler(source: DarwinSource, now: (() => Date) | undefined): PlatformSampler {
  return {
    platform: 'darwin',
    snapshot: () => collectDarwinSnapshot(source, { now }),
    listeners: null,
    // pf rules are not read (yet): the fact is null rather than an nft/iptables failure on a Mac.
    firewall: null,
    close: () => source.close(),
  };
}
