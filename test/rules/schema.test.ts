import { describe, expect, it } from 'vitest';
import { parseRulesText } from '../../src/rules/schema.js';

const rule = (extra: Record<string, unknown> = {}) => ({
  name: 'r1',
  severity: 'warning',
  description: 'd',
  conditions: { all: [{ fact: 'conntrack.usagePercent', operator: 'greaterThan', value: 80 }] },
  message: 'at {{conntrack.usagePercent}}%',
  ...extra,
});
const file = (rules: unknown[], rest: Record<string, unknown> = {}) => JSON.stringify({ rules, ...rest }, null, 2);

function problems(text: string): string[] {
  const r = parseRulesText(text, 'f.json');
  return r.ok ? [] : r.issues.map((i) => `${i.line}: ${i.reason}`);
}

describe('parseRulesText', () => {
  it('accepts a valid file and records what each rule reads', () => {
    const r = parseRulesText(file([rule({ for: '1h30m', labels: { team: 'net' } })]), 'f.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [spec] = r.value.rules;
    expect(spec).toMatchObject({ name: 'r1', forMs: 90 * 60_000, each: null, line: 4, labels: { team: 'net' } });
    expect([...(spec?.facts ?? [])]).toEqual(['conntrack.usagePercent']);
  });

  it('accepts a file with only an allowlist', () => {
    expect(problems(JSON.stringify({ allowlist: { ports: [22, '8000-8100'], cidrs: ['10.0.0.0/8', '::1'], processes: ['sshd'] } }))).toEqual([]);
  });

  it('points shape errors at the line of the key', () => {
    const text = file([rule(), rule({ name: 'r2', severity: 'page', extra: 1 })]);
    expect(problems(text)).toEqual([
      '20: rules[1].severity: expected "warning" or "critical", found "page"',
      '32: rules[1].extra: unknown key "extra"',
    ]);
  });

  it('names every unknown key at its own line and says what a wrong or missing value should be', () => {
    const text = file([rule({ description: 5, extra: 1, extra2: true }), { name: 'r2', conditions: [] }], { evidence: [] });
    expect(problems(text)).toEqual([
      '6: rules[0].description: expected a string, found 5',
      '17: rules[0].extra: unknown key "extra"',
      '18: rules[0].extra2: unknown key "extra2"',
      '20: rules[1].severity: missing (expected "warning" or "critical")',
      '20: rules[1].description: missing (expected a string)',
      '20: rules[1].message: missing (expected a string)',
      '22: rules[1].conditions: expected an object, found an array',
      '25: evidence: expected an object, found an array',
    ]);
    // valibot's record leaves these keys out of its output; a label must not vanish silently.
    expect(problems(file([rule({ labels: { constructor: 'x' } })]))).toEqual(['18: rules[0].labels.constructor: "constructor" cannot be used as a key here']);
  });

  it('rejects unknown facts, operators, paths and placeholders, each at its line', () => {
    const text = file([
      rule({
        conditions: {
          any: [
            { fact: 'conntrack.usage', operator: 'greaterThan', value: 1 },
            { fact: 'tcp.states', path: '$..x', operator: 'someFact:greaterThen', value: 1 },
            { fact: 'tcp.states', operator: 'bogus:equal', value: { fact: 'nope' } },
          ],
        },
        message: '{{conntrack.usagePercent}} {{tcp.states.close_wait}} {{nope.x}} {{item.port}}',
      }),
    ]);
    const p = problems(text);
    expect(p).toHaveLength(7);
    expect(p[0]).toMatch(/^10: rules\[0\]\.conditions\.any\[0\]\.fact: unknown fact "conntrack.usage"/);
    expect(p.some((x) => /^16: .*path: path must look like/.test(x))).toBe(true);
    expect(p.some((x) => /^17: .*operator: unknown operator "greaterThen"/.test(x))).toBe(true);
    expect(p.some((x) => /^22: .*operator: unknown operator decorator "bogus"/.test(x))).toBe(true);
    expect(p.some((x) => /^24: .*value\.fact: unknown fact "nope"/.test(x))).toBe(true);
    expect(p.filter((x) => /^29: rules\[0\]\.message: unknown placeholder \{\{(nope\.x|item\.port)\}\}/.test(x))).toHaveLength(2);
  });

  it('requires all/any/not at the top and known keys in conditions', () => {
    expect(problems(file([rule({ conditions: { fact: 'tcp.states', operator: 'equal', value: 1 } })]))[0]).toMatch(
      /conditions: conditions must start with "all", "any" or "not"/,
    );
    expect(problems(file([rule({ conditions: { all: [{ fact: 'tcp.states', operator: 'equal', value: 1, paht: '$.x' }] } })]))[0]).toMatch(
      /all\[0\]\.paht: unknown key "paht" in a condition/,
    );
    expect(problems(file([rule({ conditions: { all: [{ condition: 'shared' }] } })]))[0]).toMatch(/shared condition references/);
    expect(problems(file([rule({ conditions: { all: [{ fact: 'tcp.states', operator: 'equal' }] } })]))[0]).toMatch(/needs a "value"/);
  });

  it('allows item only with each, and each only over a list fact', () => {
    const itemRule = { conditions: { all: [{ fact: 'item', path: '$.port', operator: 'inPorts', value: ['1-1024'] }] }, message: '{{item.port}}' };
    expect(problems(file([rule({ ...itemRule, each: 'listeners.unexpected' })]))).toEqual([]);
    expect(problems(file([rule(itemRule)])).join('\n')).toMatch(/fact "item" is only defined in a rule with "each"/);
    expect(problems(file([rule({ ...itemRule, each: 'conntrack.usagePercent' })])).join('\n')).toMatch(/is not a list fact/);
    expect(problems(file([rule({ ...itemRule, each: 'listeners.nope' })])).join('\n')).toMatch(/unknown fact "listeners.nope"/);
  });

  it('rejects duplicate rule names in one file, and duplicate keys', () => {
    expect(problems(file([rule(), rule()]))).toEqual(['19: rules[1].name: rule name "r1" already used at line 4']);
    expect(problems('{\n "rules": [],\n "rules": []\n}')).toEqual(['3: rules: duplicate key (JSON keeps only the last one)']);
  });

  it('validates durations, names and allowlist entries', () => {
    expect(problems(file([rule({ for: '5 minutes' })]))[0]).toMatch(/for: not a duration/);
    expect(problems(file([rule({ name: 'has space' })]))[0]).toMatch(/name: rule names use/);
    const bad = problems(file([], { allowlist: { ports: ['100-10', 70000], cidrs: ['10.0.0.0/33', 'host'], listeners: [{ comment: 'x' }] } }));
    expect(bad).toHaveLength(5);
    expect(bad.join('\n')).toMatch(/must name at least one of/);
  });

  it('reports invalid JSON with the line of the error', () => {
    // The wording is V8's and varies between Node versions; the line is ours.
    expect(problems('{\n  "rules": [\n    { "name": "x", },\n  ]\n}')).toEqual([expect.stringMatching(/^3: invalid JSON: \S/)]);
    expect(problems('[]')).toEqual(['1: a rules file is a JSON object: { "rules": [ ... ] }']);
    expect(problems('\uFEFF{"rules": []}')).toEqual([]);
  });
});
