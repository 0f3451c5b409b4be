/**
 * The Grafana dashboard queries only metrics and labels the sidecar exports, under the names a
 * Prometheus-compatible backend gives them (the same names our own scrape endpoint serves).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prometheusLabelName, prometheusMetricName } from '../../src/metrics/prometheus_names.js';
import { METRICS, type MetricDefinition } from '../../src/metrics/table.js';

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../dashboards/netstat-otel.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { query: unknown }[] };
};
const exported = new Map((METRICS as readonly MetricDefinition[]).map((d) => [prometheusMetricName(d), d]));
/** Labels every series has: from the resource (service.instance.id -> instance, service.name -> job). */
const RESOURCE_LABELS = new Set(['instance', 'job']);

const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** Metric selectors `name{...}` with the label names used inside the braces. */
function selectors(expr: string): { metric: string; labels: string[] }[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({
    metric: m[1]!,
    labels: [...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!=|!~|=)/g)].map((l) => l[1]!),
  }));
}

describe('dashboards/netstat-otel.json', () => {
  it('has panels for states, listeners, interface errors, conntrack, retransmits and overflows', () => {
    const all = exprs.map((e) => e.expr).join('\n');
    for (const metric of ['system_network_connection_count', 'netstat_listeners', 'system_network_errors_total', 'system_network_packet_dropped_total',
      'system_network_conntrack_count', 'netstat_tcp_retransmitted_segments_total', 'netstat_tcp_listen_overflows_total']) {
      expect(all).toContain(metric);
    }
  });

  it('queries only exported metrics, with labels those metrics carry', () => {
    expect(exprs.length).toBeGreaterThan(15);
    for (const { panel, expr } of exprs) {
      const found = selectors(expr);
      expect(found.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const { metric, labels } of found) {
        const def = exported.get(metric);
        expect(def, `${panel}: ${metric} is not exported`).toBeDefined();
        const allowed = new Set([...def!.attributes.map(prometheusLabelName), ...RESOURCE_LABELS]);
        for (const label of labels) expect(allowed.has(label), `${panel}: ${metric} has no label ${label}`).toBe(true);
      }
    }
  });

  it('its host variable reads an exported metric', () => {
    const query = JSON.stringify(dashboard.templating.list.map((v) => v.query));
    const metric = /label_values\(([a-z_]+),/.exec(query)?.[1];
    expect(metric && exported.has(metric)).toBe(true);
  });
});
