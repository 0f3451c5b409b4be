import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { METRICS, type MetricDefinition } from './table.js';

/**
 * The name a Prometheus-compatible backend (Prometheus's OTLP receiver, Mimir, Grafana Cloud,
 * the Collector's prometheus exporters) gives an OTLP metric under the default translation
 * ("underscore escaping with suffixes", OTel's Prometheus compatibility spec): dots become
 * underscores, the unit (without `{annotations}`) is appended in words, and monotonic counters
 * end in `_total`. Dashboards query these names.
 */

const UNIT_WORDS: Readonly<Record<string, string>> = {
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  '%': 'percent',
};

function escape(text: string): string {
  return text.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
}

/** `{packet}` -> ``, `By` -> `bytes`, `1` -> `ratio` (gauges only), `By/s` -> `bytes_per_second`. */
export function prometheusUnitSuffix(unit: string, kind: MetricDefinition['kind']): string {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return '';
  if (bare === '1') return kind === 'gauge' ? 'ratio' : '';
  const [main, per] = bare.split('/');
  const words = escape(UNIT_WORDS[main!] ?? main!);
  if (per === undefined) return words;
  const perWords = { s: 'second', m: 'minute', h: 'hour', d: 'day' }[per] ?? escape(UNIT_WORDS[per] ?? per);
  return words ? `${words}_per_${perWords}` : `per_${perWords}`;
}

export function prometheusMetricName(def: Pick<MetricDefinition, 'name' | 'unit' | 'kind'>): string {
  let name = escape(def.name);
  const suffix = prometheusUnitSuffix(def.unit, def.kind);
  if (suffix && !name.endsWith(`_${suffix}`)) name += `_${suffix}`;
  if (def.kind === 'counter') name = `${name.replace(/_total$/, '')}_total`;
  return name;
}

/** Attribute keys as labels: `network.connection.state` -> `network_connection_state`. */
export function prometheusLabelName(key: string): string {
  return escape(key);
}

const BY_OTEL_NAME = new Map<string, MetricDefinition>((METRICS as readonly MetricDefinition[]).map((d) => [d.name, d]));

/**
 * Collected metrics renamed to the translated names, for the scrape endpoint. `_total` is left
 * for the serializer to add, as it does to every counter.
 */
export function withPrometheusNames(resourceMetrics: ResourceMetrics): ResourceMetrics {
  return {
    ...resourceMetrics,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
      ...scope,
      metrics: scope.metrics.map((metric) => {
        const def = BY_OTEL_NAME.get(metric.descriptor.name);
        if (!def) return metric;
        const name = prometheusMetricName(def).replace(/_total$/, '');
        return { ...metric, descriptor: { ...metric.descriptor, name } } as MetricData;
      }),
    })),
  };
}
