/**
 * Where alert transitions and rules-file errors go: an OTel log record through the injected
 * Logger (exported over OTLP by whoever owns the LoggerProvider) and one line on stderr, as
 * text or as a JSON line (`--log-format json`).
 */
import { SeverityNumber, type AnyValue, type Logger } from '@opentelemetry/api-logs';
import type { ParseIssue } from '../errors.js';
import type { Severity, Transition } from './types.js';

export type LogFormat = 'text' | 'json';

export interface Notifier {
  alert(transition: Transition): void;
  /** An invalid rules file (the file's last good rules stay in effect). */
  rulesError(issue: ParseIssue, at?: number): void;
  /** Something said once, not an alert (firewall tool missing, listener sampler failing). */
  notice(message: string, attributes?: Record<string, AnyValue>, at?: number): void;
}

export interface NotifierOptions {
  logger: Logger;
  stderr?: NodeJS.WritableStream;
  logFormat: LogFormat;
}

const SEVERITY: Record<Severity | 'resolved', { number: SeverityNumber; text: string }> = {
  warning: { number: SeverityNumber.WARN, text: 'WARN' },
  critical: { number: SeverityNumber.ERROR, text: 'ERROR' },
  resolved: { number: SeverityNumber.INFO, text: 'INFO' },
};

/** One line per event: a newline in a process name or message must not start a fake line. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export function alertAttributes(t: Transition): Record<string, AnyValue> {
  return {
    ...t.instance.attributes,
    'alert.name': t.instance.rule,
    'alert.state': t.state,
    'alert.severity': t.instance.severity,
    'alert.key': t.instance.key,
    'alert.active_since': new Date(t.activeSince).toISOString(),
  };
}

export function formatAlertLine(t: Transition, format: LogFormat): string {
  const time = new Date(t.at).toISOString();
  const level = t.state === 'resolved' ? 'INFO' : SEVERITY[t.instance.severity].text;
  if (format === 'json') {
    return JSON.stringify({ time, level, event: 'alert', message: t.instance.message, ...alertAttributes(t) });
  }
  // `TIME LEVEL ...` like every other stderr line (sidecar/log.ts), then what happened.
  return oneLine(`${time} ${level} alert ${t.state} ${t.instance.severity} ${t.instance.rule}: ${t.instance.message}`);
}

export function formatRulesErrorLine(issue: ParseIssue, at: number, format: LogFormat): string {
  const time = new Date(at).toISOString();
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}`;
  if (format === 'json') {
    return JSON.stringify({
      time,
      level: 'ERROR',
      event: 'rules.error',
      message: `${where}: ${issue.reason}`,
      'rules.file': issue.file,
      'rules.line': issue.line,
    });
  }
  return oneLine(`${time} ERROR rules ${where}: ${issue.reason} (keeping this file's last good rules)`);
}

export function createNotifier(options: NotifierOptions): Notifier {
  const { logger, logFormat } = options;
  const stderr = options.stderr ?? process.stderr;
  const write = (line: string): void => {
    stderr.write(`${line}\n`);
  };
  return {
    alert(t) {
      const sev = SEVERITY[t.state === 'resolved' ? 'resolved' : t.instance.severity];
      logger.emit({
        eventName: 'netstat.alert',
        timestamp: new Date(t.at),
        severityNumber: sev.number,
        severityText: sev.text,
        body: t.instance.message,
        attributes: alertAttributes(t),
      });
      write(formatAlertLine(t, logFormat));
    },
    rulesError(issue, at = Date.now()) {
      const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}`;
      logger.emit({
        eventName: 'netstat.rules.error',
        timestamp: new Date(at),
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: `${where}: ${issue.reason}`,
        attributes: { 'rules.file': issue.file, ...(issue.line === null ? {} : { 'rules.line': issue.line }), 'rules.reason': issue.reason },
      });
      write(formatRulesErrorLine(issue, at, logFormat));
    },
    notice(message, attributes = {}, at = Date.now()) {
      logger.emit({
        eventName: 'netstat.notice',
        timestamp: new Date(at),
        severityNumber: SeverityNumber.WARN,
        severityText: 'WARN',
        body: message,
        attributes,
      });
      const time = new Date(at).toISOString();
      write(logFormat === 'json' ? JSON.stringify({ time, level: 'WARN', event: 'notice', message, ...attributes }) : oneLine(`${time} WARN ${message}`));
    },
  };
}
