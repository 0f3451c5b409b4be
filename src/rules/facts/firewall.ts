/**
 * firewall.rulesetChanged: a sha256 of the packet-filter ruleset, compared over the window.
 *
 * The ruleset is read with `nft list ruleset`, else `iptables-save` (+ `ip6tables-save`). Both
 * are spawned with argument arrays (no shell) and a timeout. Counters, comments with dates and
 * set-element expiry timers change on every read without any rule changing, so they are
 * removed before hashing. When no tool works (not installed, not root) the fact is null
 * ("unavailable"), and that is said once, not every minute; when neither is installed, they
 * are looked for again only every NOT_INSTALLED_RETRY_MS.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { inWindow, type FirewallSample, type SnapshotHistory } from './history.js';

/** Runs a program and resolves its stdout; rejects on spawn failure, timeout or non-zero exit. */
export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

export const runCommand: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      // LC_ALL=C: the output must not change with the locale of whoever starts the sidecar.
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' }, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const detail = String(stderr).trim().split('\n')[0];
          reject(Object.assign(err, { message: detail ? `${err.message.split('\n')[0]}: ${detail}` : err.message }));
        } else resolve(String(stdout));
      },
    );
  });

/** Drops what changes on every read: counters, `#` comments (iptables-save prints a date), expiry timers. */
export function normalizeRuleset(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .map((line) =>
      line
        .replace(/\[\d+:\d+\]/g, '[0:0]')
        .replace(/\bcounter packets \d+ bytes \d+/g, 'counter')
        .replace(/\s+expires\s+[\dhms.]+/g, '')
        .replace(/\s+used\s+\d+\s+\w+/g, '')
        .trimEnd(),
    )
    .filter((line) => line !== '')
    .join('\n');
}

interface Source {
  tool: string;
  read(run: CommandRunner, timeoutMs: number): Promise<string>;
}

const NFT: Source = { tool: 'nft', read: (run, t) => run('nft', ['list', 'ruleset'], t) };
const IPTABLES: Source = {
  tool: 'iptables-save',
  async read(run, t) {
    const v4 = await run('iptables-save', [], t);
    // ip6tables-save is optional: a host without IPv6 filtering may not have it.
    const v6 = await run('ip6tables-save', [], t).catch(() => '');
    return `${v4}\n${v6}`;
  },
};

export interface FirewallProbeOptions {
  timeoutMs?: number;
  run?: CommandRunner;
  /** Called once when no tool can read the ruleset, and once per distinct later failure. */
  onUnavailable?: (reason: string) => void;
  /** Clock for the retry pause (tests). */
  now?: () => number;
}

/**
 * With neither tool installed, looking again every minute would spawn three processes a minute
 * for nothing; one might be installed later, so look again this long after.
 */
export const NOT_INSTALLED_RETRY_MS = 10 * 60_000;

const notInstalled = (err: unknown): boolean => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

export type FirewallProbe = () => Promise<FirewallSample | null>;

export function hashRuleset(text: string): string {
  return createHash('sha256').update(normalizeRuleset(text)).digest('hex');
}

export function createFirewallProbe(options: FirewallProbeOptions = {}): FirewallProbe {
  const run = options.run ?? runCommand;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const said = new Set<string>();
  const say = (reason: string): void => {
    if (said.has(reason)) return;
    said.add(reason);
    options.onUnavailable?.(reason);
  };
  // Once a tool works we stay with it: switching tools would look like a ruleset change.
  let chosen: Source | null = null;
  const now = options.now ?? Date.now;
  let nextLookAt = Number.NEGATIVE_INFINITY;

  async function choose(): Promise<[Source, string] | null> {
    if (now() < nextLookAt) return null;
    const failures: string[] = [];
    let installed = false;
    let emptyNft: string | null = null;
    try {
      const out = await NFT.read(run, timeoutMs);
      // An empty nft ruleset next to a legacy iptables setup: iptables-save is the truth there.
      if (normalizeRuleset(out) !== '') return [NFT, out];
      emptyNft = out;
    } catch (err) {
      installed ||= !notInstalled(err);
      failures.push(`nft: ${(err as Error).message}`);
    }
    try {
      return [IPTABLES, await IPTABLES.read(run, timeoutMs)];
    } catch (err) {
      installed ||= !notInstalled(err);
      failures.push(`iptables-save: ${(err as Error).message}`);
    }
    if (emptyNft !== null) return [NFT, emptyNft];
    if (!installed) nextLookAt = now() + NOT_INSTALLED_RETRY_MS;
    say(`firewall ruleset unavailable (${failures.join('; ')}); firewall.rulesetChanged is null`);
    return null;
  }

  return async () => {
    if (chosen === null) {
      const found = await choose();
      if (!found) return null;
      chosen = found[0];
      return { tool: chosen.tool, hash: hashRuleset(found[1]) };
    }
    try {
      return { tool: chosen.tool, hash: hashRuleset(await chosen.read(run, timeoutMs)) };
    } catch (err) {
      say(`${chosen.tool} failed: ${(err as Error).message}`);
      return null;
    }
  };
}

export interface FirewallChange {
  changed: boolean;
  changes: number;
  tool: string;
  /** First 12 hex digits of the ruleset hash before the first change in the window, and now. */
  old: string;
  new: string;
}

export function firewallRulesetChanged(history: SnapshotHistory): FirewallChange | null {
  const latest = history.entries[history.entries.length - 1]?.firewall;
  if (!latest) return null;
  const windowStart = inWindow(history)[0]?.at ?? 0;
  let previous: FirewallSample | null = null;
  let old: string | null = null;
  let changes = 0;
  for (const entry of history.entries) {
    const sample = entry.firewall;
    if (!sample) continue;
    if (previous && previous.hash !== sample.hash && entry.at >= windowStart) {
      if (changes === 0) old = previous.hash;
      changes++;
    }
    previous = sample;
  }
  return {
    changed: changes > 0,
    changes,
    tool: latest.tool,
    old: (old ?? latest.hash).slice(0, 12),
    new: latest.hash.slice(0, 12),
  };
}
