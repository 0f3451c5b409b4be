import { describe, expect, it } from 'vitest';
import { conntrackUsagePercent } from '../../../src/rules/facts/conntrack.js';
import { emptyHistory } from '../../../src/rules/facts/history.js';
import { historyOf, snap } from '../helpers.js';

describe('conntrack.usagePercent', () => {
  it.each([
    { name: 'half full', conntrack: { count: 500, max: 1000 }, want: 50 },
    { name: 'full', conntrack: { count: 262144, max: 262144 }, want: 100 },
    { name: 'no conntrack module', conntrack: null, want: null },
    { name: 'max 0 (bogus sysctl)', conntrack: { count: 3, max: 0 }, want: null },
  ])('$name', ({ conntrack, want }) => {
    expect(conntrackUsagePercent(historyOf([snap(0, { conntrack })]))).toBe(want);
  });

  it('is null before any snapshot', () => {
    expect(conntrackUsagePercent(emptyHistory())).toBeNull();
  });

  it('uses the latest snapshot only', () => {
    const h = historyOf([snap(0, { conntrack: { count: 900, max: 1000 } }), snap(1, { conntrack: { count: 100, max: 1000 } })]);
    expect(conntrackUsagePercent(h)).toBe(10);
  });
});
