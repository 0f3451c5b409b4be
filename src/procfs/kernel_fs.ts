import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ReadError } from '../errors.js';

/**
 * The only place that knows where procfs or sysfs is mounted (`/proc`, or `/host/proc` in a
 * container; `/sys`, `/host/sys`).
 * Reads whole files: procfs reports size 0 and produces content on read.
 */
export class KernelFs {
  constructor(readonly root: string) {}

  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  async read(relative: string): Promise<string> {
    const file = this.path(relative);
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? null;
      throw new ReadError(file, code, `${file}: ${(err as Error).message}`);
    }
  }
}
