/**
 * Message templates: `{{conntrack.usagePercent}}`, `{{tcp.states.close_wait}}`, `{{item.port}}`.
 * A placeholder is a name looked up in plain data, never evaluated as code; a missing or null
 * value renders as `?`. Numbers are rounded for people (two decimals).
 */
import { getPath, parsePath } from './path.js';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_0-9][\w-]*)*$/;

/** The placeholders of a template, as written. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/**
 * Splits a placeholder into the fact it starts with and the path inside it: the longest dotted
 * prefix that is a known name wins (`tcp.states.close_wait` -> `tcp.states` + `close_wait`).
 */
export function splitReference(ref: string, isName: (name: string) => boolean): { name: string; path: string[] } | null {
  if (!NAME.test(ref)) return null;
  const parts = ref.split('.');
  for (let i = parts.length; i > 0; i--) {
    const name = parts.slice(0, i).join('.');
    if (isName(name)) return { name, path: parts.slice(i) };
  }
  return null;
}

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '?';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length ? value.map(formatValue).join(', ') : 'none';
  return JSON.stringify(value);
}

/** Renders with `values` (fact name -> value, plus `item`). Unknown names render as `?`. */
export function renderTemplate(template: string, values: Readonly<Record<string, unknown>>): string {
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(values, name);
  return template.replace(PLACEHOLDER, (_all, ref: string) => {
    const split = splitReference(ref, has);
    if (!split) return '?';
    const segments = parsePath(`$${split.path.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('')}`);
    return formatValue(segments ? getPath(values[split.name], segments) : undefined);
  });
}
