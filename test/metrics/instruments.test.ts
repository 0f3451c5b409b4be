import { ValueType } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerMetrics } from '../../src/metrics/instruments.js';
import { LatestSnapshot } from '../../src/metrics/latest.js';
import { METRICS, type MetricName } from '../../src/metrics/table.js';
import { emptySnapshot } from '../../src/snapshot/empty.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { busySnapshot } from './fixtures.js';

type Attrs = Record<string, unknown>;

let exporter: InMemoryMetricExporter;
let provider: MeterProvider;
let latest: LatestSnapshot;

beforeEach(() => {
  exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A reader we collect on demand: its own timer never fires during a test.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2_000_000_000, exportTimeoutMillis: 5_000 });
  provider = new MeterProvider({ readers: [reader] });
  latest = new LatestSnapshot();
  // An (empty) alert queue, so the netstat.alerts.* rows of the table are exported too.
  registerMetrics(provider.getMeter('test'), latest, { alertQueue: { stats: () => ({ queued: 0, dropped: { queue_full: 0, rejected: 0 } }) } });
});

afterEach(async () => {
  await provider.shutdown();
});

async function collect(snapshot: Snapshot | null): Promise<Map<string, MetricData>> {
  if (snapshot !== null) latest.onSnapshot(snapshot);
  exporter.reset();
  await provider.forceFlush();
  const out = new Map<string, MetricData>();
  for (const rm of exporter.getMetrics()) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
  return out;
}

function points(metrics: Map<string, MetricData>, name: MetricName): { attributes: Attrs; value: number }[] {
  const m = metrics.get(name);
  if (m === undefined) return [];
  return (m.dataPoints as { attributes: Attrs; value: unknown }[]).map((p) => ({ attributes: p.attributes, value: p.value as number }));
}

function value(metrics: Map<string, MetricData>, name: MetricName, attributes: Attrs = {}): number | undefined {
  const matches = points(metrics, name).filter((p) => JSON.stringify(sortKeys(p.attributes)) === JSON.stringify(sortKeys(attributes)));
  expect(matches.length, `${name} ${JSON.stringify(attributes)} should be reported at most once`).toBeLessThanOrEqual(1);
  return matches[0]?.value;
}

function sortKeys(a: Attrs): Attrs {
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => x.localeCompare(y)));
}

describe('registerMetrics', () => {
  it('creates every instrument of the table with its name, unit, description and kind', async () => {
    const metrics = await collect(busySnapshot());
    for (const def of METRICS) {
      const m = metrics.get(def.name);
      expect(m, def.name).toBeDefined();
      expect(m!.descriptor.unit, def.name).toBe(def.unit);
      expect(m!.descriptor.description, def.name).toBe(def.description);
      expect(m!.descriptor.valueType, def.name).toBe(def.valueType === 'int' ? ValueType.INT : ValueType.DOUBLE);
      if (def.kind === 'gauge') expect(m!.dataPointType).toBe(DataPointType.GAUGE);
      else {
        expect(m!.dataPointType).toBe(DataPointType.SUM);
        expect((m as { isMonotonic?: boolean }).isMonotonic, def.name).toBe(def.kind === 'counter');
      }
      for (const p of points(metrics, def.name)) {
        for (const key of Object.keys(p.attributes)) expect(def.attributes, `${def.name} carries ${key}`).toContain(key);
      }
    }
  });

  it('reports nothing before the first snapshot, and the newest snapshot afterwards', async () => {
    const none = await collect(null);
    for (const m of none.values()) expect(m.dataPoints).toHaveLength(0);

    const first = await collect(busySnapshot());
    expect(value(first, 'system.network.conntrack.count')).toBe(120);
    const next = busySnapshot();
    next.conntrack = { count: 121, max: 262144 };
    const second = await collect(next);
    expect(value(second, 'system.network.conntrack.count')).toBe(121);
  });

  it('counts TCP sockets per state and IP version, every state pre-filled, and UDP without state', async () => {
    const m = await collect(busySnapshot());
    const tcp = (state: string, type: string) =>
      value(m, 'system.network.connection.count', { 'network.transport': 'tcp', 'network.connection.state': state, 'network.type': type });
    expect(tcp('established', 'ipv4')).toBe(2);
    expect(tcp('established', 'ipv6')).toBe(1);
    expect(tcp('listen', 'ipv4')).toBe(1);
    expect(tcp('listen', 'ipv6')).toBe(1);
    expect(tcp('time_wait', 'ipv4')).toBe(1);
    expect(tcp('closed', 'ipv4')).toBe(1); // kernel CLOSE -> semconv `closed`
    expect(tcp('close_wait', 'ipv6')).toBe(0);
    expect(tcp('syn_received', 'ipv4')).toBe(0);
    const udp = (type: string) => value(m, 'system.network.connection.count', { 'network.transport': 'udp', 'network.type': type });
    expect(udp('ipv4')).toBe(1);
    expect(udp('ipv6')).toBe(1);
    // 11 states x 2 IP versions + 2 UDP points; unix sockets are not network connections here
    expect(points(m, 'system.network.connection.count')).toHaveLength(24);
  });

  it('falls back to tcp.states without network.type when the sampler only counted', async () => {
    const s = emptySnapshot();
    s.tcp.states.established = 5;
    s.udp.sockets = 3;
    const m = await collect(s);
    expect(value(m, 'system.network.connection.count', { 'network.transport': 'tcp', 'network.connection.state': 'established' })).toBe(5);
    expect(value(m, 'system.network.connection.count', { 'network.transport': 'udp' })).toBe(3);
  });

  it('reports interface counters per interface and direction', async () => {
    const m = await collect(busySnapshot());
    const at = (name: MetricName, direction: string, nic = 'eth0') =>
      value(m, name, { 'network.interface.name': nic, 'network.io.direction': direction });
    expect(at('system.network.io', 'receive')).toBe(1001);
    expect(at('system.network.io', 'transmit')).toBe(2002);
    expect(at('system.network.packet.count', 'receive')).toBe(11);
    expect(at('system.network.packet.count', 'transmit')).toBe(22);
    expect(at('system.network.errors', 'receive')).toBe(2);
    expect(at('system.network.errors', 'transmit')).toBe(4);
    expect(at('system.network.packet.dropped', 'receive')).toBe(3);
    expect(at('system.network.packet.dropped', 'transmit')).toBe(5);
    expect(at('system.network.io', 'receive', 'lo')).toBe(7);
  });

  it('maps kernel counters field by field', async () => {
    const m = await collect(busySnapshot());
    expect(value(m, 'netstat.tcp.retransmitted_segments')).toBe(7);
    expect(value(m, 'netstat.tcp.segments', { 'network.io.direction': 'receive' })).toBe(500);
    expect(value(m, 'netstat.tcp.segments', { 'network.io.direction': 'transmit' })).toBe(600);
    expect(value(m, 'netstat.tcp.receive_errors')).toBe(1);
    expect(value(m, 'netstat.tcp.resets_sent')).toBe(9);
    expect(value(m, 'netstat.tcp.established_resets')).toBe(4);
    expect(value(m, 'netstat.tcp.attempt_failures')).toBe(6);
    expect(value(m, 'netstat.tcp.opens', { 'netstat.tcp.open.type': 'active' })).toBe(30);
    expect(value(m, 'netstat.tcp.opens', { 'netstat.tcp.open.type': 'passive' })).toBe(31);
    expect(value(m, 'netstat.tcp.listen.overflows')).toBe(13);
    expect(value(m, 'netstat.tcp.listen.drops')).toBe(17);
    expect(value(m, 'netstat.tcp.syncookies.sent')).toBe(19);
  });

  it('reports every netstat.udp.* counter twice, network.type ipv4 from Udp and ipv6 from Udp6', async () => {
    const m = await collect(busySnapshot());
    const v4 = { 'network.type': 'ipv4' };
    const v6 = { 'network.type': 'ipv6' };
    expect(value(m, 'netstat.udp.datagrams', { ...v4, 'network.io.direction': 'receive' })).toBe(100);
    expect(value(m, 'netstat.udp.datagrams', { ...v4, 'network.io.direction': 'transmit' })).toBe(101);
    expect(value(m, 'netstat.udp.datagrams', { ...v6, 'network.io.direction': 'receive' })).toBe(200);
    expect(value(m, 'netstat.udp.datagrams', { ...v6, 'network.io.direction': 'transmit' })).toBe(201);
    const single = [
      ['netstat.udp.receive_errors', 21, 31],
      ['netstat.udp.receive_buffer_errors', 22, 32],
      ['netstat.udp.send_buffer_errors', 23, 33],
      ['netstat.udp.no_port', 24, 34],
    ] as const;
    for (const [name, ipv4, ipv6] of single) {
      expect(points(m, name), name).toHaveLength(2);
      expect(value(m, name, v4), name).toBe(ipv4);
      expect(value(m, name, v6), name).toBe(ipv6);
    }
    // No point without network.type: a sum over the attribute is all UDP.
    for (const def of METRICS.filter((d) => d.name.startsWith('netstat.udp.'))) {
      for (const p of points(m, def.name)) expect(p.attributes['network.type'], def.name).toMatch(/^ipv[46]$/);
    }
  });

  it('reports only the ipv4 UDP series on a host without /proc/net/snmp6 (IPv6 disabled)', async () => {
    const s = busySnapshot();
    s.counters = { ...s.counters, Udp6: null };
    const m = await collect(s);
    expect(points(m, 'netstat.udp.receive_buffer_errors')).toEqual([{ attributes: { 'network.type': 'ipv4' }, value: 22 }]);
    expect(points(m, 'netstat.udp.datagrams').map((p) => p.attributes)).toEqual([
      { 'network.type': 'ipv4', 'network.io.direction': 'receive' },
      { 'network.type': 'ipv4', 'network.io.direction': 'transmit' },
    ]);
  });

  it('leaves metrics out, not at 0, when their source is missing', async () => {
    const s = busySnapshot();
    s.conntrack = null;
    s.sockstat = null;
    s.localPortRange = null;
    s.counters = { Tcp: { RetransSegs: 3 }, TcpExt: null, Udp: null, Udp6: null, Ip: null };
    const m = await collect(s);
    for (const name of [
      'system.network.conntrack.count',
      'system.network.conntrack.max',
      'netstat.tcp.listen.overflows',
      'netstat.tcp.segments',
      'netstat.udp.no_port',
      'netstat.sockstat.inuse',
      'netstat.sockstat.memory',
      'netstat.ports.ephemeral.usage',
      'netstat.ports.ephemeral.limit',
    ] as const) {
      expect(points(m, name), name).toHaveLength(0);
    }
    expect(value(m, 'netstat.tcp.retransmitted_segments')).toBe(3);
  });

  it('reports conntrack, listeners, sockstat and ephemeral ports', async () => {
    const m = await collect(busySnapshot());
    expect(value(m, 'system.network.conntrack.count')).toBe(120);
    expect(value(m, 'system.network.conntrack.max')).toBe(262144);
    expect(value(m, 'netstat.listeners', { 'network.transport': 'tcp', 'network.type': 'ipv4' })).toBe(1);
    expect(value(m, 'netstat.listeners', { 'network.transport': 'tcp', 'network.type': 'ipv6' })).toBe(1);
    expect(value(m, 'netstat.listeners', { 'network.transport': 'udp', 'network.type': 'ipv4' })).toBe(1);
    expect(value(m, 'netstat.listeners', { 'network.transport': 'udp', 'network.type': 'ipv6' })).toBe(0);
    expect(value(m, 'netstat.sockstat.sockets')).toBe(42);
    expect(value(m, 'netstat.sockstat.inuse', { 'netstat.sockstat.protocol': 'tcp', 'network.type': 'ipv4' })).toBe(5);
    expect(value(m, 'netstat.sockstat.inuse', { 'netstat.sockstat.protocol': 'tcp', 'network.type': 'ipv6' })).toBe(4);
    expect(value(m, 'netstat.sockstat.inuse', { 'netstat.sockstat.protocol': 'raw', 'network.type': 'ipv4' })).toBe(1);
    expect(value(m, 'netstat.sockstat.tcp.orphan')).toBe(1);
    expect(value(m, 'netstat.sockstat.tcp.time_wait')).toBe(3);
    expect(value(m, 'netstat.sockstat.tcp.alloc')).toBe(8);
    expect(value(m, 'netstat.sockstat.memory', { 'netstat.sockstat.protocol': 'tcp' })).toBe(2 * 4096);
    expect(value(m, 'netstat.sockstat.memory', { 'netstat.sockstat.protocol': 'udp' })).toBe(4096);
    // client-side TCP in range: established :50002, time_wait :50003, close :50004 (the accepted
    // connection on listener port 40000 is not counted); UDP in range: :50005
    expect(value(m, 'netstat.ports.ephemeral.usage', { 'network.transport': 'tcp' })).toBe(3);
    expect(value(m, 'netstat.ports.ephemeral.usage', { 'network.transport': 'udp' })).toBe(1);
    expect(value(m, 'netstat.ports.ephemeral.limit')).toBe(60999 - 32768 + 1);
  });

  it('reports each sampler: success, duration in seconds, errors by source', async () => {
    const m = await collect(busySnapshot());
    expect(value(m, 'netstat.sampler.success', { 'netstat.sampler.name': 'tcp' })).toBe(1);
    expect(value(m, 'netstat.sampler.success', { 'netstat.sampler.name': 'conntrack' })).toBe(0);
    expect(value(m, 'netstat.sampler.duration', { 'netstat.sampler.name': 'tcp' })).toBeCloseTo(0.0125, 6);
    expect(value(m, 'netstat.sampler.errors', { 'netstat.sampler.name': 'tcp' })).toBe(0);
    expect(value(m, 'netstat.sampler.errors', { 'netstat.sampler.name': 'conntrack' })).toBe(2);
    expect(value(m, 'netstat.sampler.errors', { 'netstat.sampler.name': 'routes' })).toBe(1);
  });

  it('keeps reporting the other groups when one group meets a malformed snapshot', async () => {
    const s = busySnapshot();
    (s as { interfaces: unknown }).interfaces = null; // a broken sampler, not a valid Snapshot
    const failures: string[] = [];
    await provider.shutdown();
    exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    provider = new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2_000_000_000, exportTimeoutMillis: 5_000 })],
    });
    latest = new LatestSnapshot();
    registerMetrics(provider.getMeter('test'), latest, { onError: (group) => failures.push(group) });
    const m = await collect(s);
    expect(failures).toEqual(['interfaces']);
    expect(value(m, 'system.network.conntrack.count')).toBe(120);
  });
});
