/**
 * Parser for `tasklist /fo csv /nh`: the fallback sampler's pid → image name table (netstat -ano
 * has pids only, and `-b` needs elevation). Rows look like
 * `"svchost.exe","1712","Services","0","12,345 K"`; fields are quoted because memory sizes
 * contain the locale's thousands separator.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import { parseCount, splitLines } from '../platform/ip_text.js';

export interface TasklistEntry {
  line: number;
  image: string;
  pid: number;
}

export function parseTasklistCsv(text: string, file: string): ParseResult<TasklistEntry[]> {
  const rows: TasklistEntry[] = [];
  const issues: ParseIssue[] = [];
  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const fields = splitCsvLine(raw);
    const image = fields?.[0];
    const pid = fields?.[1] === undefined ? null : parseCount(fields[1]);
    if (image === undefined || image === '' || pid === null) {
      issues.push({ file, line, reason: `bad tasklist row: ${JSON.stringify(raw)}` });
      return;
    }
    rows.push({ line, image, pid });
  });
  return { value: rows, issues };
}

/** RFC 4180 fields of one line (`""` inside quotes is a quote), or null for an unterminated quote. */
export function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += line[i];
        i += 1;
      }
      fields.push(value);
      if (i < line.length && line[i] !== ',') return null;
      i += 1;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}
