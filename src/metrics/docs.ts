/**
 * docs/metrics.md, generated from the metric table so the two cannot drift
 * (`npm run docs:metrics` rewrites it; test/metrics/docs.test.ts fails when it is stale).
 */
import { KERNEL_SECTION_FILES, METRICS, SOCKSTAT_PAGE_SIZE, type KernelCounterSource, type KernelSection, type MetricDefinition } from './table.js';

const KIND_TEXT: Record<MetricDefinition['kind'], string> = {
  counter: 'counter (cumulative, monotonic)',
  updowncounter: 'up-down counter',
  gauge: 'gauge',
};

function kernelOrigin(kernel: KernelCounterSource): string {
  const fields =
    'field' in kernel
      ? [kernel.field]
      : 'byDirection' in kernel
        ? [`${kernel.byDirection.receive} (receive)`, `${kernel.byDirection.transmit} (transmit)`]
        : Object.entries(kernel.byAttribute.fields).map(([value, field]) => `${field} (${value})`);
  const from = (section: KernelSection): string => `\`${KERNEL_SECTION_FILES[section]}\` ${section}`;
  if ('section' in kernel) return `${from(kernel.section)}: ${fields.join(', ')}`;
  const { key, sections } = kernel.bySection;
  const each = Object.entries(sections).map(([value, section]) => `${from(section)} (\`${key}\` ${value})`);
  return `${each.join(', ')}: ${fields.join(', ')}`;
}

function origin(def: MetricDefinition): string {
  if (def.kernel !== undefined) return kernelOrigin(def.kernel);
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
    '- `network.type`: `ipv4`, `ipv6`. For sockets and listeners, the socket\'s family (an IPv4-mapped address on an',
    '  IPv6 socket is `ipv6`); for `netstat.udp.*`, the IP version of the datagram, as the kernel counts it.',
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
    '- `netstat.udp.*` counters come from `/proc/net/snmp` (`Udp`, UDP over IPv4: `network.type=ipv4`) and',
    '  `/proc/net/snmp6` (`Udp6`, UDP over IPv6: `network.type=ipv6`). The kernel counts each datagram in one of',
    '  the two (an IPv4 datagram on a dual-stack IPv6 socket is `ipv4`), so their sum is all UDP. Without',
    '  `/proc/net/snmp6` (IPv6 disabled) only the `ipv4` series is reported. Windows reports both (UDPv4 and',
    '  UDPv6 performance counters); macOS reports no UDP counters.',
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
