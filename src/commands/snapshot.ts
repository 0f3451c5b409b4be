import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { renderSnapshotText } from '../render/snapshot_text.js';
import { collectSnapshot } from '../snapshot/collect.js';
import type { Snapshot } from '../snapshot/types.js';

export interface SnapshotCommandOptions {
  json?: boolean;
  procfs: string;
  sysfs: string;
  attribution: boolean;
}

export function requireDirectory(dir: string, what: string): void {
  if (!existsSync(dir)) throw new UsageError(`${what} ${dir} does not exist (give another with --${what} DIR)`);
}

export async function takeSnapshot(options: SnapshotCommandOptions): Promise<Snapshot> {
  requireDirectory(options.procfs, 'procfs');
  return collectSnapshot({ procfs: options.procfs, sysfs: options.sysfs, attribution: options.attribution });
}

export function registerSnapshotCommand(program: Command): void {
  program
    .command('snapshot')
    .description('print the host\'s network state once: TCP states, listeners with processes, interfaces, routes, conntrack, counters')
    .option('--json', 'print the snapshot as one JSON object (see DESIGN.md)')
    .option('--procfs <dir>', 'procfs mount point', '/proc')
    .option('--sysfs <dir>', 'sysfs mount point', '/sys')
    .option('--no-attribution', 'skip the /proc/<pid>/fd scan that maps sockets to processes')
    .action(async (options: SnapshotCommandOptions) => {
      const snapshot = await takeSnapshot(options);
      process.stdout.write(options.json ? `${JSON.stringify(snapshot, null, 2)}\n` : `${renderSnapshotText(snapshot)}\n`);
    });
}
