/**
 * Rule evaluation with json-rules-engine. A rule set is compiled once per (re)load into fresh
 * Engines; evaluating is a pure step from (facts, rules) to the alert instances whose conditions
 * hold now. Nothing here remembers the previous evaluation.
 *
 * Rules are grouped into one Engine per (each-fact, listener-only) pair: a global group run once,
 * per-item groups run once per item with the item as the fact `item`, and listener-only groups
 * kept apart so the fast listener watch can run them alone.
 */
import { Engine } from 'json-rules-engine';
import type { AlertAttributes, AlertInstance } from '../alerts/types.js';
import { compileAllowlists, type Allowlist, type ListenerMatcher } from './allowlist.js';
import { EVIDENCE_NAME, type EvidenceSource } from './evidence/index.js';
import { FACT_BY_NAME, ITEM_FACT, type FactValues } from './facts/index.js';
import { installOperators } from './operators.js';
import { getPath, parsePath, resolvePath } from './path.js';
import type { EvidenceSettings, RuleSpec } from './schema.js';
import { renderTemplate } from './template.js';

export type Scope = 'all' | 'listeners';

interface Group {
  each: string | null;
  listenerOnly: boolean;
  engine: Engine;
  rules: Map<string, RuleSpec>;
}

export interface CompiledRules {
  readonly rules: readonly RuleSpec[];
  readonly allowlist: ListenerMatcher;
  /** Facts needed by the rules of each scope: only these are computed. */
  readonly facts: Readonly<Record<Scope, ReadonlySet<string>>>;
  /** Names of the rules the listener watch evaluates. */
  readonly listenerRules: ReadonlySet<string>;
  readonly groups: readonly Group[];
  /** Evidence settings of all loaded files, merged: `commandLine` is off when any file turns it off. */
  readonly evidence: { readonly commandLine: boolean };
}

export interface EvaluationError {
  rule: string;
  message: string;
}

export interface Evaluation {
  instances: AlertInstance[];
  errors: EvaluationError[];
}

/** A rule only over listeners.new / listeners.unexpected (and its item) is cheap to run every second. */
export function isListenerRule(rule: RuleSpec): boolean {
  return rule.facts.size > 0 && [...rule.facts].every((f) => FACT_BY_NAME.get(f)?.listenerOnly === true);
}

export function compileRules(
  rules: readonly RuleSpec[],
  allowlists: readonly Allowlist[],
  evidence: readonly EvidenceSettings[] = [],
): CompiledRules {
  const groups = new Map<string, Group>();
  const facts: Record<Scope, Set<string>> = { all: new Set(), listeners: new Set() };
  const listenerRules = new Set<string>();
  for (const rule of rules) {
    const listenerOnly = isListenerRule(rule);
    const id = `${rule.each ?? ''}|${listenerOnly}`;
    let group = groups.get(id);
    if (!group) {
      // Options: unknown facts are impossible after validation; the path resolver is ours (path.ts).
      const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: resolvePath });
      installOperators(engine);
      group = { each: rule.each, listenerOnly, engine, rules: new Map() };
      groups.set(id, group);
    }
    group.engine.addRule({ name: rule.name, priority: 1, conditions: rule.conditions, event: { type: rule.name } });
    group.rules.set(rule.name, rule);
    for (const f of rule.facts) facts.all.add(f);
    if (listenerOnly) {
      listenerRules.add(rule.name);
      for (const f of rule.facts) facts.listeners.add(f);
    }
  }
  return {
    rules,
    allowlist: compileAllowlists(allowlists),
    facts,
    listenerRules,
    groups: [...groups.values()],
    evidence: { commandLine: evidence.every((e) => e.commandLine !== false) },
  };
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function toAttribute(v: unknown): AlertAttributes[string] | undefined {
  if (isScalar(v)) return v;
  if (Array.isArray(v) && v.every(isScalar)) return v;
  return undefined;
}

/**
 * The facts a rule read, as `netstat.fact.<fact>[.<path>]` attributes: a path condition gives
 * that value, a whole object fact gives its scalar fields, so an alert shows the numbers that
 * triggered it.
 */
function factAttributes(rule: RuleSpec, facts: FactValues): AlertAttributes {
  const out: AlertAttributes = {};
  for (const ref of rule.refs) {
    const value = facts[ref.fact];
    if (ref.path !== null) {
      const segments = parsePath(ref.path);
      const v = toAttribute(segments ? getPath(value, segments) : undefined);
      if (v !== undefined) out[`netstat.fact.${ref.fact}${ref.path.replace(/^\$/, '')}`] = v;
      continue;
    }
    const whole = toAttribute(value);
    if (whole !== undefined) out[`netstat.fact.${ref.fact}`] = whole;
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) {
        const a = toAttribute(v);
        if (a !== undefined) out[`netstat.fact.${ref.fact}.${k}`] = a;
      }
    }
  }
  return out;
}

interface Item {
  key: string;
  value: unknown;
  attributes: AlertAttributes;
}

function keyOf(rule: RuleSpec, item: Item | null): string {
  return item ? `${rule.name}|${item.key}` : rule.name;
}

/**
 * Evidence is gathered only for alerts that are firing or fire now (the source decides), so a
 * pending alert's message shows `?` for `{{evidence.*}}` and a quiet host pays nothing for it.
 */
function instanceOf(rule: RuleSpec, facts: FactValues, item: Item | null, evidence: EvidenceSource | undefined): AlertInstance {
  const key = keyOf(rule, item);
  const found = evidence?.wanted(key, rule.forMs) ? evidence.collect(rule, item?.value ?? null) : null;
  const values: FactValues = { ...facts };
  if (item) values[ITEM_FACT] = item.value;
  if (found) values[EVIDENCE_NAME] = found.values;
  return {
    key,
    rule: rule.name,
    severity: rule.severity,
    forMs: rule.forMs,
    message: renderTemplate(rule.message, values),
    // Labels first: they must not overwrite what the alert is about; nor may evidence overwrite the item's identity.
    attributes: { ...rule.labels, ...factAttributes(rule, facts), ...(found?.attributes ?? {}), ...(item?.attributes ?? {}) },
  };
}

async function passing(group: Group, facts: FactValues, errors: EvaluationError[]): Promise<RuleSpec[]> {
  try {
    const result = await group.engine.run({ ...facts });
    return result.results.map((r) => group.rules.get(r.name)).filter((r): r is RuleSpec => r !== undefined);
  } catch (err) {
    // One broken group (an operator throwing on odd input) must not silence the others.
    errors.push({ rule: [...group.rules.keys()].join(', '), message: (err as Error).message });
    return [];
  }
}

/**
 * The alert instances whose conditions hold for these facts. Pure apart from awaiting the engine
 * (and what the evidence source reads, for alerts that fire).
 */
export async function evaluateRules(
  compiled: CompiledRules,
  facts: FactValues,
  scope: Scope = 'all',
  evidence?: EvidenceSource,
): Promise<Evaluation> {
  const instances = new Map<string, AlertInstance>();
  const errors: EvaluationError[] = [];
  for (const group of compiled.groups) {
    if (scope === 'listeners' && !group.listenerOnly) continue;
    if (group.each === null) {
      for (const rule of await passing(group, facts, errors)) {
        const inst = instanceOf(rule, facts, null, evidence);
        instances.set(inst.key, inst);
      }
      continue;
    }
    const spec = FACT_BY_NAME.get(group.each)?.item;
    const items = facts[group.each];
    if (!spec || !Array.isArray(items)) continue;
    for (const value of items) {
      const matched = await passing(group, { ...facts, [ITEM_FACT]: value }, errors);
      if (matched.length === 0) continue;
      const item: Item = { key: spec.key(value), value, attributes: spec.attributes(value) };
      for (const rule of matched) {
        // Two sockets with one key (SO_REUSEPORT): one alert, the first one seen.
        if (instances.has(keyOf(rule, item))) continue;
        const inst = instanceOf(rule, facts, item, evidence);
        instances.set(inst.key, inst);
      }
    }
  }
  return { instances: [...instances.values()], errors };
}
