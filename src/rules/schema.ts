/**
 * The rules file format (DESIGN.md "Rules"), validated in two passes: valibot for the shape, then
 * our own walk over `conditions` and `message` for what a schema cannot know (fact names, operators,
 * paths, placeholders). Every problem becomes a ParseIssue with the line of the offending key.
 *
 * Per-item rules: `"each": "<list fact>"` evaluates the rule once per item of that list, with
 * the item available as the fact `item` (conditions) and `{{item.*}}` (message); each item for
 * which the conditions hold is its own alert instance, keyed by rule name + item key.
 */
import type { TopLevelCondition } from 'json-rules-engine';
import * as v from 'valibot';
import type { ParseIssue } from '../errors.js';
import { record, strictObject, validate, type PathPart } from '../validation.js';
import { Allowlist } from './allowlist.js';
import { durationField, parseDuration } from './duration.js';
import { checkEvidenceReference, EVIDENCE_NAME } from './evidence/index.js';
import { FACT_BY_NAME, ITEM_FACT } from './facts/index.js';
import { formatPath, JsonLocator, syntaxErrorLine } from './locate.js';
import { checkOperator } from './operators.js';
import { parsePath } from './path.js';
import { placeholders, splitReference } from './template.js';

export const MAX_RULES_FILE_BYTES = 1024 * 1024;
const MAX_CONDITION_DEPTH = 32;

const Duration = durationField('30s, 2m, 1h30m');

export const RuleSchema = strictObject({
  name: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'rule names use letters, digits and _ . : - (and start with a letter or digit)'),
  ),
  severity: v.picklist(['warning', 'critical']),
  description: v.string(),
  for: v.optional(Duration),
  each: v.optional(v.string()),
  // Checked by walkConditions: a schema union would report every branch of every node.
  conditions: record(v.string(), v.unknown()),
  message: v.pipe(v.string(), v.minLength(1)),
  labels: v.optional(
    record(
      v.pipe(v.string(), v.regex(/^[A-Za-z_][\w.]*$/, 'label names use letters, digits, _ and . (and start with a letter or _)')),
      v.string(),
    ),
  ),
});

/** How firing alerts gather evidence (see docs/rules.md, "Evidence"). */
export const EvidenceSettings = strictObject({
  comment: v.optional(v.string()),
  /** false: never read or send process command lines (they can hold secrets). Any file saying false wins. */
  commandLine: v.optional(v.boolean()),
});
export type EvidenceSettings = v.InferOutput<typeof EvidenceSettings>;

export const RulesFileSchema = strictObject({
  /** JSON has no comments; this key is for the people who edit the file. */
  comment: v.optional(v.string()),
  rules: v.optional(v.array(RuleSchema)),
  allowlist: v.optional(Allowlist),
  evidence: v.optional(EvidenceSettings),
});

export type Severity = 'warning' | 'critical';

/** A condition leaf as written: which fact (and path) it reads. Alert attributes come from these. */
export interface FactRef {
  fact: string;
  path: string | null;
}

export interface RuleSpec {
  name: string;
  severity: Severity;
  description: string;
  forMs: number;
  each: string | null;
  conditions: TopLevelCondition;
  message: string;
  labels: Record<string, string>;
  /** Source of the rule, for messages. */
  file: string;
  line: number;
  /** Facts the rule reads (conditions, `each`, message), without `item`. */
  facts: ReadonlySet<string>;
  /** Condition leaves and message placeholders over top-level facts. */
  refs: readonly FactRef[];
}

export interface RulesFileContent {
  file: string;
  rules: RuleSpec[];
  allowlist: Allowlist | null;
  evidence: EvidenceSettings | null;
}

export type ValidationResult = { ok: true; value: RulesFileContent } | { ok: false; issues: ParseIssue[] };

interface WalkContext {
  each: string | null;
  issues: { path: PathPart[]; reason: string }[];
  facts: Set<string>;
  refs: FactRef[];
}

const BOOLEAN_KEYS = ['all', 'any', 'not'] as const;
const LEAF_KEYS = new Set(['fact', 'operator', 'value', 'path', 'params', 'name', 'priority']);
const BOOLEAN_EXTRA_KEYS = new Set(['name', 'priority']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkFactName(name: unknown, path: PathPart[], ctx: WalkContext): boolean {
  if (typeof name !== 'string') {
    ctx.issues.push({ path, reason: 'fact must be a string' });
    return false;
  }
  if (name === ITEM_FACT) {
    if (ctx.each === null) ctx.issues.push({ path, reason: `fact "item" is only defined in a rule with "each"` });
    return ctx.each !== null;
  }
  if (!FACT_BY_NAME.has(name)) {
    ctx.issues.push({ path, reason: `unknown fact "${name}" (see docs/rules.md for the list)` });
    return false;
  }
  ctx.facts.add(name);
  return true;
}

function walkLeaf(node: Record<string, unknown>, path: PathPart[], ctx: WalkContext): void {
  for (const key of Object.keys(node)) {
    if (!LEAF_KEYS.has(key)) ctx.issues.push({ path: [...path, key], reason: `unknown key "${key}" in a condition` });
  }
  const factOk = checkFactName(node.fact, [...path, 'fact'], ctx);
  if (typeof node.operator !== 'string') {
    ctx.issues.push({ path: [...path, 'operator'], reason: 'operator must be a string' });
  } else {
    const problem = checkOperator(node.operator);
    if (problem) ctx.issues.push({ path: [...path, 'operator'], reason: problem });
  }
  if (!('value' in node)) ctx.issues.push({ path, reason: 'a condition needs a "value"' });
  let condPath: string | null = null;
  if (node.path !== undefined) {
    if (typeof node.path !== 'string' || parsePath(node.path) === null) {
      ctx.issues.push({ path: [...path, 'path'], reason: 'path must look like "$.field" or "$.list[0].field"' });
    } else condPath = node.path;
  }
  if (factOk && typeof node.fact === 'string' && node.fact !== ITEM_FACT) ctx.refs.push({ fact: node.fact, path: condPath });
  // `"value": { "fact": "x" }` compares with another fact; check that name too.
  if (isObject(node.value) && 'fact' in node.value) {
    checkFactName(node.value.fact, [...path, 'value', 'fact'], ctx);
    if (node.value.path !== undefined && (typeof node.value.path !== 'string' || parsePath(node.value.path) === null)) {
      ctx.issues.push({ path: [...path, 'value', 'path'], reason: 'path must look like "$.field"' });
    }
  }
}

function walkConditions(node: unknown, path: PathPart[], ctx: WalkContext, depth: number, top: boolean): void {
  if (depth > MAX_CONDITION_DEPTH) {
    ctx.issues.push({ path, reason: `conditions nested deeper than ${MAX_CONDITION_DEPTH}` });
    return;
  }
  if (!isObject(node)) {
    ctx.issues.push({ path, reason: 'a condition must be an object' });
    return;
  }
  const booleans = BOOLEAN_KEYS.filter((k) => k in node);
  if ('condition' in node) {
    ctx.issues.push({ path: [...path, 'condition'], reason: 'shared condition references are not supported' });
    return;
  }
  if (booleans.length > 1) {
    ctx.issues.push({ path, reason: `use one of all, any, not per object, not ${booleans.join(' and ')}` });
    return;
  }
  const op = booleans[0];
  if (op === undefined) {
    if (top) {
      ctx.issues.push({ path, reason: 'conditions must start with "all", "any" or "not"' });
      return;
    }
    if (!('fact' in node)) {
      ctx.issues.push({ path, reason: 'a condition needs "fact", "operator" and "value" (or all/any/not)' });
      return;
    }
    walkLeaf(node, path, ctx);
    return;
  }
  for (const key of Object.keys(node)) {
    if (key !== op && !BOOLEAN_EXTRA_KEYS.has(key)) {
      ctx.issues.push({ path: [...path, key], reason: `unknown key "${key}" next to "${op}"` });
    }
  }
  const child = node[op];
  if (op === 'not') {
    walkConditions(child, [...path, op], ctx, depth + 1, false);
    return;
  }
  if (!Array.isArray(child)) {
    ctx.issues.push({ path: [...path, op], reason: `"${op}" must be an array of conditions` });
    return;
  }
  child.forEach((c, i) => walkConditions(c, [...path, op, i], ctx, depth + 1, false));
}

/** Returns the `{{evidence...}}` placeholders' paths, checked once every fact the rule reads is known. */
function walkMessage(message: string, path: PathPart[], ctx: WalkContext): string[][] {
  const isName = (name: string): boolean =>
    FACT_BY_NAME.has(name) || name === EVIDENCE_NAME || (ctx.each !== null && name === ITEM_FACT);
  const evidence: string[][] = [];
  for (const ref of placeholders(message)) {
    const split = splitReference(ref, isName);
    if (!split) {
      ctx.issues.push({ path, reason: `unknown placeholder {{${ref}}} (a fact name${ctx.each ? ', item' : ''} or evidence, then fields)` });
    } else if (split.name === EVIDENCE_NAME) {
      evidence.push(split.path);
    } else if (split.name !== ITEM_FACT) {
      ctx.facts.add(split.name);
      ctx.refs.push({ fact: split.name, path: split.path.length ? `$.${split.path.join('.')}` : null });
    }
  }
  return evidence;
}

function checkEvidence(refs: string[][], path: PathPart[], ctx: WalkContext): void {
  for (const ref of refs) {
    const problem = checkEvidenceReference(ref, ctx);
    if (problem) ctx.issues.push({ path, reason: `{{${[EVIDENCE_NAME, ...ref].join('.')}}}: ${problem}` });
  }
}

/** V8 quotes the whole input in some messages ("Unexpected token ']', "{ ... }" is not valid JSON"); keep the point. */
export function cleanJsonMessage(message: string): string {
  return message.replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '').split('\n')[0] ?? message;
}

function toIssues(file: string, locator: JsonLocator, raw: { path: PathPart[]; reason: string }[]): ParseIssue[] {
  return raw
    .map((r) => ({
      file,
      line: locator.lineOf(r.path),
      reason: r.path.length ? `${formatPath(r.path)}: ${r.reason}` : r.reason,
    }))
    .sort((a, b) => a.line - b.line);
}

/** Parses and validates one rules file's text. `file` is only used in messages. */
export function parseRulesText(source: string, file: string): ValidationResult {
  const text = source.replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    return { ok: false, issues: [{ file, line: syntaxErrorLine(text, message), reason: `invalid JSON: ${cleanJsonMessage(message)}` }] };
  }
  const locator = new JsonLocator(text);
  const raw: { path: PathPart[]; reason: string }[] = locator.duplicates.map((d) => ({
    path: d.path,
    reason: 'duplicate key (JSON keeps only the last one)',
  }));
  if (!isObject(data)) {
    return { ok: false, issues: [{ file, line: 1, reason: 'a rules file is a JSON object: { "rules": [ ... ] }' }] };
  }
  // Unknown keys come with the key itself as the path, so the line is the key's own.
  const parsed = validate(RulesFileSchema, data);
  if (!parsed.success) {
    for (const problem of parsed.problems) raw.push({ path: problem.path, reason: problem.message });
  }

  // The semantic pass runs on the raw data too, so one `rules check` shows shape errors and
  // unknown facts/operators together instead of one after the other.
  const rawRules: unknown[] = Array.isArray(data.rules) ? data.rules : [];
  const rules: RuleSpec[] = [];
  const seen = new Map<string, number>();
  rawRules.forEach((rule, i) => {
    if (!isObject(rule)) return;
    const base: PathPart[] = ['rules', i];
    const each = typeof rule.each === 'string' ? rule.each : null;
    const ctx: WalkContext = { each, issues: [], facts: new Set(), refs: [] };
    if (each !== null) {
      const def = FACT_BY_NAME.get(each);
      if (!def) ctx.issues.push({ path: [...base, 'each'], reason: `unknown fact "${each}"` });
      else if (!def.item) ctx.issues.push({ path: [...base, 'each'], reason: `"${each}" is not a list fact; each needs one` });
      else ctx.facts.add(each);
    }
    if (isObject(rule.conditions)) walkConditions(rule.conditions, [...base, 'conditions'], ctx, 0, true);
    if (typeof rule.message === 'string') checkEvidence(walkMessage(rule.message, [...base, 'message'], ctx), [...base, 'message'], ctx);
    const line = locator.lineOf([...base, 'name']);
    if (typeof rule.name === 'string') {
      const earlier = seen.get(rule.name);
      if (earlier !== undefined) {
        ctx.issues.push({ path: [...base, 'name'], reason: `rule name "${rule.name}" already used at line ${earlier}` });
      }
      seen.set(rule.name, line);
    }
    raw.push(...ctx.issues);
    const valid = parsed.success ? parsed.output.rules?.[i] : undefined;
    if (!valid) return;
    rules.push({
      name: valid.name,
      severity: valid.severity,
      description: valid.description,
      forMs: valid.for ? (parseDuration(valid.for) ?? 0) : 0,
      each: valid.each ?? null,
      conditions: valid.conditions as unknown as TopLevelCondition,
      message: valid.message,
      labels: valid.labels ?? {},
      file,
      line,
      facts: ctx.facts,
      refs: ctx.refs,
    });
  });
  if (raw.length || !parsed.success) return { ok: false, issues: toIssues(file, locator, raw) };
  return { ok: true, value: { file, rules, allowlist: parsed.output.allowlist ?? null, evidence: parsed.output.evidence ?? null } };
}
