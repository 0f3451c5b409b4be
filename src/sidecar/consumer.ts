import type { Snapshot } from '../snapshot/types.js';

/**
 * Something the `run` loop hands each new snapshot to (the metrics view, the rules evaluator).
 * The loop owns sampling; consumers never sample by themselves, so one sampling serves all.
 */
export interface SnapshotConsumer {
  readonly name: string;
  onSnapshot(snapshot: Snapshot): Promise<void> | void;
  /** Flush and release; called once on shutdown. */
  close(): Promise<void>;
  /**
   * Re-read configuration now (SIGHUP). Returns a few words for the log line, e.g. "12 rules
   * from /etc/netstat-otel/rules". Consumers without configuration leave it out.
   */
  reload?(): string | void;
}
