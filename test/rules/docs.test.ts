import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVIDENCE, renderEvidenceTable } from '../../src/rules/evidence/index.js';
import { FACTS, renderFactsTable } from '../../src/rules/facts/index.js';

const DOC = readFileSync(path.resolve(import.meta.dirname, '../../docs/rules.md'), 'utf8');
const RULES_DIR = path.resolve(import.meta.dirname, '../../rules');
/** Every rule of every shipped file (`rules/*.json`), so a new file cannot go undocumented. */
const SHIPPED = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => (JSON.parse(readFileSync(path.join(RULES_DIR, f), 'utf8')) as { rules?: { name: string }[] }).rules ?? []);

describe('docs/rules.md', () => {
  it('has the facts table generated from the fact table in the code', () => {
    const between = /<!-- facts-table[^>]*-->\n([\s\S]*?)\n<!-- \/facts-table -->/.exec(DOC)?.[1];
    expect(between).toBe(renderFactsTable());
  });

  it('has the evidence table generated from the evidence table in the code', () => {
    const between = /<!-- evidence-table[^>]*-->\n([\s\S]*?)\n<!-- \/evidence-table -->/.exec(DOC)?.[1];
    expect(between).toBe(renderEvidenceTable());
    for (const f of EVIDENCE) expect(DOC).toContain(`\`${f.name}\``);
  });

  it('shows the evidence of every shipped rule in the per-rule table', () => {
    const section = DOC.split('### Evidence per shipped rule')[1]?.split('###')[0] ?? '';
    for (const r of SHIPPED) expect(section, r.name).toContain(`\`${r.name}\``);
  });

  it('documents every fact and every shipped rule', () => {
    for (const f of FACTS) expect(DOC).toContain(`\`${f.name}\``);
    for (const r of SHIPPED) expect(DOC).toContain(`| \`${r.name}\` |`);
  });
});
