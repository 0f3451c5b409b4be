/**
 * The alert lifecycle, per key: inactive -> pending (held for `for`) -> firing -> resolved.
 * Like Prometheus: a condition that clears while pending leaves no trace; a firing alert is
 * announced once and stays quiet while it stays firing; it resolves on the first evaluation
 * in scope where its condition no longer holds (including when its rule was removed).
 */
import { compareCodeUnits } from '../text_order.js';
import type { AlertInstance, AlertState, Transition } from './types.js';

export interface TrackedAlert {
  state: AlertState;
  /** When the condition started holding. */
  since: number;
  /** The instance as last seen active (fresh values for the resolved record). */
  instance: AlertInstance;
}

export type AlertStates = ReadonlyMap<string, TrackedAlert>;

export interface StepResult {
  states: AlertStates;
  transitions: Transition[];
}

/**
 * One evaluation. `active`: instances whose conditions hold now. `inScope(rule)`: which rules
 * this evaluation covered (the listener watch covers only listener rules); alerts of rules out
 * of scope are left as they are.
 */
export function step(
  states: AlertStates,
  active: readonly AlertInstance[],
  now: number,
  inScope: (rule: string) => boolean = () => true,
): StepResult {
  const next = new Map(states);
  const transitions: Transition[] = [];
  const seen = new Set<string>();
  for (const instance of active) {
    seen.add(instance.key);
    const was = states.get(instance.key);
    const since = was?.since ?? now;
    if (was?.state === 'firing') {
      next.set(instance.key, { state: 'firing', since, instance });
    } else if (now - since >= instance.forMs) {
      next.set(instance.key, { state: 'firing', since, instance });
      transitions.push({ state: 'firing', at: now, instance, activeSince: since });
    } else {
      next.set(instance.key, { state: 'pending', since, instance });
    }
  }
  for (const [key, tracked] of states) {
    if (seen.has(key) || !inScope(tracked.instance.rule)) continue;
    next.delete(key);
    if (tracked.state === 'firing') {
      transitions.push({ state: 'resolved', at: now, instance: tracked.instance, activeSince: tracked.since });
    }
  }
  return { states: next, transitions };
}

/**
 * Would the alert `key` be firing after an evaluation at `now` in which its condition holds? True
 * when it already fires, or when its `for` has elapsed (or is 0). Rule evaluation asks this
 * before gathering evidence, so only alerts that fire pay for it.
 */
export function firingAt(states: AlertStates, key: string, forMs: number, now: number): boolean {
  const was = states.get(key);
  if (was?.state === 'firing') return true;
  return now - (was?.since ?? now) >= forMs;
}

/** A small stateful wrapper for the runtime; tests of the state machine use `step` directly. */
export class AlertTracker {
  private states: AlertStates = new Map();

  update(active: readonly AlertInstance[], now: number, inScope?: (rule: string) => boolean): Transition[] {
    const result = step(this.states, active, now, inScope);
    this.states = result.states;
    return result.transitions;
  }

  get(key: string): TrackedAlert | undefined {
    return this.states.get(key);
  }

  /** See firingAt. */
  firingAt(key: string, forMs: number, now: number): boolean {
    return firingAt(this.states, key, forMs, now);
  }

  /**
   * When the next pending alert in scope would start firing if its condition kept holding
   * (`since + for`); Infinity when none is pending. Until then, evaluating the same facts again
   * cannot change any alert.
   */
  nextPendingDeadline(inScope: (rule: string) => boolean = () => true): number {
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.states.values()) {
      if (t.state === 'pending' && inScope(t.instance.rule)) next = Math.min(next, t.since + t.instance.forMs);
    }
    return next;
  }

  /** Alerts currently firing, by key order. */
  firing(): AlertInstance[] {
    return [...this.states.values()]
      .filter((t) => t.state === 'firing')
      .map((t) => t.instance)
      .sort((a, b) => compareCodeUnits(a.key, b.key));
  }

  pending(): AlertInstance[] {
    return [...this.states.values()]
      .filter((t) => t.state === 'pending')
      .map((t) => t.instance)
      .sort((a, b) => compareCodeUnits(a.key, b.key));
  }
}
