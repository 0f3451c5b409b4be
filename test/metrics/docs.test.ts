import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderMetricsMarkdown } from '../../src/metrics/docs.js';
import { METRICS } from '../../src/metrics/table.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'metrics.md');

describe('docs/metrics.md', () => {
  it('is in step with the metric table (run `npm run docs:metrics` after changing the table)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderMetricsMarkdown());
  });

  it('lists every metric with its unit and attributes', () => {
    const rows = renderMetricsMarkdown().split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(METRICS.length);
    for (const def of METRICS) {
      const row = rows.find((r) => r.startsWith(`| \`${def.name}\` |`));
      expect(row, def.name).toBeDefined();
      expect(row).toContain(`\`${def.unit}\``);
      for (const a of def.attributes) expect(row).toContain(`\`${a}\``);
    }
  });
});

describe('the metric table', () => {
  it('has unique names, semconv names for system.*, and netstat.* for the rest', () => {
    const names = METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^(system\.network|netstat)\.[a-z0-9_.]+$/);
  });

  it('uses the units and attributes DESIGN.md fixes for the semconv metrics', () => {
    const byName = new Map<string, (typeof METRICS)[number]>(METRICS.map((m) => [m.name, m]));
    const want: [string, string, string, string[]][] = [
      ['system.network.connection.count', 'updowncounter', '{connection}', ['network.transport', 'network.connection.state', 'network.type']],
      ['system.network.io', 'counter', 'By', ['network.interface.name', 'network.io.direction']],
      ['system.network.packet.count', 'counter', '{packet}', ['network.interface.name', 'network.io.direction']],
      ['system.network.errors', 'counter', '{error}', ['network.interface.name', 'network.io.direction']],
      ['system.network.packet.dropped', 'counter', '{packet}', ['network.interface.name', 'network.io.direction']],
      ['system.network.conntrack.count', 'updowncounter', '{entry}', []],
      ['system.network.conntrack.max', 'updowncounter', '{entry}', []],
    ];
    for (const [name, kind, unit, attributes] of want) {
      const def = byName.get(name);
      expect(def, name).toBeDefined();
      expect([def!.kind, def!.unit, [...def!.attributes]]).toEqual([kind, unit, attributes]);
    }
  });
});
