/**
 * Building a Snapshot out of independently sampled parts, for the platforms whose data comes from
 * commands (Windows, macOS). Each part (sockets, interfaces, ...) runs on its own and is timed; a
 * part that throws costs only itself: its keys stay empty/null, its failure lands in `errors`,
 * and `samplers` records how it fared. Derivations (states, listeners, gateways) are
 * snapshot/derive.ts's, shared with Linux.
 */
import { formatIssue } from '../errors.js';
import { countTcpStates, countTransport, defaultGatewaysOf, listenersOf } from '../snapshot/derive.js';
import { emptyCounters } from '../snapshot/empty.js';
import type { Counters, InterfaceStats, Route, SampleError, SamplerStatus, Snapshot, SocketRecord } from '../snapshot/types.js';
import { isAbsent } from './command.js';

/** What a part produces: its value plus the problems met on the way (bad lines, a failed sub-command). */
export interface PartResult<T> {
  value: T;
  errors: SampleError[];
}

export interface PartOutcome<T> {
  status: SamplerStatus;
  /** null when the part failed as a whole. */
  value: T | null;
  errors: SampleError[];
}

class PartFailure extends Error {
  constructor(
    readonly durationMs: number,
    readonly failure: unknown,
  ) {
    super('part failed');
  }
}

/** Runs one part and measures it. Rejects with the duration attached, for `settlePart`. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; durationMs: number }> {
  const started = performance.now();
  try {
    const value = await work();
    return { value, durationMs: performance.now() - started };
  } catch (err) {
    throw new PartFailure(performance.now() - started, err);
  }
}

/** Turns what `Promise.allSettled` gave for one part into its outcome. */
export function settlePart<T>(
  name: string,
  settled: PromiseSettledResult<{ value: PartResult<T>; durationMs: number }>,
): PartOutcome<T> {
  if (settled.status === 'fulfilled') {
    const { value, durationMs } = settled.value;
    return { status: { name, ok: true, durationMs }, value: value.value, errors: value.errors };
  }
  const failure = settled.reason;
  const durationMs = failure instanceof PartFailure ? failure.durationMs : 0;
  const cause = failure instanceof PartFailure ? failure.failure : failure;
  return { status: { name, ok: false, durationMs }, value: null, errors: [errorFrom(name, cause)] };
}

export function errorFrom(source: string, err: unknown): SampleError {
  const file = typeof (err as { file?: unknown })?.file === 'string' ? (err as { file: string }).file : null;
  return { source, file, line: null, message: err instanceof Error ? err.message : String(err) };
}

/** For logs and test messages. */
export function formatSampleError(e: SampleError): string {
  return `${e.source}: ${formatIssue({ file: e.file ?? '-', line: e.line, reason: e.message })}`;
}

/**
 * Runs an optional sub-source: absent (not installed / not recorded) gives null quietly, any
 * other failure gives null plus an error, so the caller carries on without it.
 */
export async function optional<T>(
  source: string,
  errors: SampleError[],
  work: () => Promise<T>,
): Promise<T | null> {
  try {
    return await work();
  } catch (err) {
    if (!isAbsent(err)) errors.push(errorFrom(source, err));
    return null;
  }
}

/** What a command-based collector takes besides its source. */
export interface CollectOptions {
  /** The snapshot's timestamp; injectable so replays are reproducible. */
  now?: () => Date;
}

/** The parts every command-based platform samples. */
export const COMMAND_PARTS = ['sockets', 'interfaces', 'routes', 'counters', 'portRange'] as const;
export type CommandPart = (typeof COMMAND_PARTS)[number];

/**
 * The `source` each part's errors and sampler status carry: `<platform>.<part>`, the names
 * runParts gives them too, so a part's parse issues and its failure read the same.
 */
export function partSources<P extends string>(platform: P): { readonly [K in CommandPart]: `${P}.${K}` } {
  return Object.fromEntries(COMMAND_PARTS.map((part) => [part, `${platform}.${part}`])) as { [K in CommandPart]: `${P}.${K}` };
}

type PartWork = () => Promise<PartResult<unknown>>;
type Outcomes<W extends Record<string, PartWork>> = {
  [K in keyof W]: W[K] extends () => Promise<PartResult<infer T>> ? PartOutcome<T> : never;
};

/**
 * Runs every part side by side, each timed and isolated; `prefix` names them in `samplers` and
 * `errors` (`windows` + `sockets` -> `windows.sockets`).
 */
export async function runParts<W extends Record<CommandPart, PartWork>>(prefix: string, work: W): Promise<Outcomes<W>> {
  const names = COMMAND_PARTS;
  const settled = await Promise.allSettled(names.map((name) => timed(work[name])));
  return Object.fromEntries(names.map((name, i) => [name, settlePart(`${prefix}.${name}`, settled[i]!)])) as Outcomes<W>;
}

/** The data of a command-based snapshot; the derived keys (states, listeners, gateways) are computed from it. */
export interface CommandSnapshotData {
  platform: 'windows' | 'darwin';
  at: Date;
  sockets: SocketRecord[];
  /** Unix socket count; null where the platform does not list them. */
  unix: number | null;
  interfaces: InterfaceStats[];
  routes: Route[];
  /** The routes default gateways are taken from (macOS leaves out interface-scoped defaults). Default: `routes`. */
  gatewayRoutes?: Route[];
  counters: Partial<Counters> | null;
  localPortRange: [number, number] | null;
  /** Every part that was run, for `errors` and `samplers`. */
  outcomes: readonly PartOutcome<unknown>[];
}

/**
 * One Snapshot with every DESIGN.md key: the Linux-only ones (conntrack, sockstat) null, counter
 * sections the platform lacks null, derivations shared with Linux (snapshot/derive.ts).
 */
export function assembleSnapshot(d: CommandSnapshotData): Snapshot {
  return {
    timestamp: d.at.toISOString(),
    platform: d.platform,
    sockets: d.sockets,
    tcp: { states: countTcpStates(d.sockets) },
    udp: { sockets: countTransport(d.sockets, 'udp') },
    unix: d.unix === null ? null : { sockets: d.unix },
    // Their tables can repeat an endpoint (per CPU, per stack); one listener per endpoint and pid.
    listeners: listenersOf(d.sockets, { unique: true }),
    interfaces: d.interfaces,
    routes: d.routes,
    defaultGateways: defaultGatewaysOf(d.gatewayRoutes ?? d.routes),
    conntrack: null,
    counters: Object.assign(emptyCounters(), d.counters),
    sockstat: null,
    localPortRange: d.localPortRange,
    errors: d.outcomes.flatMap((p) => p.errors),
    samplers: d.outcomes.map((p) => p.status),
  };
}
