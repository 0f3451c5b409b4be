/**
 * The sidecar as a user runs it (`node dist/cli.js run`), against a loopback OTLP/HTTP receiver
 * written here. Everything binds to 127.0.0.1; every wait is bounded.
 */
import { prometheusMetricName } from '../../src/metrics/prometheus_names.js';
import { request as httpRequest } from 'node:http';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { observationsOf } from '../../src/metrics/observe.js';
import { METRICS, METRIC_NAMES, type MetricDefinition } from '../../src/metrics/table.js';
import { collectSnapshot } from '../../src/snapshot/collect.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { decodeMetrics, reservedClosedPort, startReceiver, type OtlpReceiver, type ReceivedMetrics } from '../support/otlp_receiver.js';
import { ensureBuilt, startSidecar, type Sidecar } from '../support/sidecar_process.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => ensureBuilt(), 150_000);

function track(sidecar: Sidecar): Sidecar {
  cleanups.push(() => sidecar.kill());
  return sidecar;
}

async function receiver(port = 0): Promise<OtlpReceiver> {
  const r = await startReceiver(port);
  cleanups.push(() => r.close());
  return r;
}

/** A listener and `pairs` established connections, all on 127.0.0.1, held until cleanup. */
async function holdLoopbackSockets(pairs: number): Promise<void> {
  const accepted: Socket[] = [];
  const server: Server = createTcpServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const clients = await Promise.all(
    Array.from({ length: pairs }, () => new Promise<Socket>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => resolve(c));
      c.once('error', reject);
    })),
  );
  for (let i = 0; i < 100 && accepted.length < pairs; i++) await new Promise((r) => setTimeout(r, 10));
  expect(accepted).toHaveLength(pairs);
  cleanups.push(async () => {
    for (const s of [...clients, ...accepted]) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

function tcpCount(metrics: ReceivedMetrics, state: string): number {
  const m = metrics.metrics.find((x) => x.name === 'system.network.connection.count');
  expect(m, 'system.network.connection.count exported').toBeDefined();
  return m!.points
    .filter((p) => p.attributes['network.transport'] === 'tcp' && p.attributes['network.connection.state'] === state)
    .reduce((sum, p) => sum + p.value, 0);
}

const KIND_SHAPE: Record<MetricDefinition['kind'], { type: string; isMonotonic: boolean | null }> = {
  counter: { type: 'sum', isMonotonic: true },
  updowncounter: { type: 'sum', isMonotonic: false },
  gauge: { type: 'gauge', isMonotonic: null },
};

function expectTableShape(received: ReceivedMetrics, reference: Snapshot): void {
  const byName = new Map(received.metrics.map((m) => [m.name, m]));
  for (const m of received.metrics) expect(METRIC_NAMES, `exported ${m.name} is in the table`).toContain(m.name);
  // Every metric the reference snapshot has data for must arrive (conntrack etc. may be absent on a host).
  const expected = new Set(observationsOf(reference).map((o) => o.metric));
  expect(expected.size).toBeGreaterThan(20);
  for (const def of METRICS as readonly MetricDefinition[]) {
    const m = byName.get(def.name);
    if (!expected.has(def.name as never)) continue;
    expect(m, `${def.name} exported`).toBeDefined();
    expect(m!.unit, def.name).toBe(def.unit);
    expect(m!.description, def.name).toBe(def.description);
    expect({ type: m!.type, isMonotonic: m!.isMonotonic }, def.name).toEqual(KIND_SHAPE[def.kind]);
    if (m!.type === 'sum') expect(m!.temporality, `${def.name} is cumulative`).toBe(2);
    expect(m!.points.length, def.name).toBeGreaterThan(0);
    for (const p of m!.points) {
      expect(Number.isFinite(p.value), `${def.name} value`).toBe(true);
      const keys = Object.keys(p.attributes).sort();
      if (def.name === 'system.network.connection.count' && p.attributes['network.transport'] === 'udp') {
        expect(keys).toEqual(['network.transport', 'network.type']);
      } else {
        expect(keys, `${def.name} attributes`).toEqual([...def.attributes].sort());
      }
    }
  }
}

describe.each([
  { protocol: 'http/json', contentType: 'application/json', serviceName: undefined },
  { protocol: 'http/protobuf', contentType: 'application/x-protobuf', serviceName: 'edge-sidecar' },
])('run --once over $protocol', ({ protocol, contentType, serviceName }) => {
  it('delivers every table metric with name, unit and attributes, and the live TCP counts', async () => {
    const collector = await receiver();
    await holdLoopbackSockets(4);
    const env: Record<string, string> = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-test-token=s3cret',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e',
      ...(serviceName ? { OTEL_SERVICE_NAME: serviceName } : {}),
    };

    // Other processes may open or close sockets meanwhile: retry until the host held still
    // across the sidecar's run (our snapshot before == after), at most 3 times.
    let before: Snapshot | undefined;
    let after: Snapshot | undefined;
    let exported: ReceivedMetrics | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      collector.requests.length = 0;
      before = await collectSnapshot({ attribution: false });
      const sidecar = track(startSidecar(['--once', '--no-attribution'], env));
      const exit = await sidecar.waitForExit(25_000);
      after = await collectSnapshot({ attribution: false });
      expect(exit, sidecar.stderr()).toEqual({ code: 0, signal: null });
      expect(sidecar.stderr()).toMatch(/tcp estab=\d+ listen=\d+ time_wait=\d+ close_wait=\d+ \| udp=\d+ \| listeners=\d+ \| conntrack /);
      const metricRequests = collector.requests.filter((r) => r.path === '/v1/metrics');
      expect(metricRequests, 'one export per --once').toHaveLength(1);
      expect(metricRequests[0]!.contentType).toContain(contentType);
      expect(metricRequests[0]!.headers['x-test-token']).toBe('s3cret');
      exported = decodeMetrics(metricRequests[0]!);
      const stable = ['established', 'listen'].every((s) => before!.tcp.states[s as 'listen'] === after!.tcp.states[s as 'listen']);
      if (stable) break;
    }

    expect(exported!.resource['service.name']).toBe(serviceName ?? 'netstat-otel');
    expect(exported!.resource['host.name']).toBe(hostname());
    expect(exported!.resource['os.type']).toBe('linux');
    expect(exported!.resource['deployment.environment.name']).toBe('e2e');
    expectTableShape(exported!, before!);

    for (const state of ['established', 'listen'] as const) {
      const got = tcpCount(exported!, state);
      const lo = Math.min(before!.tcp.states[state], after!.tcp.states[state]);
      const hi = Math.max(before!.tcp.states[state], after!.tcp.states[state]);
      if (lo === hi) {
        expect(got, state).toBe(lo);
      } else {
        expect(got, `${state} within [${lo}, ${hi}]`).toBeGreaterThanOrEqual(lo);
        expect(got, `${state} within [${lo}, ${hi}]`).toBeLessThanOrEqual(hi);
      }
    }
    expect(tcpCount(exported!, 'established')).toBeGreaterThanOrEqual(8); // our 4 pairs
    expect(tcpCount(exported!, 'listen')).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

describe('run against a collector that is down', () => {
  it('keeps running, says so once, and delivers once the collector comes up', async () => {
    const port = await reservedClosedPort();
    const sidecar = track(
      startSidecar(['--interval', '1s', '--no-attribution'], { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }),
    );
    await sidecar.waitForLine(new RegExp(`collector at http://127\\.0\\.0\\.1:${port}/v1/metrics unreachable: .*; retrying`), 15_000);
    // A few more intervals with the collector still down: alive, and no repeated complaint.
    await sidecar.waitForLine(/tcp estab=/, 5_000);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(sidecar.exited(), sidecar.stderr()).toBe(false);
    // Once, not once per interval (alert log records, if any rule fires, have their own line).
    expect(sidecar.stderr().match(/\/v1\/metrics unreachable/g)).toHaveLength(1);
    expect(sidecar.stderr().split('\n').filter((l) => /tcp estab=/.test(l)).length).toBeGreaterThanOrEqual(3);

    const collector = await receiver(port);
    const request = await collector.waitFor('/v1/metrics', 10_000);
    expect(decodeMetrics(request).metrics.map((m) => m.name)).toContain('system.network.connection.count');
    await sidecar.waitForLine(new RegExp(`collector at http://127\\.0\\.0\\.1:${port}/v1/metrics reachable again`), 5_000);
    expect(sidecar.exited()).toBe(false);

    sidecar.child.kill('SIGTERM');
    const exit = await sidecar.waitForExit(7_000);
    expect(exit, sidecar.stderr()).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('run --once still exits 0 when the collector never answers', async () => {
    const port = await reservedClosedPort();
    const sidecar = track(
      startSidecar(['--once', '--no-attribution', '--log-format', 'json'], {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_TIMEOUT: '1500',
      }),
    );
    const exit = await sidecar.waitForExit(15_000);
    expect(exit, sidecar.stderr()).toEqual({ code: 0, signal: null });
    const lines = sidecar.stderr().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['event'])).toEqual(expect.arrayContaining(['start', 'sample', 'collector_unreachable']));
    expect(lines.find((l) => l['event'] === 'sample')).toMatchObject({ level: 'INFO', tcp: { established: expect.any(Number) } });
  }, 30_000);
});

function scrape(url: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }));
    });
    req.on('timeout', () => req.destroy(new Error('scrape timed out')));
    req.on('error', reject);
    req.end();
  });
}

interface Family {
  help: string | null;
  type: string | null;
  samples: { labels: string; value: number }[];
}

/** Parses the text exposition format strictly enough to catch malformed output. */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { help: null, type: null, samples: [] }));
    return f;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      family(m[1]!).help = m[2]!;
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      family(m[1]!).type = m[2]!;
      continue;
    }
    if (/^# UNIT [a-zA-Z_:][a-zA-Z0-9_:]* \S*$/.test(line)) continue;
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( \d+)?$/.exec(line);
    expect(m, `valid exposition line: ${line}`).not.toBeNull();
    family(m![1]!).samples.push({ labels: m![2] ?? '', value: Number(m![3]) });
  }
  return families;
}

describe('run --prometheus-port', () => {
  it('serves every table metric on 127.0.0.1 with valid HELP/TYPE lines', async () => {
    await holdLoopbackSockets(2);
    const sidecar = track(
      startSidecar(['--interval', '1s', '--prometheus-port', '0'], { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' }),
    );
    const line = await sidecar.waitForLine(/prometheus on http:\/\/127\.0\.0\.1:\d+\/metrics/, 15_000);
    await sidecar.waitForLine(/tcp estab=/, 15_000);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(line)![1]!;
    const reference = await collectSnapshot({ attribution: false });
    const res = await scrape(url);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/plain/);
    const families = parseExposition(res.body);

    const expected = new Set(observationsOf(reference).map((o) => o.metric));
    for (const def of METRICS as readonly MetricDefinition[]) {
      if (!expected.has(def.name as never)) continue;
      // The standard OTLP-to-Prometheus names, as the dashboard queries them.
      const name = prometheusMetricName(def);
      const f = families.get(name);
      expect(f, `${name} served`).toBeDefined();
      expect(f!.help, name).toBe(def.description);
      expect(f!.type, name).toBe(def.kind === 'counter' ? 'counter' : 'gauge');
      expect(f!.samples.length, name).toBeGreaterThan(0);
    }
    const established = families
      .get('system_network_connection_count')!
      .samples.filter((s) => s.labels.includes('network_connection_state="established"'))
      .reduce((sum, s) => sum + s.value, 0);
    expect(established).toBeGreaterThanOrEqual(4);
    expect(families.get('target_info')?.samples[0]?.labels).toContain('service_name="netstat-otel"');
    expect((await scrape(url.replace('/metrics', '/other'))).status).toBe(404);

    sidecar.child.kill('SIGINT');
    expect(await sidecar.waitForExit(7_000)).toEqual({ code: 0, signal: null });
    await expect(scrape(url)).rejects.toThrow();
  }, 60_000);
});
