/**
 * A YAML subset parser for checking our own collector config without a YAML dependency: block
 * mappings, block sequences (`- x`), flow sequences (`[a, b]`), plain/quoted scalars, comments.
 * Anything outside that subset throws, so the test notices when the file outgrows it.
 */
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  no: number;
  indent: number;
  text: string;
}

function stripComment(raw: string): string {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) return raw.slice(0, i);
  }
  return raw;
}

function scalar(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null') return null;
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new Error(`line ${no}: unterminated flow sequence`);
    const inner = t.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((p) => scalar(p, no));
  }
  if (t.startsWith('{')) throw new Error(`line ${no}: flow mappings are outside the subset`);
  if (t.startsWith('|') || t.startsWith('>')) throw new Error(`line ${no}: block scalars are outside the subset`);
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  return t;
}

/** Splits `key: value` at the first `: ` (or a trailing `:`), so `${env:X}` values survive. */
function splitKey(text: string, no: number): [string, string] {
  const m = /^([^\s:][^:]*?|"[^"]*"|'[^']*'):(?:\s+(.*))?$/.exec(text);
  if (!m) throw new Error(`line ${no}: expected "key: value", got ${JSON.stringify(text)}`);
  return [m[1]!.replace(/^["']|["']$/g, ''), m[2] ?? ''];
}

export function parseYaml(source: string): YamlValue {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tab in indentation`);
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '') return;
    lines.push({ no: i + 1, indent: text.length - text.trimStart().length, text: text.trim() });
  });
  let pos = 0;

  const block = (indent: number): YamlValue => {
    const first = lines[pos];
    if (!first || first.indent < indent) return null;
    if (first.text.startsWith('- ') || first.text === '-') {
      const items: YamlValue[] = [];
      while (pos < lines.length && lines[pos]!.indent === first.indent && lines[pos]!.text.startsWith('-')) {
        const line = lines[pos++]!;
        const rest = line.text.slice(1).trim();
        if (rest !== '' && /^[^\s"'[][^:]*:(\s|$)/.test(rest)) throw new Error(`line ${line.no}: mappings inside sequences are outside the subset`);
        items.push(rest === '' ? block(first.indent + 1) : scalar(rest, line.no));
      }
      return items;
    }
    const map: { [key: string]: YamlValue } = {};
    while (pos < lines.length && lines[pos]!.indent >= first.indent) {
      const line = lines[pos]!;
      if (line.indent !== first.indent) throw new Error(`line ${line.no}: unexpected indentation`);
      const [key, rest] = splitKey(line.text, line.no);
      if (key in map) throw new Error(`line ${line.no}: duplicate key ${key}`);
      pos++;
      map[key] = rest !== '' ? scalar(rest, line.no) : lines[pos] && lines[pos]!.indent > line.indent ? block(lines[pos]!.indent) : null;
    }
    return map;
  };

  const doc = block(0);
  if (pos !== lines.length) throw new Error(`line ${lines[pos]!.no}: could not parse`);
  return doc;
}
