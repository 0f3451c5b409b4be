import { describe, expect, it } from 'vitest';
import { AlertTracker, firingAt, step, type AlertStates } from '../../src/alerts/lifecycle.js';
import type { AlertInstance } from '../../src/alerts/types.js';

const MIN = 60_000;
const inst = (key: string, forMs = 0, message = key): AlertInstance => ({
  key,
  rule: key.split('|')[0] ?? key,
  severity: 'warning',
  forMs,
  message,
  attributes: {},
});

/** Runs a sequence of evaluations; returns "time:state:key" for each transition. */
function run(sequence: { at: number; active: AlertInstance[]; scope?: (rule: string) => boolean }[]): string[] {
  let states: AlertStates = new Map();
  const out: string[] = [];
  for (const s of sequence) {
    const r = step(states, s.active, s.at, s.scope);
    states = r.states;
    for (const t of r.transitions) out.push(`${s.at / MIN}:${t.state}:${t.instance.key}`);
  }
  return out;
}

describe('alert lifecycle', () => {
  it('fires at once without for, once only, and resolves when the condition clears', () => {
    const a = inst('a');
    expect(run([0, 1, 2].map((m) => ({ at: m * MIN, active: [a] })).concat([{ at: 3 * MIN, active: [] }, { at: 4 * MIN, active: [] }]))).toEqual([
      '0:firing:a',
      '3:resolved:a',
    ]);
  });

  it('holds a pending alert for `for` before firing', () => {
    const a = inst('a', 2 * MIN);
    expect(run([0, 1, 2, 3].map((m) => ({ at: m * MIN, active: [a] })))).toEqual(['2:firing:a']);
  });

  it('drops a pending alert silently when the condition clears before `for`', () => {
    const a = inst('a', 2 * MIN);
    expect(
      run([
        { at: 0, active: [a] },
        { at: MIN, active: [] },
        { at: 2 * MIN, active: [a] },
        { at: 3 * MIN, active: [a] },
        { at: 4 * MIN, active: [a] },
      ]),
    ).toEqual(['4:firing:a']);
  });

  it('fires again after a resolve (a new episode)', () => {
    const a = inst('a');
    expect(run([{ at: 0, active: [a] }, { at: MIN, active: [] }, { at: 2 * MIN, active: [a] }])).toEqual(['0:firing:a', '1:resolved:a', '2:firing:a']);
  });

  it('tracks each key separately', () => {
    const x = inst('r|x');
    const y = inst('r|y');
    expect(run([{ at: 0, active: [x] }, { at: MIN, active: [x, y] }, { at: 2 * MIN, active: [y] }])).toEqual([
      '0:firing:r|x',
      '1:firing:r|y',
      '2:resolved:r|x',
    ]);
  });

  it('leaves alerts of rules outside the evaluated scope alone', () => {
    const listenerAlert = inst('listen|tcp/0.0.0.0/1');
    const other = inst('ct');
    const onlyListen = (rule: string) => rule === 'listen';
    expect(
      run([
        { at: 0, active: [listenerAlert, other] },
        { at: 1000, active: [listenerAlert], scope: onlyListen },
        { at: 2000, active: [], scope: onlyListen },
        { at: MIN, active: [] },
      ]),
    ).toEqual(['0:firing:listen|tcp/0.0.0.0/1', '0:firing:ct', '0.03333333333333333:resolved:listen|tcp/0.0.0.0/1', '1:resolved:ct']);
  });

  it('resolves with the last seen values, and since = when it became active', () => {
    const t = new AlertTracker();
    t.update([inst('a', MIN, 'first')], 0);
    expect(t.pending().map((p) => p.key)).toEqual(['a']);
    const fired = t.update([inst('a', MIN, 'second')], MIN);
    expect(fired).toMatchObject([{ state: 'firing', activeSince: 0, instance: { message: 'second' } }]);
    t.update([inst('a', MIN, 'third')], 2 * MIN);
    const [resolved] = t.update([], 3 * MIN);
    expect(resolved).toMatchObject({ state: 'resolved', at: 3 * MIN, activeSince: 0, instance: { message: 'third' } });
    expect(t.firing()).toEqual([]);
  });

  it('tells which alerts are firing or fire now: the only ones that get evidence', () => {
    const t = new AlertTracker();
    expect(t.firingAt('a', 0, 0)).toBe(true); // no hold: fires at once
    expect(t.firingAt('a', 2 * MIN, 0)).toBe(false); // first seen: pending
    t.update([inst('a', 2 * MIN)], 0);
    expect(t.firingAt('a', 2 * MIN, MIN)).toBe(false); // still pending
    expect(t.firingAt('a', 2 * MIN, 2 * MIN)).toBe(true); // fires at this evaluation
    t.update([inst('a', 2 * MIN)], 2 * MIN);
    expect(t.firingAt('a', 2 * MIN, 3 * MIN)).toBe(true); // stays firing
    t.update([], 4 * MIN);
    expect(t.firingAt('a', 2 * MIN, 5 * MIN)).toBe(false); // resolved: a new episode waits again
    expect(firingAt(new Map(), 'b', 1, 0)).toBe(false);
  });

  it('does not mutate the states it is given', () => {
    const before: AlertStates = new Map();
    step(before, [inst('a')], 0);
    expect(before.size).toBe(0);
  });
});
