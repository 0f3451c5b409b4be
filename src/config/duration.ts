/**
 * Durations as people write them in flags and config files: `500ms`, `10s`, `1m`, `1h`, and
 * compounds such as `1m30s`. A bare number is milliseconds, because that is what the OTel
 * environment variables (`OTEL_METRIC_EXPORT_INTERVAL`) use.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** Parse a duration into milliseconds; throws a RangeError naming the bad text. */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (/^\d+$/.test(input)) return Number(input);
  if (input === '') throw new RangeError('empty duration');

  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(input); match !== null; match = PART.exec(input)) {
    const value = Number(match[1]);
    const unit = UNIT_MS[match[2] as string] as number;
    total += value * unit;
    consumed = PART.lastIndex;
  }
  if (consumed !== input.length) {
    throw new RangeError(`invalid duration "${text}" (expected e.g. 500ms, 10s, 1m, 1h30m)`);
  }
  return Math.round(total);
}

/** The shortest exact text for a duration, for logs and docs: 60000 -> `1m`, 1500 -> `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms !== 0 && ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
