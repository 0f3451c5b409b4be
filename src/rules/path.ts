/**
 * Condition `path`s (`$.close_wait`, `$.perSecond`, `$.remotes[0]`). json-rules-engine would
 * hand them to JSONPath; we accept only plain member and index access, resolved here, so a path
 * cannot run filter expressions and a typo is caught by `rules check`.
 */

export type PathSegment = string | number;

const SEGMENT = /\.([A-Za-z_][\w-]*)|\[(\d+)\]/y;

/** Segments of `$.a.b[0]` or `a.b[0]`, or null when the path is not in that form. */
export function parsePath(path: string): PathSegment[] | null {
  const text = path.startsWith('$') ? path.slice(1) : `.${path}`;
  if (text === '') return [];
  const out: PathSegment[] = [];
  let pos = 0;
  while (pos < text.length) {
    SEGMENT.lastIndex = pos;
    const m = SEGMENT.exec(text);
    if (!m) return null;
    out.push(m[1] !== undefined ? m[1] : Number(m[2]));
    pos = SEGMENT.lastIndex;
  }
  return out;
}

/** Own properties only: `__proto__` or `constructor` in a path find nothing. */
export function getPath(value: unknown, segments: readonly PathSegment[]): unknown {
  let cur = value;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, s)) return undefined;
    cur = (cur as Record<PathSegment, unknown>)[s];
  }
  return cur;
}

/** The pathResolver given to json-rules-engine. */
export function resolvePath(value: object, path: string): unknown {
  const segments = parsePath(path);
  return segments ? getPath(value, segments) : undefined;
}
