import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { renderSnapshotText } from '../render/snapshot_text.js';
import { nativeAddon } from '../netlink/addon.js';
import { collectSnapshot, type SocketSource } from '../snapshot/collect.js';
import type { Snapshot } from '../snapshot/types.js';

export interface SnapshotCommandOptions {
  json?: boolean;
  procfs: string;
  sysfs: string;
  attribution: boolean;
  socketSource: SocketSource;
}

const SOCKET_SOURCES: readonly SocketSource[] = ['auto', 'netlink', 'procfs'];
/** Default for --socket-source, so a test suite or a container can pin the path without new flags. */
export const SOCKET_SOURCE_ENV = 'NETSTAT_OTEL_SOCKET_SOURCE';

export function requireDirectory(dir: string, what: string): void {
  if (!existsSync(dir)) throw new UsageError(`${what} ${dir} does not exist (give another with --${what} DIR)`);
}

export async function takeSnapshot(options: SnapshotCommandOptions): Promise<Snapshot> {
  requireDirectory(options.procfs, 'procfs');
  const socketSource = options.socketSource ?? 'auto';
  if (!SOCKET_SOURCES.includes(socketSource)) throw new UsageError(`--socket-source must be one of ${SOCKET_SOURCES.join(', ')}, got ${socketSource}`);
  if (socketSource === 'netlink') {
    const { reason } = nativeAddon();
    if (reason !== null) throw new UsageError(`--socket-source netlink: the native addon is not available (${reason})`);
  }
  return collectSnapshot({ procfs: options.procfs, sysfs: options.sysfs, attribution: options.attribution, socketSource });
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
    .action(async (options: SnapshotCommandOptions) => {
      const snapshot = await takeSnapshot(options);
      process.stdout.write(options.json ? `${JSON.stringify(snapshot, null, 2)}\n` : `${renderSnapshotText(snapshot)}\n`);
    });
}
