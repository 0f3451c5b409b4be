import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { resolveRunOptions } from '../../src/config/run-options.js';
import { UsageError } from '../../src/errors.js';

describe('parseDuration', () => {
  it.each([
    ['60s', 60_000],
    ['1m', 60_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    ['250', 250],
    [' 2m ', 120_000],
  ])('%s -> %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 's', '10x', '1 m', '-5s', '5s3', 'm1'])('rejects %j', (text) => expect(() => parseDuration(text)).toThrow(RangeError));

  it('formats back to the shortest exact text', () => {
    expect([60_000, 90_000, 1_500, 3_600_000, 5_000].map(formatDuration)).toEqual(['1m', '90s', '1500ms', '1h', '5s']);
  });
});

function configFile(content: unknown, name = 'netstat-otel.json'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('resolveRunOptions', () => {
  it('has the documented defaults', () => {
    expect(resolveRunOptions({}, {})).toEqual({
      configFile: null,
      rules: null,
      intervalMs: 60_000,
      once: false,
      procfs: '/proc',
      sysfs: '/sys',
      attribution: true,
      prometheusPort: null,
      prometheusHost: '127.0.0.1',
      logFormat: 'text',
      stateDir: null,
      alertQueueSize: 10_000,
    });
  });

  it('takes --state-dir and --alert-queue-size from flags or the config file (paths relative to it)', () => {
    const file = configFile({ 'state-dir': 'state', alertQueueSize: 50 });
    expect(resolveRunOptions({ config: file }, {})).toMatchObject({ stateDir: path.join(path.dirname(file), 'state'), alertQueueSize: 50 });
    expect(resolveRunOptions({ config: file, stateDir: '/var/lib/netstat-otel', alertQueueSize: '7' }, {})).toMatchObject({
      stateDir: '/var/lib/netstat-otel',
      alertQueueSize: 7,
    });
    expect(resolveRunOptions({ stateDir: 'rel' }, {}).stateDir).toBe(path.resolve('rel'));
    expect(() => resolveRunOptions({ alertQueueSize: '0' }, {})).toThrow(/not a record count/);
    expect(() => resolveRunOptions({ alertQueueSize: 'lots' }, {})).toThrow(/not a record count/);
    expect(() => resolveRunOptions({ stateDir: ' ' }, {})).toThrow(/--state-dir/);
    expect(() => resolveRunOptions({ config: configFile({ alertQueueSize: -1 }) }, {})).toThrow(/alertQueueSize/);
  });

  it('takes the interval from OTEL_METRIC_EXPORT_INTERVAL (ms) unless given, and ignores a bad value', () => {
    expect(resolveRunOptions({}, { OTEL_METRIC_EXPORT_INTERVAL: '15000' }).intervalMs).toBe(15_000);
    expect(resolveRunOptions({ interval: '5s' }, { OTEL_METRIC_EXPORT_INTERVAL: '15000' }).intervalMs).toBe(5_000);
    expect(resolveRunOptions({}, { OTEL_METRIC_EXPORT_INTERVAL: 'often' }).intervalMs).toBe(60_000);
  });

  it('reads a JSON config file (either spelling) and lets flags win', () => {
    const file = configFile({ interval: '30s', 'prometheus-port': 9464, logFormat: 'json', rules: 'rules.d', procfs: '/host/proc', attribution: false });
    const fromFile = resolveRunOptions({ config: file }, {});
    expect(fromFile).toMatchObject({
      configFile: file,
      intervalMs: 30_000,
      prometheusPort: 9464,
      logFormat: 'json',
      rules: path.join(path.dirname(file), 'rules.d'), // relative to the config file
      procfs: '/host/proc',
      attribution: false,
    });
    const flagged = resolveRunOptions({ config: file, interval: '2m', prometheusPort: '9000', logFormat: 'text', attribution: true }, {});
    expect(flagged).toMatchObject({ intervalMs: 120_000, prometheusPort: 9000, logFormat: 'text', attribution: true });
  });

  it('says what is wrong with a bad config file or flag', () => {
    expect(() => resolveRunOptions({ config: configFile({ intervall: '30s' }) }, {})).toThrow(/: \(top level\): unknown key "intervall"$/);
    expect(() => resolveRunOptions({ config: configFile({ once: 'yes', logFormat: 'xml' }) }, {})).toThrow(
      /: once: expected true or false, found "yes"; logFormat: expected "text" or "json", found "xml"$/,
    );
    expect(() => resolveRunOptions({ config: configFile('{ not json') }, {})).toThrow(/not valid JSON/);
    expect(() => resolveRunOptions({ config: configFile({ interval: 'soon' }) }, {})).toThrow(/interval.*invalid duration/);
    expect(() => resolveRunOptions({ config: configFile('a: 1', 'c.yaml') }, {})).toThrow(/only JSON/);
    expect(() => resolveRunOptions({ config: '/nonexistent/netstat-otel.json' }, {})).toThrow(UsageError);
    expect(() => resolveRunOptions({ interval: '10ms' }, {})).toThrow(/at least 100ms/);
    expect(() => resolveRunOptions({ prometheusPort: '70000' }, {})).toThrow(/not a port/);
    expect(() => resolveRunOptions({ logFormat: 'xml' }, {})).toThrow(/text or json/);
  });
});
