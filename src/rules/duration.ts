/**
 * Durations as Prometheus writes them (`90s`, `2m`, `1h30m`, `500ms`), so `for` and test times
 * read the same as in an alerting rule a user already knows.
 */
import * as v from 'valibot';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/** Milliseconds, or null when the text is not a duration. `0s` is a valid duration. */
export function parseDuration(text: string): number | null {
  if (!WHOLE.test(text)) return null;
  let total = 0;
  for (const match of text.matchAll(PART)) {
    const unit = UNIT_MS[match[2] ?? ''];
    if (unit === undefined) return null;
    total += Number(match[1]) * unit;
  }
  return total;
}

/** The shortest Prometheus-style text for a number of milliseconds (`90000` -> `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** A duration field of a rules or rules-test file; `examples` are the ones its error message suggests. */
export function durationField(examples: string) {
  return v.pipe(
    v.string(),
    v.check((s) => parseDuration(s) !== null, `not a duration (examples: ${examples})`),
  );
}
