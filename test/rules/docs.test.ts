import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FACTS, renderFactsTable } from '../../src/rules/facts/index.js';

const DOC = readFileSync(path.resolve(import.meta.dirname, '../../docs/rules.md'), 'utf8');

describe('docs/rules.md', () => {
  it('has the facts table generated from the fact table in the code', () => {
    const between = /<!-- facts-table[^>]*-->\n([\s\S]*?)\n<!-- \/facts-table -->/.exec(DOC)?.[1];
    expect(between).toBe(renderFactsTable());
  });

  it('documents every fact and every shipped rule', () => {
    for (const f of FACTS) expect(DOC).toContain(`\`${f.name}\``);
    const rules = ['conntrack', 'tcp', 'listeners', 'interfaces', 'routes', 'firewall'].flatMap(
      (f) => (JSON.parse(readFileSync(path.resolve(import.meta.dirname, `../../rules/${f}.json`), 'utf8')) as { rules: { name: string }[] }).rules,
    );
    for (const r of rules) expect(DOC).toContain(`| \`${r.name}\` |`);
  });
});
