/**
 * Typed errors. Parsers never throw on bad input: they return the records they could read plus
 * `ParseIssue`s naming file and line, so one bad line never costs the rest of the file.
 */

export interface ParseIssue {
  /** Path of the file as read (or a label such as `netstat -ano` for command output). */
  file: string;
  /** 1-based line number, or null when the problem concerns the whole input. */
  line: number | null;
  reason: string;
}

/** What every pure parser returns. */
export interface ParseResult<T> {
  value: T;
  issues: ParseIssue[];
}

export class ReadError extends Error {
  override readonly name = 'ReadError';
  constructor(
    readonly file: string,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }

  /** A file that does not exist means "no data" (module not loaded, kernel too old), not a fault. */
  get isNotFound(): boolean {
    return this.code === 'ENOENT';
  }
}

/** Thrown by the CLI's one-shot commands; the message is what a person reads before exit 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function formatIssue(issue: ParseIssue): string {
  return issue.line === null ? `${issue.file}: ${issue.reason}` : `${issue.file}:${issue.line}: ${issue.reason}`;
}
