/**
 * A loopback OTLP/HTTP receiver for tests, with decoders for both encodings into one plain shape.
 * The protobuf decoder reads the wire format directly (the transformer ships serializers only,
 * and protobufjs is not installed): only the fields of ExportMetricsServiceRequest we check.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttrValue = string | number | boolean | null;

export interface ReceivedPoint {
  attributes: Record<string, AttrValue>;
  value: number;
}

export interface ReceivedMetric {
  name: string;
  description: string;
  unit: string;
  type: 'sum' | 'gauge' | 'other';
  isMonotonic: boolean | null;
  /** 1 delta, 2 cumulative. */
  temporality: number | null;
  points: ReceivedPoint[];
}

export interface ReceivedMetrics {
  resource: Record<string, AttrValue>;
  metrics: ReceivedMetric[];
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

// --- protobuf wire format ----------------------------------------------------------------------

interface Field {
  no: number;
  wire: number;
  /** varint as bigint, fixed64/fixed32 as raw bytes, length-delimited as bytes. */
  varint?: bigint;
  bytes?: Buffer;
}

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const byte = buf[pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error('varint too long');
  };
  while (pos < buf.length) {
    const key = Number(readVarint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, varint: readVarint() };
    else if (wire === 1) {
      yield { no, wire, bytes: buf.subarray(pos, pos + 8) };
      pos += 8;
    } else if (wire === 2) {
      const len = Number(readVarint());
      yield { no, wire, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 5) {
      yield { no, wire, bytes: buf.subarray(pos, pos + 4) };
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

function pbAnyValue(buf: Buffer): AttrValue {
  for (const f of fields(buf)) {
    if (f.no === 1) return f.bytes!.toString('utf8');
    if (f.no === 2) return f.varint !== 0n;
    if (f.no === 3) return Number(BigInt.asIntN(64, f.varint!));
    if (f.no === 4) return f.bytes!.readDoubleLE(0);
  }
  return null;
}

function pbKeyValues(list: Buffer[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list) {
    let key = '';
    let value: AttrValue = null;
    for (const f of fields(kv)) {
      if (f.no === 1) key = f.bytes!.toString('utf8');
      if (f.no === 2) value = pbAnyValue(f.bytes!);
    }
    out[key] = value;
  }
  return out;
}

function pbNumberPoint(buf: Buffer): ReceivedPoint {
  const attrs: Buffer[] = [];
  let value = Number.NaN;
  for (const f of fields(buf)) {
    if (f.no === 7) attrs.push(f.bytes!);
    if (f.no === 4) value = f.bytes!.readDoubleLE(0); // as_double
    if (f.no === 6) value = Number(f.bytes!.readBigInt64LE(0)); // as_int (sfixed64)
  }
  return { attributes: pbKeyValues(attrs), value };
}

function pbMetric(buf: Buffer): ReceivedMetric {
  const m: ReceivedMetric = { name: '', description: '', unit: '', type: 'other', isMonotonic: null, temporality: null, points: [] };
  for (const f of fields(buf)) {
    if (f.no === 1) m.name = f.bytes!.toString('utf8');
    else if (f.no === 2) m.description = f.bytes!.toString('utf8');
    else if (f.no === 3) m.unit = f.bytes!.toString('utf8');
    else if (f.no === 5 || f.no === 7) {
      m.type = f.no === 5 ? 'gauge' : 'sum';
      if (f.no === 7) m.isMonotonic = false; // proto3 omits false
      for (const g of fields(f.bytes!)) {
        if (g.no === 1) m.points.push(pbNumberPoint(g.bytes!));
        if (g.no === 2) m.temporality = Number(g.varint);
        if (g.no === 3) m.isMonotonic = g.varint !== 0n;
      }
    }
  }
  return m;
}

export function decodeProtobufMetrics(body: Buffer): ReceivedMetrics {
  const out: ReceivedMetrics = { resource: {}, metrics: [] };
  for (const rm of fields(body)) {
    if (rm.no !== 1) continue;
    for (const f of fields(rm.bytes!)) {
      if (f.no === 1) {
        const attrs: Buffer[] = [];
        for (const r of fields(f.bytes!)) if (r.no === 1) attrs.push(r.bytes!);
        Object.assign(out.resource, pbKeyValues(attrs));
      } else if (f.no === 2) {
        for (const s of fields(f.bytes!)) if (s.no === 2) out.metrics.push(pbMetric(s.bytes!));
      }
    }
  }
  return out;
}

// --- OTLP/JSON ---------------------------------------------------------------------------------

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
}
interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}
interface JsonPoint {
  attributes?: JsonKeyValue[];
  asInt?: number | string;
  asDouble?: number;
}
interface JsonMetric {
  name: string;
  description?: string;
  unit?: string;
  sum?: { dataPoints?: JsonPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  gauge?: { dataPoints?: JsonPoint[] };
}
interface JsonRequest {
  resourceMetrics?: { resource?: { attributes?: JsonKeyValue[] }; scopeMetrics?: { metrics?: JsonMetric[] }[] }[];
}

function jsonValue(v: JsonAnyValue): AttrValue {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return null;
}

function jsonAttrs(list: JsonKeyValue[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

export function decodeJsonMetrics(body: Buffer): ReceivedMetrics {
  const req = JSON.parse(body.toString('utf8')) as JsonRequest;
  const out: ReceivedMetrics = { resource: {}, metrics: [] };
  for (const rm of req.resourceMetrics ?? []) {
    Object.assign(out.resource, jsonAttrs(rm.resource?.attributes));
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const data = m.sum ?? m.gauge;
        out.metrics.push({
          name: m.name,
          description: m.description ?? '',
          unit: m.unit ?? '',
          type: m.sum ? 'sum' : m.gauge ? 'gauge' : 'other',
          isMonotonic: m.sum ? (m.sum.isMonotonic ?? false) : null,
          temporality: m.sum?.aggregationTemporality ?? null,
          points: (data?.dataPoints ?? []).map((p) => ({
            attributes: jsonAttrs(p.attributes),
            value: p.asDouble !== undefined ? p.asDouble : Number(p.asInt),
          })),
        });
      }
    }
  }
  return out;
}

export function decodeMetrics(request: ReceivedRequest): ReceivedMetrics {
  return request.contentType.includes('json') ? decodeJsonMetrics(request.body) : decodeProtobufMetrics(request.body);
}

// --- the receiver ------------------------------------------------------------------------------

/**
 * How the receiver answers, from now on. `accept`: 200 and the request is recorded in `requests`;
 * `status`: that HTTP status (e.g. 503, 429 with a Retry-After), recorded in `refused`; `hang`:
 * read the request and never answer (until close()). Connection refusal is pause()/resume().
 */
export type ReceiverMode =
  | { kind: 'accept' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' };

export interface OtlpReceiver {
  readonly port: number;
  readonly url: string;
  /** Requests answered with 200, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Requests answered with another status (mode `status`) or left hanging (mode `hang`). */
  readonly refused: ReceivedRequest[];
  /** Resolves with the first request (already received or future) matching, or rejects after timeoutMs. */
  waitFor(path: string, timeoutMs: number): Promise<ReceivedRequest>;
  /** Answer requests for `path` (default: every path without a mode of its own) this way. */
  setMode(mode: ReceiverMode, path?: string): void;
  /** Stop listening, and drop open connections: clients get ECONNREFUSED until resume(). */
  pause(): Promise<void>;
  /** Listen again on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0: any free port) and answers every OTLP request with 200 (see setMode). */
export async function startReceiver(port = 0): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const refused: ReceivedRequest[] = [];
  const waiters: { path: string; resolve: (r: ReceivedRequest) => void }[] = [];
  const modes = new Map<string | null, ReceiverMode>([[null, { kind: 'accept' }]]);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      const request = { path: req.url ?? '', contentType, headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      const mode = modes.get(request.path) ?? modes.get(null)!;
      if (mode.kind === 'hang') {
        refused.push(request);
        return;
      }
      if (mode.kind === 'status') {
        refused.push(request);
        res.writeHead(mode.status, { 'content-type': 'text/plain', ...(mode.retryAfter === undefined ? {} : { 'retry-after': mode.retryAfter }) });
        res.end(`test receiver answers ${mode.status}`);
        return;
      }
      requests.push(request);
      for (const w of waiters.filter((w) => w.path === request.path)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(request);
      }
      // An empty Export*ServiceResponse is a valid success body in both encodings.
      res.writeHead(200, { 'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' });
      res.end(contentType.includes('json') ? '{}' : '');
    });
  });
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
    });
  await listen(port);
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    requests,
    refused,
    waitFor(path, timeoutMs) {
      const done = requests.find((r) => r.path === path);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const waiter = { path, resolve: (r: ReceivedRequest) => (clearTimeout(timer), resolve(r)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no ${path} request within ${timeoutMs} ms (got: ${requests.map((r) => r.path).join(', ') || 'none'})`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    setMode(mode, path) {
      modes.set(path ?? null, mode);
    },
    pause: stop,
    resume: () => listen(bound),
    close: stop,
  };
}

/** A port that was free a moment ago and is closed now (for "collector down" tests). */
export async function reservedClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One OTLP log record as the tests look at it (http/json encoding). */
export interface ReceivedLogRecord {
  severityText: string;
  severityNumber: number;
  body: string;
  attributes: Record<string, AttrValue>;
}

interface JsonLogsRequest {
  resourceLogs?: { scopeLogs?: { logRecords?: { severityText?: string; severityNumber?: number; body?: JsonAnyValue; attributes?: JsonKeyValue[] }[] }[] }[];
}

/** Every log record in the receiver's accepted /v1/logs requests so far, in arrival order (sent with OTEL_EXPORTER_OTLP_PROTOCOL=http/json). */
export function receivedLogRecords(receiver: Pick<OtlpReceiver, 'requests'>): ReceivedLogRecord[] {
  return receiver.requests
    .filter((r) => r.path === '/v1/logs')
    .flatMap((r) => (JSON.parse(r.body.toString('utf8')) as JsonLogsRequest).resourceLogs ?? [])
    .flatMap((rl) => rl.scopeLogs ?? [])
    .flatMap((sl) => sl.logRecords ?? [])
    .map((lr) => ({
      severityText: lr.severityText ?? '',
      severityNumber: lr.severityNumber ?? 0,
      body: String(lr.body ? jsonValue(lr.body) : ''),
      attributes: jsonAttrs(lr.attributes),
    }));
}
