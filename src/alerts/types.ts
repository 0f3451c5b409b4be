/**
 * What rule evaluation hands to the alert lifecycle: the alert instances whose conditions hold
 * right now. Alert state (pending, firing) lives in alerts/ alone; rules/ never keeps any.
 */
import type { AnyValue } from '@opentelemetry/api-logs';

export type Severity = 'warning' | 'critical';
export type AlertAttributes = Record<string, AnyValue>;

export interface AlertInstance {
  /** Rule name, plus `|` and the item key for per-item rules (`unexpected-listener|tcp/0.0.0.0/8080`). */
  key: string;
  rule: string;
  severity: Severity;
  /** How long the condition must hold before the alert fires (the rule's `for`). */
  forMs: number;
  /** The rendered message: the log record body. */
  message: string;
  /** The facts that triggered it, as OTel attributes (network.local.port, process.pid, ...). */
  attributes: AlertAttributes;
}

export type AlertState = 'pending' | 'firing';

export interface Transition {
  state: 'firing' | 'resolved';
  /** Epoch ms of the evaluation that caused it. */
  at: number;
  /** The instance as last seen active. */
  instance: AlertInstance;
  /** When the condition started holding (pending since). */
  activeSince: number;
}
