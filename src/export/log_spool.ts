/**
 * The delivery queue on disk (`--state-dir`), so alerts raised while the collector is away
 * survive a restart or a crash. JSON lines, appended and fdatasync'd as records arrive:
 *   {"seq":12,"record":{...}}        a record waiting for the collector
 *   {"done":[[12,15],[18,18]]}       records delivered or dropped (seq ranges)
 * When the queue empties the file is truncated; when finished lines make it much larger than
 * what is still waiting, it is rewritten (temp file + rename) with the waiting records only —
 * so its size stays bounded by the queue's byte bound. At startup the waiting records are read
 * back in order; a line that cannot be read (a torn last line after a crash mid-append, a hand
 * edit) is skipped and reported as FILE:LINE, and the rest is still delivered.
 *
 * Writes are asynchronous and serialized: the sampling loop and the rules evaluator never wait
 * for the disk. A record is durable a few milliseconds after it was emitted.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { QueueEntry } from './delivery_queue.js';
import { isStoredLogRecord } from './log_record_codec.js';

export const SPOOL_FILE = 'alert-spool.jsonl';
/** Rewrite once the file holds this much more than twice what is still waiting. */
const REWRITE_SLACK_BYTES = 1024 * 1024;

/** What is still waiting: the delivery queue. */
export interface SpoolSource {
  entries(): readonly QueueEntry[];
  readonly size: number;
  /** Sum of the entries' JSON lengths. */
  readonly bytes: number;
}

export interface SpoolLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface SkippedLine {
  line: number;
  reason: string;
}

export interface SpoolContents {
  /** Records still waiting, oldest first. */
  entries: QueueEntry[];
  /** Lines that could not be read (a torn write, a foreign file), 1-based, with why. */
  skipped: SkippedLine[];
  /** Highest seq ever written, so new records continue after it. */
  lastSeq: number;
}

export function recordLine(entry: QueueEntry): string {
  return `{"seq":${entry.seq},"record":${entry.json}}\n`;
}

/** Parses the spool file's text; never throws. */
export function parseSpool(text: string): SpoolContents {
  const records = new Map<number, QueueEntry>();
  const done: [number, number][] = [];
  const skipped: SkippedLine[] = [];
  let lastSeq = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      skipped.push({ line: i + 1, reason: `not JSON (${(err as Error).message})` });
      continue;
    }
    const v = value as { seq?: unknown; record?: unknown; done?: unknown };
    if (typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && isStoredLogRecord(v.record)) {
      // A line written twice (a rewrite racing an append) is the same record: keep one.
      records.set(v.seq, { seq: v.seq, record: v.record, json: JSON.stringify(v.record) });
      lastSeq = Math.max(lastSeq, v.seq);
    } else if (Array.isArray(v.done)) {
      for (const range of v.done) {
        if (Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number') done.push([range[0], range[1]]);
      }
    } else {
      skipped.push({ line: i + 1, reason: 'neither a record nor a done line' });
    }
  }
  const finished = (seq: number) => done.some(([from, to]) => seq >= from && seq <= to);
  const entries = [...records.values()].filter((e) => !finished(e.seq)).sort((a, b) => a.seq - b.seq);
  return { entries, skipped, lastSeq };
}

/** Consecutive seqs as ranges: [3,4,5,9] -> [[3,5],[9,9]]. */
export function seqRanges(seqs: readonly number[]): [number, number][] {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const seq of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && seq === last[1] + 1) last[1] = seq;
    else out.push([seq, seq]);
  }
  return out;
}

export class LogSpool {
  #handle: FileHandle | null;
  #fileBytes: number;
  #pending: string[] = [];
  /** Length of `#pending`, counted as it grows (finished() compares it with the bound). */
  #pendingBytes = 0;
  #rewrite = false;
  #draining: Promise<void> | null = null;
  #failing = false;
  #closed = false;

  private constructor(
    readonly file: string,
    handle: FileHandle,
    fileBytes: number,
    private readonly source: SpoolSource,
    private readonly log: SpoolLog,
  ) {
    this.#handle = handle;
    this.#fileBytes = fileBytes;
  }

  /**
   * Reads what a previous run left and opens the file for appending. `source` holds the records
   * still waiting (the queue), which a rewrite puts back in the file.
   */
  static async open(dir: string, source: SpoolSource, log: SpoolLog): Promise<{ spool: LogSpool; contents: SpoolContents }> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, SPOOL_FILE);
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const contents = parseSpool(text);
    // O_APPEND: every write lands at the end, whatever a rewrite did to the file before.
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
    const spool = new LogSpool(file, handle, Buffer.byteLength(text), source, log);
    return { spool, contents };
  }

  /** Queue the lines of newly queued records; written and synced shortly. */
  append(entries: readonly QueueEntry[]): void {
    if (this.#closed || entries.length === 0) return;
    for (const e of entries) this.#queueLine(recordLine(e));
    this.#kick();
  }

  /** Records left the queue (delivered, rejected or dropped). */
  finished(seqs: readonly number[]): void {
    if (this.#closed || seqs.length === 0) return;
    // ~24 bytes of `{"seq":N,"record":...}` around each record's JSON.
    const liveBytes = this.source.bytes + 24 * this.source.size;
    const projected = this.#fileBytes + this.#pendingBytes;
    if (this.source.size === 0 || projected > 2 * liveBytes + REWRITE_SLACK_BYTES) this.#rewrite = true;
    else this.#queueLine(`${JSON.stringify({ done: seqRanges(seqs) })}\n`);
    this.#kick();
  }

  /** Rewrite the file from the queue (at startup: drop what earlier runs finished). */
  compact(): void {
    if (this.#closed) return;
    this.#rewrite = true;
    this.#kick();
  }

  /** Resolves once everything asked so far is on disk (or failed and was reported). */
  async flush(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close().catch(() => undefined);
  }

  /** Bytes in the file as far as this process wrote them. */
  get size(): number {
    return this.#fileBytes;
  }

  #queueLine(line: string): void {
    this.#pending.push(line);
    this.#pendingBytes += line.length;
  }

  #takePending(): string {
    const text = this.#pending.join('');
    this.#pending = [];
    this.#pendingBytes = 0;
    return text;
  }

  #kick(): void {
    if (this.#draining !== null) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
    });
  }

  async #drain(): Promise<void> {
    while (this.#handle !== null && (this.#rewrite || this.#pending.length > 0)) {
      try {
        if (this.#rewrite) {
          // The queue is the truth: whatever lines were pending are in it or finished.
          this.#rewrite = false;
          this.#takePending();
          await this.#rewriteFrom(this.source.entries());
        } else {
          const text = this.#takePending();
          await this.#handle.appendFile(text);
          await this.#handle.datasync();
          this.#fileBytes += Buffer.byteLength(text);
        }
        if (this.#failing) {
          this.#failing = false;
          this.log.warn(`alert spool ${this.file} is writable again`, { event: 'spool_recovered', file: this.file });
        }
      } catch (err) {
        // Disk full, read-only remount: keep delivering from memory, and rebuild the file from
        // the queue at the next change (some lines may be missing from it now).
        this.#rewrite = true;
        this.#takePending();
        if (!this.#failing) {
          this.#failing = true;
          this.log.warn(`alert spool ${this.file}: ${(err as Error).message}; queued alerts are kept in memory only until it works again`, {
            event: 'spool_error',
            file: this.file,
          });
        }
        return;
      }
    }
  }

  async #rewriteFrom(entries: readonly QueueEntry[]): Promise<void> {
    const handle = this.#handle!;
    if (entries.length === 0) {
      await handle.truncate(0);
      await handle.datasync();
      this.#fileBytes = 0;
      return;
    }
    const text = entries.map(recordLine).join('');
    const temp = `${this.file}.tmp`;
    const out = await open(temp, 'w', 0o600);
    try {
      await out.writeFile(text);
      await out.datasync();
    } finally {
      await out.close();
    }
    await rename(temp, this.file);
    // The append handle still points at the replaced inode: reopen it on the new file.
    this.#handle = await open(this.file, constants.O_WRONLY | constants.O_APPEND, 0o600);
    await handle.close().catch(() => undefined);
    await syncDir(path.dirname(this.file));
    this.#fileBytes = Buffer.byteLength(text);
  }
}

/** Makes a rename durable (the directory entry); best effort where directories cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch {
    /* not supported here: the rename is still atomic, only its durability waits for the kernel */
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
