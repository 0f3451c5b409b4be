/**
 * Shape validation with valibot, worded for the person editing a rules, test or config file.
 * valibot's own messages are written for developers ("Invalid type: Expected string but received
 * 123", "Invalid key: Expected never but received "foo""); here every problem says what was
 * expected and what the file holds, and an unknown key is named and pointed at (every unknown
 * key, not only the first one valibot reports per object).
 *
 * Use `strictObject` and `record` from here rather than valibot's: valibot takes an array for an
 * object (`[]` would pass as `{}`), and its strictObject stops at the first unknown key.
 */
import * as v from 'valibot';

export type PathPart = string | number;

export interface Problem {
  /** Where: for an unknown key, the key itself (so a line locator points at it). */
  path: PathPart[];
  message: string;
  /** What a message names: the object holding an unknown key (the message names the key), else `path`. */
  owner: PathPart[];
}

export type Validated<T> = { success: true; output: T } | { success: false; problems: Problem[] };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as the file shows it: `"text"`, `42`, `true`, `null`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  Object: 'an object',
  Array: 'an array',
  null: 'null',
};

function alternatives(list: string[]): string {
  if (list.length <= 1) return list[0] ?? 'nothing';
  const last = list[list.length - 1];
  return `${list.length > 2 ? 'one of ' : ''}${list.slice(0, -1).join(', ')} or ${last}`;
}

/** valibot's `expects` (`string`, `("warning" | "critical")`, `(number | null)`) in words. */
function describeExpected(expects: string): string {
  const parts = expects
    .replace(/[()]/g, '')
    .split(' | ')
    .map((p) => TYPE_NAMES[p.trim()] ?? p.trim());
  return alternatives([...new Set(parts)]);
}

/** What a schema accepts, in words; a pipe is described by its last schema (ours start with a plain-object guard). */
function describeSchema(schema: v.GenericSchema): string {
  const pipe = (schema as { pipe?: readonly { kind: string; expects: string | null }[] }).pipe;
  const last = pipe?.filter((item) => item.kind === 'schema').at(-1);
  return describeExpected(last?.expects ?? schema.expects);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The message for an issue the schema gives no message of its own (the checks used in this project; others keep valibot's). */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const found = describeValue(issue.input);
  const requirement = issue.requirement;
  switch (issue.type) {
    case 'min_length': {
      const n = Number(requirement);
      if (typeof issue.input === 'string') return n === 1 ? 'must not be empty' : `expected at least ${plural(n, 'character', 'characters')}, found ${found}`;
      return `needs at least ${plural(n, 'entry', 'entries')}`;
    }
    case 'min_value':
      return `expected at least ${String(requirement)}, found ${found}`;
    case 'max_value':
      return `expected at most ${String(requirement)}, found ${found}`;
    case 'gt_value':
      return `expected more than ${String(requirement)}, found ${found}`;
    case 'integer':
      return `expected a whole number, found ${found}`;
    case 'regex':
      return `expected text matching ${String(requirement)}, found ${found}`;
    default:
      if (issue.kind === 'schema' && issue.expected !== null) return `expected ${describeExpected(issue.expected)}, found ${found}`;
      return issue.message;
  }
}

/** Unknown keys after the first, by the issue valibot raised for the first (it reports one per object). */
const moreUnknownKeys = new WeakMap<v.BaseIssue<unknown>, string[]>();

const notAnObject = (issue: v.BaseIssue<unknown>) => `expected an object, found ${describeValue(issue.input)}`;

/**
 * valibot's strictObject for JSON objects only (not arrays), with every unknown key reported:
 * `unknown key "foo"`, pointed at the key; a missing required key says what it should hold.
 */
export function strictObject<const E extends v.ObjectEntries>(entries: E) {
  const schema = v.strictObject(entries, (issue) => {
    const at = issue.path?.[issue.path.length - 1];
    if (issue.expected === 'never' && at?.type === 'object') {
      const unknown = Object.keys(at.input).filter((key) => !Object.hasOwn(entries, key));
      moreUnknownKeys.set(issue, unknown.filter((key) => key !== at.key));
      return `unknown key ${JSON.stringify(at.key)}`;
    }
    if (at?.type === 'object' && issue.input === undefined) {
      const entry = entries[at.key];
      return entry ? `missing (expected ${describeSchema(entry)})` : 'missing';
    }
    return describeIssue(issue);
  });
  return v.pipe(v.custom<v.InferInput<typeof schema>>(isPlainObject, notAnObject), schema);
}

/** Keys valibot's record leaves out of its output; refused, so that nothing in a file is silently dropped. */
const RESERVED_KEYS = ['__proto__', 'prototype', 'constructor'];

/** valibot's record for JSON objects only (not arrays). */
export function record<const K extends v.GenericSchema<string, string | number | symbol>, const V extends v.GenericSchema>(key: K, value: V) {
  const schema = v.record(key, value);
  type Input = v.InferInput<typeof schema>;
  const reserved = v.rawCheck<Input>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const input = dataset.value as Record<string, unknown>;
    for (const name of RESERVED_KEYS.filter((k) => Object.hasOwn(input, k))) {
      addIssue({
        message: `${JSON.stringify(name)} cannot be used as a key here`,
        path: [{ type: 'object', origin: 'key', input, key: name, value: input[name] }],
      });
    }
  });
  return v.pipe(v.custom<Input>(isPlainObject, notAnObject), reserved, schema);
}

function pathOf(issue: v.BaseIssue<unknown>): PathPart[] {
  return (issue.path ?? []).map((item) => item.key).filter((key): key is PathPart => typeof key === 'string' || typeof key === 'number');
}

/** Validates `data`, collecting every problem (not only the first). */
export function validate<const S extends v.GenericSchema>(schema: S, data: unknown): Validated<v.InferOutput<S>> {
  const result = v.safeParse(schema, data, { message: describeIssue });
  if (result.success) return { success: true, output: result.output };
  const problems: Problem[] = [];
  for (const issue of result.issues) {
    const path = pathOf(issue);
    const unknownKey = issue.type === 'strict_object' && issue.expected === 'never';
    const owner = unknownKey ? path.slice(0, -1) : path;
    problems.push({ path, message: issue.message, owner });
    for (const key of moreUnknownKeys.get(issue) ?? []) {
      problems.push({ path: [...owner, key], message: `unknown key ${JSON.stringify(key)}`, owner });
    }
  }
  return { success: false, problems };
}
