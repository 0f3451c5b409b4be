/**
 * Evidence: what a person would look up next when an alert fires (`ss -tanp`, `ip -s link`,
 * `/proc/<pid>/cmdline`), gathered from the same SnapshotHistory the facts use, only for alerts
 * that are firing or fire at this evaluation. Each rule family has one pure function that turns
 * the history (and the alert's item) into template values and log record attributes.
 */
import type { AlertAttributes } from '../../alerts/types.js';
import type { SnapshotHistory } from '../facts/history.js';

/** One family's evidence: `{{evidence.<family>.<field>}}` values and the attributes it adds. */
export interface Evidence {
  values: Record<string, unknown>;
  attributes: AlertAttributes;
}

/** What evidence may know about a running process beyond the snapshot. */
export interface ProcessDetails {
  /** Arguments joined with spaces and truncated; null when unreadable, empty (kernel thread) or not collected. */
  commandLine: string | null;
  /** Effective uid; null when unreadable. */
  uid: number | null;
}

/**
 * Process details and user names. The live one reads procfs and /etc/passwd (process_info.ts);
 * tests and `rules test` pass fixed tables, so the evidence functions stay pure.
 */
export interface ProcessInfo {
  /**
   * Details of process `pid`, or null when it is gone or no longer runs as `name` (its pid was
   * reused, or it lives in another pid namespace than the procfs we read).
   */
  details(pid: number, name: string | null, withCommandLine: boolean): ProcessDetails | null;
  /** The user name of `uid`, or null when no passwd entry names it. */
  userName(uid: number): string | null;
}

export const NO_PROCESS_INFO: ProcessInfo = { details: () => null, userName: () => null };

export interface EvidenceContext {
  history: SnapshotHistory;
  processes: ProcessInfo;
  /** Include command lines (they can hold secrets passed as arguments). */
  commandLine: boolean;
}
