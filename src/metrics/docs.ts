/**
 * docs/metrics.md, generated from the metric table so the two cannot drift
 * (`npm run docs:metrics` rewrites it; test/metrics/docs.test.ts fails when it is stale).
 */
import { METRICS, SOCKSTAT_PAGE_SIZE, type MetricDefinition } from './table.js';

const KIND_TEXT: Record<MetricDefinition['kind'], string> = {
  counter: 'counter (cumulative, monotonic)',
  updowncounter: 'up-down counter',
  gauge: 'gauge',
};

function origin(def: MetricDefinition): string {
  if (def.kernel !== undefined) {
    const file = def.kernel.section === 'TcpExt' ? '/proc/net/netstat' : '/proc/net/snmp';
    const fields =
      'field' in def.kernel
        ? [def.kernel.field]
        : 'byDirection' in def.kernel
          ? [`${def.kernel.byDirection.receive} (receive)`, `${def.kernel.byDirection.transmit} (transmit)`]
          : Object.entries(def.kernel.byAttribute.fields).map(([value, field]) => `${field} (${value})`);
    return `\`${file}\` ${def.kernel.section}: ${fields.join(', ')}`;
  }
  return def.origin ?? def.reads.map((r) => `\`${r}\``).join(', ');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMetricsMarkdown(): string {
  const lines = [
    '# Metrics',
    '',
    '<!-- Generated from src/metrics/table.ts by `npm run docs:metrics`; do not edit by hand. -->',
    '',
    'Every metric netstat-otel exports. Names, units and attributes follow the OpenTelemetry',
    'semantic conventions where one exists (`system.network.*`); the rest live under `netstat.*`.',
    'All instruments are asynchronous: each export or scrape reads the latest snapshot, sampled',
    'once per `--interval`. Counters are cumulative since boot, as the kernel keeps them.',
    'A metric whose source is unavailable (no conntrack module, a failed sampler) is absent, not 0.',
    '',
    '| Name | Instrument | Unit | Attributes | Description | Source |',
    '|---|---|---|---|---|---|',
  ];
  for (const def of METRICS as readonly MetricDefinition[]) {
    const attrs = def.attributes.length === 0 ? '—' : def.attributes.map((a) => `\`${a}\``).join(', ');
    lines.push(
      `| \`${def.name}\` | ${KIND_TEXT[def.kind]} | \`${def.unit}\` | ${attrs} | ${cell(def.description)} | ${cell(origin(def))} |`,
    );
  }
  lines.push(
    '',
    '## Attribute values',
    '',
    '- `network.transport`: `tcp`, `udp`.',
    '- `network.connection.state` (TCP only): `established`, `syn_sent`, `syn_received`, `fin_wait_1`,',
    '  `fin_wait_2`, `time_wait`, `closed`, `close_wait`, `last_ack`, `listen`, `closing` — the semconv',
    '  values; the kernel state CLOSE (`close` in `snapshot --json`) is reported as `closed`.',
    '- `network.type`: `ipv4`, `ipv6` (the socket\'s family: an IPv4-mapped address on an IPv6 socket is `ipv6`).',
    '- `network.io.direction`: `receive`, `transmit`.',
    '- `netstat.sockstat.protocol`: `tcp`, `udp`, `udplite`, `raw`.',
    '- `netstat.tcp.open.type`: `active` (this host connected), `passive` (accepted).',
    '- `netstat.sampler.name`: the sampler names of the snapshot (`netstat-otel snapshot --json` → `samplers`).',
    '- `netstat.alerts.drop.reason`: `queue_full` (the oldest records, dropped while the collector was away),',
    '  `rejected` (records the collector answered a final 4xx to: 400/413 for the record itself, 401/403/404 and the like for every record in the request; 408 and 429 are retried).',
    '',
    '## Notes',
    '',
    `- \`netstat.sockstat.memory\` multiplies the kernel's page count by ${SOCKSTAT_PAGE_SIZE}; on kernels with`,
    '  larger pages (some arm64/ppc64 builds use 64 KiB) the value is low by that factor.',
    '- `netstat.udp.*` counters come from `/proc/net/snmp`, which counts UDP over IPv4 only.',
    '- `netstat.alerts.*` describe the sidecar itself, not the host: alert log records waiting for the',
    '  collector and those given up. They are present only when logs are exported over OTLP.',
    '- Prometheus (`--prometheus-port`) translates names: dots become underscores and counters get',
    '  `_total` (`system.network.io` → `system_network_io_total`); up-down counters and gauges become',
    '  gauges (`system_network_connection_count`); the unit is given on a `# UNIT` line, and resource',
    '  attributes on `target_info`.',
    '',
  );
  return lines.join('\n');
}
