/**
 * Watches a rules path with chokidar and says "something changed"; the store then re-reads.
 * We do not trust event details: an atomic save shows up as unlink+add or as a change of a temp
 * name, and a Kubernetes ConfigMap update swaps the `..data` symlink so that no watched file
 * itself changes. Any event below the path marks the rules dirty; the runtime also re-reads at
 * every full evaluation, which covers events a watcher misses.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface RulesWatcher {
  /** Resolves when the initial scan is done (events after it are seen). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchRulesPath(rulesPath: string, onChange: (event: string, file: string) => void): RulesWatcher {
  let isFile = false;
  try {
    isFile = statSync(rulesPath).isFile();
  } catch {
    // Missing for now: watch it anyway, chokidar reports it when it appears.
  }
  const dir = isFile ? path.dirname(rulesPath) : rulesPath;
  const base = path.basename(rulesPath);
  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    // One level down shows the files of a ConfigMap's `..2026_...` directory behind `..data`.
    depth: isFile ? 0 : 1,
    // For a single file, watch its directory (an atomic rename replaces the inode we would
    // otherwise be watching) but ignore its neighbours, except ConfigMap internals.
    ignored: isFile
      ? (p: string) => {
          if (p === dir) return false;
          const name = path.basename(p);
          return name !== base && !name.startsWith('..');
        }
      : undefined,
  });
  watcher.on('all', (event, file) => onChange(event, file));
  // A watcher error (directory removed, too many watches) must not crash the sidecar; the
  // per-evaluation re-read keeps the rules current without events.
  watcher.on('error', () => undefined);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
