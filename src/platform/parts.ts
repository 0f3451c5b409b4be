/**
 * Building a Snapshot out of independently sampled parts, for the platforms whose data comes from
 * commands (Windows, macOS). Each part (sockets, interfaces, ...) runs on its own and is timed; a
 * part that throws costs only itself: its keys stay empty/null, its failure lands in `errors`,
 * and `samplers` records how it fared. Derivations (states, listeners, gateways) are
 * snapshot/derive.ts's, shared with Linux.
 */
import { formatIssue, type ParseIssue } from '../errors.js';
import { zeroStates } from '../snapshot/empty.js';
import type {
  DefaultGateway,
  Listener,
  Route,
  SampleError,
  SamplerStatus,
  SocketRecord,
  TcpState,
} from '../snapshot/types.js';
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
