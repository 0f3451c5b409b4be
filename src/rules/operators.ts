/**
 * Operators a condition may use: json-rules-engine's own, its decorators (`someFact:greaterThan`,
 * `not:in`), and a few network ones of ours. Validation checks names against this list, because
 * json-rules-engine only finds an unknown operator when it first evaluates it.
 */
import { Operator, type Engine } from 'json-rules-engine';
import { addressIn, cidrSet, parsePortSpec } from './allowlist.js';

export const BUILTIN_OPERATORS = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
] as const;

export const DECORATORS = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'] as const;

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function inPorts(port: unknown, specs: unknown): boolean {
  if (typeof port !== 'number') return false;
  return asList(specs).some((s) => {
    const range = typeof s === 'number' || typeof s === 'string' ? parsePortSpec(s) : null;
    return range !== null && port >= range[0] && port <= range[1];
  });
}

function inCidr(address: unknown, cidrs: unknown): boolean {
  if (typeof address !== 'string') return false;
  return addressIn(cidrSet(asList(cidrs).filter((c): c is string => typeof c === 'string')), address);
}

/** Ours: address in CIDR(s), port in ports/ranges (`[22, "8000-8100"]`). */
export const CUSTOM_OPERATORS: readonly Operator[] = [
  new Operator('inCidr', inCidr),
  new Operator('notInCidr', (a, b) => typeof a === 'string' && !inCidr(a, b)),
  new Operator('inPorts', inPorts),
  new Operator('notInPorts', (a, b) => typeof a === 'number' && !inPorts(a, b)),
];

const KNOWN = new Set<string>([...BUILTIN_OPERATORS, ...CUSTOM_OPERATORS.map((o) => o.name)]);
const KNOWN_DECORATORS = new Set<string>(DECORATORS);

/** null when usable, else the reason. */
export function checkOperator(name: string): string | null {
  const parts = name.split(':');
  const base = parts.pop() ?? '';
  const badDecorator = parts.find((p) => !KNOWN_DECORATORS.has(p));
  if (badDecorator !== undefined) {
    return `unknown operator decorator "${badDecorator}" (known: ${DECORATORS.join(', ')})`;
  }
  if (!KNOWN.has(base)) return `unknown operator "${base}" (known: ${[...KNOWN].join(', ')})`;
  return null;
}

export function installOperators(engine: Engine): void {
  for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
}
