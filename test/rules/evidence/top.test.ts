import { describe, expect, it } from 'vitest';
import { listForAttribute, listForTemplate, processLabel, processTie, Tally, TOP_N } from '../../../src/rules/evidence/top.js';

describe('top-N lists', () => {
  it('keeps the TOP_N highest counts and sums what it left out', () => {
    const t = new Tally();
    for (const [label, n] of [['a', 1], ['b', 7], ['c', 3], ['d', 9], ['e', 2], ['f', 5], ['g', 4]] as const) t.add(label, label, n);
    const list = t.top();
    expect(TOP_N).toBe(5);
    expect(list.entries).toEqual([
      { label: 'd', count: 9 },
      { label: 'b', count: 7 },
      { label: 'f', count: 5 },
      { label: 'g', count: 4 },
      { label: 'c', count: 3 },
    ]);
    expect(list).toMatchObject({ otherGroups: 2, otherCount: 3 });
    expect(listForTemplate(list)).toEqual(['d (9)', 'b (7)', 'f (5)', 'g (4)', 'c (3)', '+2 more (3)']);
    expect(listForAttribute(list)).toEqual(['d=9', 'b=7', 'f=5', 'g=4', 'c=3']);
  });

  it('breaks ties the same way whatever the input order: numbers ascending, then labels, unknown last', () => {
    const labels = [
      [processLabel(300, 'python3'), processTie(300)],
      [processLabel(null, null), processTie(null)],
      [processLabel(20, 'nginx'), processTie(20)],
      [processLabel(1234, 'java'), processTie(1234)],
    ] as const;
    const orders = [labels, [...labels].reverse(), [labels[2], labels[0], labels[3], labels[1]]];
    for (const order of orders) {
      const t = new Tally();
      for (const [label, tie] of order) t.add(label, tie, 4);
      expect(t.top().entries.map((e) => e.label)).toEqual(['20/nginx', '300/python3', '1234/java', 'unknown']);
    }
  });

  it('cuts ties at the boundary deterministically', () => {
    const t = new Tally();
    for (let port = 10; port > 0; port--) t.add(String(port), port);
    expect(t.top().entries.map((e) => e.label)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('labels processes pid/name, unknown without a pid, ? without a name', () => {
    expect(processLabel(1234, 'java')).toBe('1234/java');
    expect(processLabel(1234, null)).toBe('1234/?');
    expect(processLabel(null, null)).toBe('unknown');
  });

  it('shows an empty list as none in messages (formatValue) and an empty array in attributes', () => {
    const list = new Tally().top();
    expect(listForTemplate(list)).toEqual([]);
    expect(listForAttribute(list)).toEqual([]);
  });
});
