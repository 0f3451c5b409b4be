import { describe, expect, it } from 'vitest';
import { formatPath, JsonLocator, syntaxErrorLine } from '../../src/rules/locate.js';

const text = `{
  "rules": [
    {
      "name": "a",
      "conditions": { "all": [
        { "fact": "x" },
        {
          "fact": "y"
        }
      ] }
    }
  ],
  "allowlist": { "ports": [22,
    80] }
}`;

describe('JsonLocator', () => {
  const loc = new JsonLocator(text);
  it.each([
    { path: [], line: 1 },
    { path: ['rules'], line: 2 },
    { path: ['rules', 0], line: 3 },
    { path: ['rules', 0, 'name'], line: 4 },
    { path: ['rules', 0, 'conditions', 'all', 0, 'fact'], line: 6 },
    { path: ['rules', 0, 'conditions', 'all', 1, 'fact'], line: 8 },
    { path: ['allowlist', 'ports', 1], line: 14 },
    // missing key: the object that lacks it
    { path: ['rules', 0, 'severity'], line: 3 },
    { path: ['rules', 5, 'name'], line: 2 },
  ])('$path -> line $line', ({ path, line }) => {
    expect(loc.lineOf(path)).toBe(line);
  });

  it('reports duplicate keys', () => {
    const d = new JsonLocator('{\n "a": 1,\n "b": { "c": 1,\n "c": 2 }\n}');
    expect(d.duplicates.map((x) => [x.path, d.lines.lineOf(x.offset)])).toEqual([[['b', 'c'], 4]]);
  });

  it('handles escapes and unicode in keys', () => {
    const l = new JsonLocator('{"a\\"b": 1,\n"é": [1, {"z": true}]}');
    expect(l.lineOf(['é', 1, 'z'])).toBe(2);
  });
});

describe('syntaxErrorLine', () => {
  it.each([
    { text: '{\n "a": 1,\n}', line: 3 },
    { text: '{\n"a": [1,\n 2', line: 3 },
    { text: '{"a":\n tru}', line: 2 },
    { text: '', line: 1 },
    { text: '{\n"a": 1\n}\n}', line: 4 },
  ])('$text', ({ text: t, line }) => {
    let message = '';
    try {
      JSON.parse(t);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(syntaxErrorLine(t, message)).toBe(line);
  });
});

describe('formatPath', () => {
  it('reads like code', () => {
    expect(formatPath(['rules', 2, 'conditions', 'all', 0, 'fact'])).toBe('rules[2].conditions.all[0].fact');
    expect(formatPath(['labels', 'a b'])).toBe('labels["a b"]');
  });
});
