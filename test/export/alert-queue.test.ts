/**
 * The pieces of the alert delivery queue on their own: ordering and bounds (DeliveryQueue), the
 * spool file format and its recovery from torn writes, and the retry policy.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryQueue, type QueueEntry } from '../../src/export/delivery_queue.js';
import { isStoredLogRecord, readableLogRecord, ScopeCache, type StoredLogRecord } from '../../src/export/log_record_codec.js';
import { LogSpool, parseSpool, seqRanges, SPOOL_FILE } from '../../src/export/log_spool.js';
import { Backoff, classifyFailure } from '../../src/export/retry_policy.js';
import { resourceFromAttributes } from '@opentelemetry/resources';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function record(body: string, scope = 'netstat-otel.alerts'): StoredLogRecord {
  return {
    time: [1_700_000_000, 5],
    observed: [1_700_000_000, 6],
    severityNumber: 13,
    severityText: 'WARN',
    body,
    attributes: { 'alert.name': body, 'network.local.port': 8080, ratio: 0.5, ok: true, list: ['a', 'b'] },
    droppedAttributesCount: 0,
    scope: { name: scope, version: '1.0.0' },
  };
}

const bodies = (entries: readonly QueueEntry[]) => entries.map((e) => e.record.body);

describe('DeliveryQueue', () => {
  it('hands out the oldest records first and removes them once delivered', () => {
    const q = new DeliveryQueue({ maxRecords: 10, maxBytes: 1e6 });
    for (const b of ['a', 'b', 'c']) q.push(record(b));
    expect(bodies(q.take(2))).toEqual(['a', 'b']);
    expect(() => q.take(1)).toThrow(/in flight/);
    q.settle('retry');
    expect(bodies(q.take(5))).toEqual(['a', 'b', 'c']);
    expect(bodies(q.settle('delivered'))).toEqual(['a', 'b', 'c']);
    expect(q.stats()).toMatchObject({ queued: 0, delivered: 3, dropped: { queue_full: 0, rejected: 0 } });
  });

  it('drops the oldest over the record bound and counts them', () => {
    const q = new DeliveryQueue({ maxRecords: 3, maxBytes: 1e6 });
    const dropped: string[] = [];
    for (const b of ['a', 'b', 'c', 'd', 'e']) dropped.push(...(bodies(q.push(record(b)).dropped) as string[]));
    expect(dropped).toEqual(['a', 'b']);
    expect(bodies(q.entries())).toEqual(['c', 'd', 'e']);
    expect(q.stats().dropped.queue_full).toBe(2);
  });

  it('drops the oldest over the byte bound', () => {
    const size = JSON.stringify(record('a')).length;
    const q = new DeliveryQueue({ maxRecords: 100, maxBytes: size * 2 + 1 });
    for (const b of ['a', 'b', 'c']) q.push(record(b));
    expect(bodies(q.entries())).toEqual(['b', 'c']);
  });

  it('leaves the batch in flight alone when dropping, and catches up after a failed attempt', () => {
    const q = new DeliveryQueue({ maxRecords: 3, maxBytes: 1e6 });
    for (const b of ['a', 'b', 'c']) q.push(record(b));
    expect(bodies(q.take(1))).toEqual(['a']);
    // 'a' may already be at the collector: the next oldest goes instead.
    expect(bodies(q.push(record('d')).dropped)).toEqual(['b']);
    expect(bodies(q.entries())).toEqual(['a', 'c', 'd']);
    q.settle('retry');
    expect(q.enforceBound()).toEqual([]);
    expect(bodies(q.take(3))).toEqual(['a', 'c', 'd']);
  });

  it('counts records the collector refused as dropped (rejected)', () => {
    const q = new DeliveryQueue({ maxRecords: 3, maxBytes: 1e6 });
    q.push(record('bad'));
    q.take(1);
    expect(bodies(q.settle('rejected'))).toEqual(['bad']);
    expect(q.stats().dropped).toEqual({ queue_full: 0, rejected: 1 });
  });

  it('keeps one instrumentation scope per batch, so the serializer cannot reorder records', () => {
    const q = new DeliveryQueue({ maxRecords: 10, maxBytes: 1e6 });
    q.push(record('a', 'x'));
    q.push(record('b', 'x'));
    q.push(record('c', 'y'));
    expect(bodies(q.take(10))).toEqual(['a', 'b']);
  });

  it('continues seq numbers after restored records', () => {
    const q = new DeliveryQueue({ maxRecords: 10, maxBytes: 1e6 });
    q.restore([{ seq: 41, record: record('old'), json: JSON.stringify(record('old')) }]);
    expect(q.push(record('new')).entry.seq).toBe(42);
  });
});

describe('log record codec', () => {
  it('rebuilds what the OTLP serializer reads, with one scope object per scope', () => {
    const stored = JSON.parse(JSON.stringify(record('hello'))) as StoredLogRecord;
    expect(isStoredLogRecord(stored)).toBe(true);
    const resource = resourceFromAttributes({ 'service.name': 'x' });
    const scopes = new ScopeCache();
    const a = readableLogRecord(stored, resource, scopes);
    const b = readableLogRecord(stored, resource, scopes);
    expect(a).toMatchObject({ hrTime: [1_700_000_000, 5], severityNumber: 13, body: 'hello', resource });
    expect(a.attributes).toEqual({ 'alert.name': 'hello', 'network.local.port': 8080, ratio: 0.5, ok: true, list: ['a', 'b'] });
    expect(a.instrumentationScope).toBe(b.instrumentationScope);
    expect(isStoredLogRecord({ time: [1, 2] })).toBe(false);
  });
});

describe('spool file', () => {
  async function dir(): Promise<string> {
    const d = await mkdtemp(path.join(tmpdir(), 'netstat-otel-spool-'));
    cleanups.push(() => rm(d, { recursive: true, force: true }));
    return d;
  }
  const quiet = { warn: () => undefined };

  it('reads waiting records in order, skipping finished ones and a torn last line', () => {
    const r = (seq: number) => JSON.stringify({ seq, record: record(`r${seq}`) });
    const text = [r(1), r(2), r(3), '{"done":[[1,1]]}', r(4), '{"done":[[3,3]]}', r(2), '{"seq":5,"record":{"ti'].join('\n');
    const parsed = parseSpool(text);
    expect(parsed.entries.map((e) => e.seq)).toEqual([2, 4]);
    expect(parsed.skipped).toEqual([{ line: 8, reason: expect.stringMatching(/^not JSON/) }]);
    expect(parsed.lastSeq).toBe(4);
  });

  it('compresses seq lists into ranges', () => {
    expect(seqRanges([9, 3, 4, 5, 11])).toEqual([[3, 5], [9, 9], [11, 11]]);
  });

  it('appends synced lines, marks finished records, truncates when the queue empties', async () => {
    const d = await dir();
    const q = new DeliveryQueue({ maxRecords: 100, maxBytes: 1e6 });
    const { spool, contents } = await LogSpool.open(d, q, quiet);
    expect(contents.entries).toEqual([]);
    const pushed = ['a', 'b', 'c'].map((b) => q.push(record(b)).entry);
    spool.append(pushed);
    await spool.flush();
    const file = path.join(d, SPOOL_FILE);
    expect(parseSpool(await readFile(file, 'utf8')).entries.map((e) => e.record.body)).toEqual(['a', 'b', 'c']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    q.take(1);
    spool.finished(q.settle('delivered').map((e) => e.seq));
    await spool.flush();
    expect(parseSpool(await readFile(file, 'utf8')).entries.map((e) => e.record.body)).toEqual(['b', 'c']);

    q.take(2);
    spool.finished(q.settle('delivered').map((e) => e.seq));
    await spool.flush();
    expect((await stat(file)).size).toBe(0);
    await spool.close();
  });

  it('rewrites itself from the queue, so the file stays bounded while records churn', async () => {
    const d = await dir();
    const q = new DeliveryQueue({ maxRecords: 5, maxBytes: 1e6 });
    const { spool } = await LogSpool.open(d, q, quiet);
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 400; i++) {
      const { entry, dropped } = q.push(record(`${i}${big}`));
      spool.append([entry]);
      spool.finished(dropped.map((e) => e.seq));
    }
    await spool.flush();
    const file = path.join(d, SPOOL_FILE);
    // 400 records of 20 kB went through; only the 5 waiting ones (and some slack) remain.
    expect((await stat(file)).size).toBeLessThan(2 * 5 * 20_200 + 1024 * 1024 + 20_200);
    const back = parseSpool(await readFile(file, 'utf8'));
    expect(back.entries.map((e) => String(e.record.body).slice(0, 3))).toEqual(['395', '396', '397', '398', '399']);
    await spool.close();
  });

  it('hands a previous run\'s records back at open', async () => {
    const d = await dir();
    await writeFile(path.join(d, SPOOL_FILE), `${JSON.stringify({ seq: 7, record: record('left over') })}\n{"seq":8,"rec`);
    const q = new DeliveryQueue({ maxRecords: 5, maxBytes: 1e6 });
    const { spool, contents } = await LogSpool.open(d, q, quiet);
    expect(contents.entries.map((e) => [e.seq, e.record.body])).toEqual([[7, 'left over']]);
    expect(contents.skipped).toEqual([{ line: 2, reason: expect.stringMatching(/^not JSON/) }]);
    await spool.close();
  });
});

describe('retry policy', () => {
  const httpError = (code: number) => Object.assign(new Error('Bad Request'), { code, data: 'nope' });

  it('retries outages and honours Retry-After', () => {
    expect(classifyFailure(undefined, { status: 'retryable', retryInMillis: 7_000 }, 3)).toEqual({
      action: 'retry',
      retryAfterMs: 7_000,
      reason: 'HTTP 429/502/503/504 (retryable)',
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' });
    expect(classifyFailure(refused, { status: 'retryable', error: refused }, 3)).toMatchObject({ action: 'retry', retryAfterMs: null });
    for (const code of [408, 429, 500, 501, 502, 503, 504, 599]) {
      expect(classifyFailure(httpError(code), undefined, 3), String(code)).toMatchObject({ action: 'retry', retryAfterMs: null });
    }
  });

  it('takes any other 4xx as a final refusal of the whole batch', () => {
    for (const code of [401, 403, 404, 405, 415, 422]) {
      expect(classifyFailure(httpError(code), undefined, 3), String(code)).toEqual({ action: 'reject', reason: `HTTP ${code}: nope` });
    }
  });

  it('splits a batch the collector refuses, and gives up on a single refused record', () => {
    expect(classifyFailure(httpError(400), undefined, 4)).toMatchObject({ action: 'split' });
    expect(classifyFailure(undefined, { status: 'failure', error: httpError(413) }, 1)).toEqual({ action: 'reject', reason: 'HTTP 413: nope' });
  });

  it('backs off exponentially with jitter up to a cap, and never below a Retry-After (itself capped)', () => {
    const b = new Backoff({ initialMs: 1_000, maxMs: 8_000, maxRetryAfterMs: 60_000, random: () => 0.5 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    b.reset();
    expect(b.next(5_000)).toBe(5_000);
    expect(b.next(3_600_000)).toBe(60_000);
    const low = new Backoff({ initialMs: 1_000, maxMs: 8_000, maxRetryAfterMs: 60_000, random: () => 0 });
    expect(low.next()).toBe(800);
  });
});
