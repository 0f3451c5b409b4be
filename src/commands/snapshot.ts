import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { renderSnapshotText } from '../render/snapshot_text.js';
import { nativeAddon } from '../netlink/addon.js';
import { checkReplayDir } from '../platform/replay_dir.js';
import { createPlatformSampler, hostPlatform, parsePlatform, type PlatformName } from '../platform/select.js';
import type { SocketSource } from '../snapshot/collect.js';
import type { Snapshot } from '../snapshot/types.js';

export interface SnapshotCommandOptions {
  json?: boolean;
  procfs: string;
  sysfs: string;
  attribution: boolean;
  socketSource: SocketSource;
  /** `--platform`; default the running OS. */
  platform?: string;
  /** `--from DIR`: recorded Windows or macOS command outputs to replay. */
  from?: string;
}

const SOCKET_SOURCES: readonly SocketSource[] = ['auto', 'netlink', 'procfs'];
/** Default for --socket-source, so a test suite or a container can pin the path without new flags. */
export const SOCKET_SOURCE_ENV = 'NETSTAT_OTEL_SOCKET_SOURCE';

export function requireDirectory(dir: string, what: string): void {
  if (!existsSync(dir)) throw new UsageError(`${what} ${dir} does not exist (give another with --${what} DIR)`);
}

/**
 * Which platform to sample and from where, refusing combinations that could only print an empty
 * snapshot: another OS's live commands (powershell.exe on Linux), or Linux-only flags elsewhere.
 */
function resolveTarget(options: SnapshotCommandOptions, host: PlatformName, linuxFlagsGiven: readonly string[]): PlatformName {
  const platform = options.platform === undefined ? host : parsePlatform(options.platform);
  if (platform === 'linux') {
    if (options.from !== undefined) {
      throw new UsageError(`--from replays Windows or macOS command outputs; to replay a recorded Linux host use --procfs ${options.from} (and --sysfs)`);
    }
    return platform;
  }
  if (linuxFlagsGiven.length > 0) {
    throw new UsageError(`${linuxFlagsGiven.join(', ')} ${linuxFlagsGiven.length === 1 ? 'applies' : 'apply'} only to --platform linux; for ${platform} give --from DIR with recorded command outputs`);
  }
  if (options.from !== undefined) checkReplayDir(platform, options.from);
  else if (platform !== host) {
    throw new UsageError(`--platform ${platform} on a ${host} host needs --from DIR, a directory of recorded ${platform} command outputs (e.g. fixtures/${platform})`);
  }
  return platform;
}

/**
 * One snapshot as the command would take it. `host` is the running OS (an argument so tests
 * can play another one); `linuxFlagsGiven` names the Linux-only flags the person typed.
 */
export async function takeSnapshot(
  options: SnapshotCommandOptions,
  host: PlatformName = hostPlatform(),
  linuxFlagsGiven: readonly string[] = [],
): Promise<Snapshot> {
  const platform = resolveTarget(options, host, linuxFlagsGiven);
  const socketSource = options.socketSource ?? 'auto';
  if (platform === 'linux') {
    requireDirectory(options.procfs, 'procfs');
    if (!SOCKET_SOURCES.includes(socketSource)) throw new UsageError(`--socket-source must be one of ${SOCKET_SOURCES.join(', ')}, got ${socketSource}`);
    if (socketSource === 'netlink') {
      const { reason } = nativeAddon();
      if (reason !== null) throw new UsageError(`--socket-source netlink: the native addon is not available (${reason})`);
    }
  }
  const sampler = createPlatformSampler({
    platform,
    from: options.from ?? null,
    procfs: options.procfs,
    sysfs: options.sysfs,
    attribution: options.attribution,
    socketSource,
  });
  try {
    return await sampler.snapshot();
  } finally {
    await sampler.close();
  }
}

/** Linux-only flags the person typed (not commander's defaults). */
function linuxFlagsTyped(command: Command): string[] {
  const flags: Array<[string, string]> = [
    ['procfs', '--procfs'],
    ['sysfs', '--sysfs'],
    ['socketSource', '--socket-source'],
    ['attribution', '--no-attribution'],
  ];
  return flags.filter(([key]) => command.getOptionValueSource(key) === 'cli').map(([, flag]) => flag);
}

export function registerSnapshotCommand(program: Command): void {
  program
    .command('snapshot')
    .description('print the host\'s network state once: TCP states, listeners with processes, interfaces, routes, conntrack, counters')
    .option('--json', 'print the snapshot as one JSON object (see DESIGN.md)')
    .option('--procfs <dir>', 'procfs mount point', '/proc')
    .option('--sysfs <dir>', 'sysfs mount point', '/sys')
    .option('--no-attribution', 'skip the /proc/<pid>/fd scan that maps sockets to processes')
    .option(
      '--socket-source <source>',
      `read TCP/UDP sockets over netlink sock_diag, from /proc/net, or auto: netlink when the addon is built and --procfs is /proc (default $${SOCKET_SOURCE_ENV} or auto)`,
      process.env[SOCKET_SOURCE_ENV] || 'auto',
    )
    .option('--platform <name>', 'linux, windows or darwin (default: the running OS)')
    .option('--from <dir>', 'windows/darwin: replay recorded command outputs from DIR instead of running the commands (e.g. fixtures/windows)')
    .action(async (options: SnapshotCommandOptions, command: Command) => {
      const snapshot = await takeSnapshot(options, hostPlatform(), linuxFlagsTyped(command));
      process.stdout.write(options.json ? `${JSON.stringify(snapshot, null, 2)}\n` : `${renderSnapshotText(snapshot)}\n`);
    });
}
