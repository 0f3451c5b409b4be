/**
 * Per-second rates from monotonic kernel counters. A counter that went down was reset (module
 * reload, namespace re-creation, 32-bit wrap): the kernel counted from zero since, so the new
 * value itself is the increase over the interval.
 */

export function counterDelta(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}

/** Increase per second between two readings, or null when either reading is missing. */
export function ratePerSecond(
  previous: number | null | undefined,
  current: number | null | undefined,
  seconds: number,
): number | null {
  if (previous == null || current == null || !(seconds > 0)) return null;
  return counterDelta(previous, current) / seconds;
}
