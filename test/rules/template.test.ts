import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatValue, placeholders, renderTemplate } from '../../src/rules/template.js';

describe('renderTemplate', () => {
  const values = {
    'conntrack.usagePercent': 82.34567,
    'tcp.states': { close_wait: 7 },
    'routes.changed': { added: ['a', 'b'], removed: [] },
    item: { port: 8080, process: null, address: '::' },
  };

  it.each([
    ['conntrack at {{conntrack.usagePercent}}%', 'conntrack at 82.35%'],
    ['{{ tcp.states.close_wait }} in CLOSE_WAIT', '7 in CLOSE_WAIT'],
    ['port {{item.port}} by {{item.process}} on {{item.address}}', 'port 8080 by ? on ::'],
    ['added {{routes.changed.added}}; removed {{routes.changed.removed}}', 'added a, b; removed none'],
    ['{{missing.fact}} {{item.nope}} {{}} {{a b}}', '? ? ? ?'],
    ['no placeholders', 'no placeholders'],
  ])('%s', (template, want) => {
    expect(renderTemplate(template, values)).toBe(want);
  });

  it('never evaluates code or walks prototypes', () => {
    expect(renderTemplate('{{item.constructor}} {{item.__proto__}} {{process.exit()}} {{toString}}', values)).toBe('? ? ? ?');
  });

  it('renders any value without throwing', () => {
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (template, value) => {
        expect(typeof renderTemplate(template, { x: value, item: value })).toBe('string');
      }),
    );
  });

  it('formats numbers for people', () => {
    expect(formatValue(1 / 3)).toBe('0.33');
    expect(formatValue(12)).toBe('12');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(undefined)).toBe('?');
  });

  it('lists placeholders', () => {
    expect(placeholders('{{a}} and {{ b.c }}')).toEqual(['a', 'b.c']);
  });
});
