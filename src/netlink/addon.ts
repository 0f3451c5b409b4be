/**
 * Loads the optional native addon (native/, built by node-gyp at `npm install`). Everything it
 * does has a slower pure-JavaScript path, so a missing or broken build only costs speed: the
 * loader never throws, it says why the addon is absent.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FdReader, ProcessTable } from '../procfs/fd_reader.js';

export interface NativeAddon {
  readonly abiVersion: number;
  /** Triples of (address family, IP protocol, kernel state bitmask); counts: [2][16] float64 per protocol and state. */
  dumpSockets(requests: Uint32Array, counts: boolean): Promise<ArrayBuffer>;
  scanProcesses(procRoot: string): ProcessTable;
  /** Per (pid, start, fd): the socket inode the fd links to, 0 for another kind of file, -1 gone, -2 denied. */
  readSocketLinks(procRoot: string, pids: Int32Array, starts: Float64Array, fds: Int32Array): Float64Array;
  /**
   * Scans one /proc/net/{tcp,tcp6,udp,udp6} file in C, off the main thread: records as
   * dumpSockets makes them (of the states in the bitmask) or, with counts, 16 float64 row counts
   * by kernel state code. A string instead says why the file must be parsed in JavaScript (a
   * line it does not vouch for, a read error, more than maxBytes): that parse then reports it.
   */
  scanProcNet(path: string, family: number, protocol: number, states: number, counts: boolean, maxBytes: number): Promise<ArrayBuffer | string>;
  /** glibc's malloc_trim(0): free pages inside malloc's heaps back to the kernel; false without glibc or when nothing was freed. */
  trimMemory(): boolean;
}

export type AddonLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

/** Bumped with any change to the addon's functions or record layout, so a stale build is not used. */
export const ADDON_ABI_VERSION = 3;

/** Same relative path from src/netlink (tests, tsx) and dist/netlink (the built package). */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../../build/Release/netstat_otel_native.node', import.meta.url));

/** Set NETSTAT_OTEL_NATIVE=0 to run without the addon (the /proc paths) even where it is built. */
export const DISABLE_ENV = 'NETSTAT_OTEL_NATIVE';

export function loadNativeAddon(file: string = DEFAULT_ADDON_PATH, env: NodeJS.ProcessEnv = process.env): AddonLoad {
  if (process.platform !== 'linux') return { addon: null, reason: `not Linux (${process.platform})` };
  if (env[DISABLE_ENV] === '0') return { addon: null, reason: `${DISABLE_ENV}=0` };
  if (!existsSync(file)) return { addon: null, reason: `${file} is not built; npm install builds it where python3, make and a C compiler are installed` };
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    if (addon.abiVersion !== ADDON_ABI_VERSION) {
      return { addon: null, reason: `${file} is version ${addon.abiVersion}, expected ${ADDON_ABI_VERSION}: rebuild with npm install` };
    }
    return { addon, reason: null };
  } catch (err) {
    return { addon: null, reason: `${file} failed to load: ${(err as Error).message}` };
  }
}

let cached: AddonLoad | undefined;

/** The default addon, loaded once per process (loading is the cost, not a reading of state). */
export function nativeAddon(): AddonLoad {
  cached ??= loadNativeAddon();
  return cached;
}

/** The addon's /proc/<pid>/fd walk, for the owner cache. */
export function nativeFdReader(addon: NativeAddon): FdReader {
  return {
    name: 'native',
    scanProcesses: (procRoot) => addon.scanProcesses(procRoot),
    readSocketLinks: (procRoot, pids, starts, fds) => addon.readSocketLinks(procRoot, pids, starts, fds),
  };
}
