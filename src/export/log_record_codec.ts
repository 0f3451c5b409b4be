/**
 * Log records as plain JSON, so the delivery queue can keep them in a spool file and rebuild them
 * after a restart. The SDK's record objects are mutable and tied to the process; what we keep is
 * a copy of the fields the OTLP serializer reads. The Resource is not stored: a replayed record
 * takes the current process's resource (same host, same service), which also keeps every record
 * of a batch under one ResourceLogs.
 */
import type { HrTime, SpanContext } from '@opentelemetry/api';
import type { AnyValue, LogAttributes, LogBody } from '@opentelemetry/api-logs';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** AnyValue in JSON: byte arrays are the one kind JSON cannot carry, so they get a tag. */
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface StoredScope {
  name: string;
  version?: string;
  schemaUrl?: string;
}

export interface StoredLogRecord {
  time: [number, number];
  observed: [number, number];
  severityNumber?: number;
  severityText?: string;
  eventName?: string;
  body?: JsonValue;
  attributes: Record<string, JsonValue>;
  droppedAttributesCount: number;
  scope: StoredScope;
  spanContext?: { traceId: string; spanId: string; traceFlags: number };
}

const BYTES_TAG = '$bytes';

function encodeValue(value: AnyValue): JsonValue {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v)]));
  }
  return value;
}

function decodeValue(value: JsonValue): AnyValue {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (typeof value === 'object' && value !== null) {
    const tagged = value[BYTES_TAG];
    if (typeof tagged === 'string' && Object.keys(value).length === 1) return new Uint8Array(Buffer.from(tagged, 'base64'));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v)]));
  }
  return value;
}

/** A copy of what the OTLP serializer reads, safe to JSON.stringify. */
export function storeLogRecord(record: ReadableLogRecord): StoredLogRecord {
  const scope = record.instrumentationScope;
  const stored: StoredLogRecord = {
    time: [record.hrTime[0], record.hrTime[1]],
    observed: [record.hrTimeObserved[0], record.hrTimeObserved[1]],
    attributes: Object.fromEntries(
      Object.entries(record.attributes)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, encodeValue(v)]),
    ),
    droppedAttributesCount: record.droppedAttributesCount,
    scope: {
      name: scope.name,
      ...(scope.version === undefined ? {} : { version: scope.version }),
      ...(scope.schemaUrl === undefined ? {} : { schemaUrl: scope.schemaUrl }),
    },
  };
  if (record.severityNumber !== undefined) stored.severityNumber = record.severityNumber;
  if (record.severityText !== undefined) stored.severityText = record.severityText;
  if (record.eventName !== undefined) stored.eventName = record.eventName;
  if (record.body !== undefined) stored.body = encodeValue(record.body);
  const sc = record.spanContext;
  if (sc !== undefined) stored.spanContext = { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags };
  return stored;
}

/** Same scope, same object: the OTLP serializer groups records by scope identity. */
export class ScopeCache {
  readonly #scopes = new Map<string, InstrumentationScope>();

  get(scope: StoredScope): InstrumentationScope {
    const key = scopeKey(scope);
    let found = this.#scopes.get(key);
    if (found === undefined) {
      found = { name: scope.name, version: scope.version, schemaUrl: scope.schemaUrl };
      this.#scopes.set(key, found);
    }
    return found;
  }
}

export function scopeKey(scope: StoredScope): string {
  return `${scope.name}\u0000${scope.version ?? ''}\u0000${scope.schemaUrl ?? ''}`;
}

export function readableLogRecord(stored: StoredLogRecord, resource: Resource, scopes: ScopeCache): ReadableLogRecord {
  const spanContext: SpanContext | undefined = stored.spanContext;
  return {
    hrTime: stored.time as HrTime,
    hrTimeObserved: stored.observed as HrTime,
    severityNumber: stored.severityNumber,
    severityText: stored.severityText,
    eventName: stored.eventName,
    body: stored.body === undefined ? undefined : (decodeValue(stored.body) as LogBody),
    attributes: Object.fromEntries(Object.entries(stored.attributes).map(([k, v]) => [k, decodeValue(v)])) as LogAttributes,
    droppedAttributesCount: stored.droppedAttributesCount,
    instrumentationScope: scopes.get(stored.scope),
    resource,
    ...(spanContext === undefined ? {} : { spanContext }),
  };
}

/** Structural check for a line read back from the spool (it may come from an older version or a torn write). */
export function isStoredLogRecord(value: unknown): value is StoredLogRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<StoredLogRecord>;
  const pair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === 'number');
  return (
    pair(r.time) &&
    pair(r.observed) &&
    typeof r.attributes === 'object' &&
    r.attributes !== null &&
    typeof r.droppedAttributesCount === 'number' &&
    typeof r.scope === 'object' &&
    r.scope !== null &&
    typeof r.scope.name === 'string'
  );
}
