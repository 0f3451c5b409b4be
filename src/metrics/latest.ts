import type { SnapshotConsumer } from '../sidecar/consumer.js';
import type { Snapshot } from '../snapshot/types.js';

/** Where the metric callback reads from; never samples. */
export interface SnapshotSource {
  current(): Snapshot | null;
}

/**
 * The metrics view of the run loop: it only remembers the newest snapshot. The SDK's batch
 * callback reads it whenever a reader collects (OTLP export, Prometheus scrape), so a scrape
 * never triggers a sample and one sampling serves every reader.
 */
export class LatestSnapshot implements SnapshotConsumer, SnapshotSource {
  readonly name = 'metrics';
  #latest: Snapshot | null = null;

  onSnapshot(snapshot: Snapshot): void {
    this.#latest = snapshot;
  }

  current(): Snapshot | null {
    return this.#latest;
  }

  async close(): Promise<void> {
    // Nothing to release: the instruments belong to the MeterProvider, which telemetry shuts down.
  }
}
