import { SeverityNumber } from '@opentelemetry/api-logs';
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/alerts/notify.js';
import type { Transition } from '../../src/alerts/types.js';
import { lineSink, memoryLogger } from '../rules/helpers.js';

const AT = Date.parse('2026-01-01T00:05:00Z');
const listenerAlert = (state: 'firing' | 'resolved', severity: 'warning' | 'critical' = 'critical'): Transition => ({
  state,
  at: AT,
  activeSince: AT - 60_000,
  instance: {
    key: 'unexpected-listener|tcp/0.0.0.0/8080',
    rule: 'unexpected-listener',
    severity,
    forMs: 0,
    message: 'unexpected tcp listener on 0.0.0.0:8080 (process nc\nFAKE LINE, pid 42)',
    attributes: {
      'network.transport': 'tcp',
      'network.local.address': '0.0.0.0',
      'network.local.port': 8080,
      'process.pid': 42,
      'process.executable.name': 'nc',
    },
  },
});

describe('alert log records', () => {
  it.each([
    { state: 'firing' as const, severity: 'critical' as const, number: SeverityNumber.ERROR, text: 'ERROR' },
    { state: 'firing' as const, severity: 'warning' as const, number: SeverityNumber.WARN, text: 'WARN' },
    { state: 'resolved' as const, severity: 'critical' as const, number: SeverityNumber.INFO, text: 'INFO' },
  ])('$state $severity -> $text/$number', ({ state, severity, number, text }) => {
    const { logger, exporter } = memoryLogger();
    const err = lineSink();
    createNotifier({ logger, stderr: err.stream, logFormat: 'text' }).alert(listenerAlert(state, severity));
    const [record] = exporter.getFinishedLogRecords();
    expect(record?.severityNumber).toBe(number);
    expect(record?.severityText).toBe(text);
    expect(record?.body).toBe('unexpected tcp listener on 0.0.0.0:8080 (process nc\nFAKE LINE, pid 42)');
    expect(record?.attributes).toEqual({
      'alert.name': 'unexpected-listener',
      'alert.state': state,
      'alert.severity': severity,
      'alert.key': 'unexpected-listener|tcp/0.0.0.0/8080',
      'alert.active_since': '2026-01-01T00:04:00.000Z',
      'network.transport': 'tcp',
      'network.local.address': '0.0.0.0',
      'network.local.port': 8080,
      'process.pid': 42,
      'process.executable.name': 'nc',
    });
    expect(record?.hrTime[0]).toBe(AT / 1000);
    // One stderr line, even with a newline in the message.
    expect(err.lines()).toEqual([
      `2026-01-01T00:05:00.000Z ${text} alert ${state} ${severity} unexpected-listener: unexpected tcp listener on 0.0.0.0:8080 (process nc\\nFAKE LINE, pid 42)`,
    ]);
  });

  it('writes JSON lines with --log-format json', () => {
    const { logger } = memoryLogger();
    const err = lineSink();
    createNotifier({ logger, stderr: err.stream, logFormat: 'json' }).alert(listenerAlert('firing'));
    const lines = err.lines();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      time: '2026-01-01T00:05:00.000Z',
      level: 'ERROR',
      event: 'alert',
      'alert.name': 'unexpected-listener',
      'alert.state': 'firing',
      'network.local.port': 8080,
      message: 'unexpected tcp listener on 0.0.0.0:8080 (process nc\nFAKE LINE, pid 42)',
    });
  });

  it('reports a rules file error as ERROR with rules.file and rules.line', () => {
    const { logger, exporter } = memoryLogger();
    const err = lineSink();
    createNotifier({ logger, stderr: err.stream, logFormat: 'text' }).rulesError({ file: 'rules/x.json', line: 12, reason: 'bad' }, AT);
    const [record] = exporter.getFinishedLogRecords();
    expect(record).toMatchObject({ severityNumber: 17, severityText: 'ERROR', body: 'rules/x.json:12: bad' });
    expect(record?.attributes).toMatchObject({ 'rules.file': 'rules/x.json', 'rules.line': 12 });
    expect(err.lines()).toEqual(["2026-01-01T00:05:00.000Z ERROR rules rules/x.json:12: bad (keeping this file's last good rules)"]);
  });
});
