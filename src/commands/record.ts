import { mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { LINUX_FILES } from '../samplers/linux.js';
import { LINK_FILES } from '../sysfs/net_class.js';
import { socketInodeOfLink } from '../procfs/socket_owners.js';

export interface RecordResult {
  copied: string[];
  missing: string[];
  processes: number;
}

async function copyKernelFiles(procRoot: string, dir: string, result: RecordResult): Promise<void> {
  for (const relative of Object.values(LINUX_FILES).flat()) {
    const target = path.join(dir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      // readFile + writeFile, not copyFile: procfs files report size 0.
      await writeFile(target, await readFile(path.join(procRoot, relative)));
      result.copied.push(relative);
    } catch {
      result.missing.push(relative);
    }
  }
}

/**
 * Records each process's socket fds as dangling symlinks (`fd/3 -> socket:[123]`) plus its
 * `comm`, so replaying the directory with `--procfs` attributes sockets like the live host did.
 */
async function recordProcess(procRoot: string, dir: string, pid: string): Promise<boolean> {
  const fdDir = path.join(procRoot, pid, 'fd');
  const links: [string, string][] = [];
  for (const fd of await readdir(fdDir).catch(() => [] as string[])) {
    const link = await readlink(path.join(fdDir, fd)).catch(() => '');
    if (socketInodeOfLink(link) !== null) links.push([fd, link]);
  }
  if (links.length === 0) return false;
  const target = path.join(dir, pid);
  await mkdir(path.join(target, 'fd'), { recursive: true });
  const comm = await readFile(path.join(procRoot, pid, 'comm')).catch(() => null);
  if (comm) await writeFile(path.join(target, 'comm'), comm);
  await Promise.all(links.map(([fd, link]) => symlink(link, path.join(target, 'fd', fd))));
  return true;
}

/** The sysfs files the interfaces sampler reads, into DIR/sysfs (replay with `--sysfs DIR/sysfs`). */
async function copyLinkFiles(sysRoot: string, dir: string): Promise<void> {
  const names = await readdir(path.join(sysRoot, 'class/net')).catch(() => [] as string[]);
  for (const name of names) {
    const target = path.join(dir, 'sysfs/class/net', name);
    await mkdir(target, { recursive: true });
    for (const file of LINK_FILES) {
      const text = await readFile(path.join(sysRoot, 'class/net', name, file)).catch(() => null);
      if (text) await writeFile(path.join(target, file), text);
    }
  }
}

export async function recordProcfs(procRoot: string, dir: string, sysRoot = '/sys'): Promise<RecordResult> {
  const result: RecordResult = { copied: [], missing: [], processes: 0 };
  await copyKernelFiles(procRoot, dir, result);
  await copyLinkFiles(sysRoot, dir);
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) if (await recordProcess(procRoot, dir, pid)) result.processes++;
  return result;
}

export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description('copy every procfs file the samplers read (and socket fd links) into DIR, to replay with --procfs DIR')
    .argument('<dir>', 'directory to write')
    .option('--procfs <dir>', 'procfs mount point to record from', '/proc')
    .option('--sysfs <dir>', 'sysfs mount point to record from (written to DIR/sysfs)', '/sys')
    .action(async (dir: string, options: { procfs: string; sysfs: string }) => {
      const result = await recordProcfs(options.procfs, dir, options.sysfs);
      process.stderr.write(
        `recorded ${result.copied.length} files and the socket fds of ${result.processes} processes into ${dir}` +
          ` (replay: netstat-otel snapshot --procfs ${dir} --sysfs ${dir}/sysfs)` +
          (result.missing.length ? `; not present: ${result.missing.join(', ')}` : '') + '\n',
      );
    });
}
