/**
 * The macOS collector: one Snapshot from a DarwinSource. Parts (sockets, interfaces, routes,
 * counters, port range) run side by side; one failing costs only itself.
 */
import type { Counters, InterfaceStats, Route, SampleError, Snapshot, SocketRecord } from '../snapshot/types.js';
import {
  assembleSnapshot,
  errorFrom,
  optional,
  partSources,
  runParts,
  type CollectOptions,
  type PartResult,
} from '../platform/parts.js';
import { appendAll, issuesToErrors } from '../samplers/sampler.js';
import { isAbsent, type CommandOutput } from '../platform/command.js';
import { parseLsof } from './lsof.js';
import { parseDarwinInterfaces } from './netstat-interfaces.js';
import { parseDarwinRoutes } from './netstat-routes.js';
import { parseDarwinNetstat, type DarwinInternetRow } from './netstat-sockets.js';
import { parseDarwinTcpStats } from './netstat-tcp-stats.js';
import { DARWIN_COMMANDS, isWide, replayDarwinSource, type DarwinSource } from './source.js';
import { parseSysctlPortRange } from './sysctl.js';
import {
  countersFromTcpStats,
  interfacesFromNetstat,
  isPrimaryDefault,
  routesFromNetstat,
  socketsFromNetstat,
  socketsFromUnix,
} from './to-snapshot.js';

export type { CollectOptions } from '../platform/parts.js';

const SOURCE = partSources('darwin');

interface SocketsPart {
  sockets: SocketRecord[];
  /** null when the unix listing was not available. */
  unix: number | null;
}

export async function collectDarwinSnapshot(source: DarwinSource, options: CollectOptions = {}): Promise<Snapshot> {
  const at = (options.now ?? (() => new Date()))();
  const parts = await runParts('darwin', {
    sockets: () => socketsPart(source),
    interfaces: () => interfacesPart(source),
    routes: () => routesPart(source),
    counters: () => countersPart(source),
    portRange: () => portRangePart(source),
  });
  const routes = parts.routes.value ?? [];
  return assembleSnapshot({
    platform: 'darwin',
    at,
    sockets: parts.sockets.value?.sockets ?? [],
    unix: parts.sockets.value?.unix ?? null,
    interfaces: parts.interfaces.value ?? [],
    routes,
    gatewayRoutes: routes.filter(isPrimaryDefault),
    counters: parts.counters.value,
    localPortRange: parts.portRange.value ?? null,
    outcomes: Object.values(parts),
  });
}

/** Replays a directory of recorded outputs (see fixtures/darwin/README.md for the file names). */
export function collectSnapshotFromDir(dir: string): Promise<Snapshot> {
  return collectDarwinSnapshot(replayDarwinSource(dir));
}

/** The first variant that runs (or was recorded); otherwise the most telling failure. */
async function runFirst(
  source: DarwinSource,
  variants: readonly (readonly string[])[],
): Promise<{ out: CommandOutput; argv: readonly string[] }> {
  let firstError: unknown = null;
  for (const argv of variants) {
    try {
      return { out: await source.run(argv), argv };
    } catch (err) {
      // Prefer a real failure over "not recorded" for the message.
      if (firstError === null || (isAbsent(firstError) && !isAbsent(err))) firstError = err;
    }
  }
  throw firstError;
}

async function socketsPart(source: DarwinSource): Promise<PartResult<SocketsPart>> {
  const errors: SampleError[] = [];
  const [tcp, udp, unix] = await Promise.allSettled([
    runFirst(source, DARWIN_COMMANDS.tcp),
    runFirst(source, DARWIN_COMMANDS.udp),
    runFirst(source, DARWIN_COMMANDS.unix),
  ]);
  if (tcp.status === 'rejected' && udp.status === 'rejected') throw tcp.reason;

  const rows: DarwinInternetRow[] = [];
  for (const listing of [tcp, udp]) {
    if (listing.status === 'rejected') {
      errors.push(errorFrom(SOURCE.sockets, listing.reason));
      continue;
    }
    const { out, argv } = listing.value;
    const parsed = parseDarwinNetstat(out.text, out.label, { wide: isWide(argv) });
    appendAll(errors, issuesToErrors(SOURCE.sockets, parsed.issues));
    appendAll(rows, parsed.value.internet);
  }

  // Recent macOS names processes in `netstat -v`; older releases give pids only, and lsof fills in.
  const needNames = rows.some((r) => r.pid !== null && r.process === null);
  const names = new Map<number, string>();
  if (needNames) {
    const out = await optional(SOURCE.sockets, errors, async () => (await runFirst(source, DARWIN_COMMANDS.names)).out);
    if (out !== null) {
      const parsed = parseLsof(out.text, out.label);
      appendAll(errors, issuesToErrors(SOURCE.sockets, parsed.issues));
      for (const r of parsed.value) if (!names.has(r.pid)) names.set(r.pid, r.command);
    }
  }
  const sockets = socketsFromNetstat(rows, names);

  let unixCount: number | null = null;
  if (unix.status === 'fulfilled') {
    const parsed = parseDarwinNetstat(unix.value.out.text, unix.value.out.label);
    appendAll(errors, issuesToErrors(SOURCE.sockets, parsed.issues));
    appendAll(sockets, socketsFromUnix(parsed.value.unix));
    unixCount = parsed.value.unix.length;
  } else if (!isAbsent(unix.reason)) {
    errors.push(errorFrom(SOURCE.sockets, unix.reason));
  }
  return { value: { sockets, unix: unixCount }, errors };
}

async function interfacesPart(source: DarwinSource): Promise<PartResult<InterfaceStats[]>> {
  const { out } = await runFirst(source, DARWIN_COMMANDS.interfaces);
  const parsed = parseDarwinInterfaces(out.text, out.label);
  const converted = interfacesFromNetstat(parsed.value, out.label);
  return { value: converted.value, errors: issuesToErrors(SOURCE.interfaces, [...parsed.issues, ...converted.issues]) };
}

async function routesPart(source: DarwinSource): Promise<PartResult<Route[]>> {
  const { out } = await runFirst(source, DARWIN_COMMANDS.routes);
  const parsed = parseDarwinRoutes(out.text, out.label);
  const converted = routesFromNetstat(parsed.value, out.label);
  return { value: converted.value, errors: issuesToErrors(SOURCE.routes, [...parsed.issues, ...converted.issues]) };
}

async function countersPart(source: DarwinSource): Promise<PartResult<Partial<Counters>>> {
  const { out } = await runFirst(source, DARWIN_COMMANDS.tcpStatistics);
  const parsed = parseDarwinTcpStats(out.text, out.label);
  return { value: countersFromTcpStats(parsed.value), errors: issuesToErrors(SOURCE.counters, parsed.issues) };
}

async function portRangePart(source: DarwinSource): Promise<PartResult<[number, number] | null>> {
  const errors: SampleError[] = [];
  const found = await optional(SOURCE.portRange, errors, () => runFirst(source, DARWIN_COMMANDS.portRange));
  if (found === null) return { value: null, errors };
  const parsed = parseSysctlPortRange(found.out.text, found.out.label);
  return { value: parsed.value, errors: [...errors, ...issuesToErrors(SOURCE.portRange, parsed.issues)] };
}
