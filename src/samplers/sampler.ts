import type { ParseIssue } from '../errors.js';
import type { SampleError, SamplerStatus, Snapshot, SocketRecord } from '../snapshot/types.js';

/** What one sampler contributes: a part of the snapshot, plus the problems it met. */
export interface SamplerOutput {
  sockets?: SocketRecord[];
  patch?: Partial<Omit<Snapshot, 'sockets' | 'errors' | 'samplers'>>;
  errors?: SampleError[];
}

export interface Sampler<Context> {
  readonly name: string;
  sample(context: Context): Promise<SamplerOutput>;
}

export interface SamplerRun {
  output: SamplerOutput;
  status: SamplerStatus;
}

/**
 * Appends items one by one: `push(...items)` passes every item as an argument, which overflows
 * the stack beyond ~120k of them (a host's socket list, the issues of a garbage table).
 */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) target.push(items[i]!);
}

export function issuesToErrors(source: string, issues: readonly ParseIssue[]): SampleError[] {
  return issues.map((i) => ({ source, file: i.file, line: i.line, message: i.reason }));
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} sampler timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs samplers side by side. A sampler that throws or times out yields an error entry and an
 * unsuccessful status; the others are unaffected.
 */
export async function runSamplers<C>(samplers: readonly Sampler<C>[], context: C, timeoutMs: number): Promise<SamplerRun[]> {
  return Promise.all(
    samplers.map(async (sampler): Promise<SamplerRun> => {
      const started = performance.now();
      try {
        const output = await withTimeout(sampler.sample(context), timeoutMs, sampler.name);
        const ok = !(output.errors ?? []).some((e) => e.line === null);
        return { output, status: { name: sampler.name, ok, durationMs: performance.now() - started } };
      } catch (err) {
        const error: SampleError = { source: sampler.name, file: (err as { file?: string }).file ?? null, line: null, message: (err as Error).message };
        return { output: { errors: [error] }, status: { name: sampler.name, ok: false, durationMs: performance.now() - started } };
      }
    }),
  );
}

/** Folds sampler outputs into a base snapshot: sockets concatenate, parts assign, errors collect. */
export function mergeRuns(base: Snapshot, runs: readonly SamplerRun[]): Snapshot {
  const snapshot = { ...base, sockets: [...base.sockets], errors: [...base.errors], samplers: [...base.samplers] };
  for (const { output, status } of runs) {
    if (output.sockets) appendAll(snapshot.sockets, output.sockets);
    if (output.patch) Object.assign(snapshot, output.patch);
    if (output.errors) appendAll(snapshot.errors, output.errors);
    snapshot.samplers.push(status);
  }
  return snapshot;
}
