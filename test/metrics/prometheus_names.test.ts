import { describe, expect, it } from 'vitest';
import { prometheusMetricName, prometheusUnitSuffix } from '../../src/metrics/prometheus_names.js';

describe('OTLP to Prometheus names (underscore escaping with suffixes)', () => {
  it.each([
    [{ name: 'system.network.io', unit: 'By', kind: 'counter' }, 'system_network_io_bytes_total'],
    [{ name: 'system.network.connection.count', unit: '{connection}', kind: 'updowncounter' }, 'system_network_connection_count'],
    [{ name: 'system.network.packet.dropped', unit: '{packet}', kind: 'counter' }, 'system_network_packet_dropped_total'],
    [{ name: 'netstat.sampler.duration', unit: 's', kind: 'gauge' }, 'netstat_sampler_duration_seconds'],
    [{ name: 'netstat.ports.ephemeral.usage', unit: '1', kind: 'gauge' }, 'netstat_ports_ephemeral_usage_ratio'],
    [{ name: 'http.server.request.duration_seconds', unit: 's', kind: 'gauge' }, 'http_server_request_duration_seconds'],
    [{ name: 'disk.io_total', unit: 'By', kind: 'counter' }, 'disk_io_total_bytes_total'],
  ] as const)('%j -> %s', (def, name) => {
    expect(prometheusMetricName(def)).toBe(name);
  });

  it('spells rates out', () => {
    expect(prometheusUnitSuffix('By/s', 'gauge')).toBe('bytes_per_second');
    expect(prometheusUnitSuffix('{packet}/s', 'gauge')).toBe('per_second');
  });
});
