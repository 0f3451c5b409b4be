/**
 * Maps a JSON path (as validation reports it: `['rules', 2, 'severity']`) back to the line of that key
 * in the source text, so every rules error reads `FILE:LINE: reason`. JSON.parse keeps no
 * positions, hence this small scanner. It also finds the offset of a syntax error when
 * JSON.parse's message carries none (V8 says "Unexpected token" without a position for some
 * inputs), and reports duplicate keys, which JSON.parse silently resolves to the last one.
 */
import type { PathPart } from '../validation.js';

interface ObjectNode {
  kind: 'object';
  offset: number;
  members: Map<string, { keyOffset: number; node: JsonNode }>;
}
interface ArrayNode {
  kind: 'array';
  offset: number;
  items: JsonNode[];
}
interface ScalarNode {
  kind: 'scalar';
  offset: number;
}
type JsonNode = ObjectNode | ArrayNode | ScalarNode;

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface DuplicateKey {
  path: PathPart[];
  offset: number;
}

/** Converts offsets to 1-based line numbers. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

class Scanner {
  pos = 0;
  readonly duplicates: DuplicateKey[] = [];

  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new JsonSyntaxError(message, Math.min(this.pos, this.text.length));
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else break;
    }
  }

  value(path: PathPart[]): JsonNode {
    this.skipWhitespace();
    const offset = this.pos;
    const c = this.text[this.pos];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') {
      this.string();
      return { kind: 'scalar', offset };
    }
    if (c === undefined) this.fail('unexpected end of input');
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { kind: 'scalar', offset };
      }
    }
    const num = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 64));
    if (num) {
      this.pos += num[0].length;
      return { kind: 'scalar', offset };
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  string(): string {
    const start = this.pos;
    this.pos++; // opening quote
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '\\') this.pos += 2;
      else if (c === '"') {
        this.pos++;
        return JSON.parse(this.text.slice(start, this.pos)) as string;
      } else if (c !== undefined && c < ' ') this.fail('control character in string');
      else this.pos++;
    }
    this.pos = start;
    this.fail('unterminated string');
  }

  object(path: PathPart[]): ObjectNode {
    const node: ObjectNode = { kind: 'object', offset: this.pos, members: new Map() };
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return node;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a double-quoted property name');
      const keyOffset = this.pos;
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':' after property name");
      this.pos++;
      const child = this.value([...path, key]);
      if (node.members.has(key)) this.duplicates.push({ path: [...path, key], offset: keyOffset });
      node.members.set(key, { keyOffset, node: child });
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return node;
      }
      this.fail("expected ',' or '}' after property value");
    }
  }

  array(path: PathPart[]): ArrayNode {
    const node: ArrayNode = { kind: 'array', offset: this.pos, items: [] };
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return node;
    }
    for (;;) {
      node.items.push(this.value([...path, node.items.length]));
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return node;
      }
      this.fail("expected ',' or ']' after array element");
    }
  }
}

/** Positions of every key and value of a JSON text, for error messages. */
export class JsonLocator {
  readonly lines: LineIndex;
  private readonly root: JsonNode;
  readonly duplicates: DuplicateKey[];

  /** Throws JsonSyntaxError (with an offset) when the text is not JSON. */
  constructor(text: string) {
    this.lines = new LineIndex(text);
    const scanner = new Scanner(text);
    // A byte-order mark is not JSON; the loader strips it before both JSON.parse and this.
    this.root = scanner.value([]);
    scanner.skipWhitespace();
    if (scanner.pos < text.length) scanner.fail('unexpected text after the JSON value');
    this.duplicates = scanner.duplicates;
  }

  /**
   * Line of the deepest part of `path` that exists: the key's own line for object members, the
   * element's first line for array items. A path to a missing key (a required one) points at
   * the object that lacks it.
   */
  lineOf(path: readonly PathPart[]): number {
    let node: JsonNode = this.root;
    let offset = node.offset;
    for (const part of path) {
      if (node.kind === 'object' && typeof part === 'string') {
        const member = node.members.get(part);
        if (!member) break;
        offset = member.keyOffset;
        node = member.node;
      } else if (node.kind === 'array' && typeof part === 'number') {
        const item = node.items[part];
        if (!item) break;
        offset = item.offset;
        node = item;
      } else break;
    }
    return this.lines.lineOf(offset);
  }
}

/**
 * Line of a syntax error. Takes the position from JSON.parse's message when it has one
 * (`at position 42`, newer V8 also `(line 3 column 5)`), else from our own scanner.
 */
export function syntaxErrorLine(text: string, parseMessage: string): number {
  const lines = new LineIndex(text);
  const lineCol = /\(line (\d+) column \d+\)/.exec(parseMessage);
  if (lineCol) return Number(lineCol[1]);
  const position = /at position (\d+)/.exec(parseMessage);
  if (position) return lines.lineOf(Number(position[1]));
  try {
    new JsonLocator(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return lines.lineOf(err.offset);
  }
  // "Unexpected end of JSON input": the problem is at the end.
  return lines.lineCount;
}

/** `rules[2].conditions.all[0].fact`: how a path reads in a message. */
export function formatPath(path: readonly PathPart[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
