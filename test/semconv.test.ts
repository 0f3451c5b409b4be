import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import * as ours from '../src/semconv.js';

describe('semantic-convention names copied from @opentelemetry/semantic-conventions', () => {
  it('every copy equals the package value of the same name', () => {
    const names = Object.keys(ours);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect([name, ours[name as keyof typeof ours]]).toEqual([name, incubating[name as keyof typeof incubating]]);
  });
});
