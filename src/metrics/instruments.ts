/**
 * Creates one instrument per row of the metric table and ONE batch observable callback that
 * reads the latest snapshot and hands it to the per-group observe functions (observe.ts), plus
 * the alert queue's counters when there is a queue.
 */
import { ValueType, type BatchObservableResult, type Meter, type Observable } from '@opentelemetry/api';
import type { Snapshot } from '../snapshot/types.js';
import type { SnapshotSource } from './latest.js';
import { observeAlertQueue, observeSnapshot, type AlertQueueStats, type Observation } from './observe.js';
import { METRICS, type MetricDefinition, type MetricName, type SnapshotMetricGroup } from './table.js';

export interface RegisteredMetrics {
  readonly instruments: ReadonlyMap<MetricName, Observable>;
  /** Detach the callback (the instruments stay, reporting nothing). */
  unregister(): void;
}

export interface RegisterOptions {
  /** Told when an observe group throws; the other groups still report. */
  onError?: (group: SnapshotMetricGroup, err: unknown) => void;
  /** The alert record queue, for netstat.alerts.*; absent when alerts are not exported over OTLP. */
  alertQueue?: { stats(): AlertQueueStats } | null;
}

function createInstrument(meter: Meter, def: MetricDefinition): Observable {
  const options = {
    description: def.description,
    unit: def.unit,
    valueType: def.valueType === 'int' ? ValueType.INT : ValueType.DOUBLE,
  };
  switch (def.kind) {
    case 'counter':
      return meter.createObservableCounter(def.name, options);
    case 'updowncounter':
      return meter.createObservableUpDownCounter(def.name, options);
    case 'gauge':
      return meter.createObservableGauge(def.name, options);
  }
}

export function registerMetrics(meter: Meter, source: SnapshotSource, options: RegisterOptions = {}): RegisteredMetrics {
  const instruments = new Map<MetricName, Observable>();
  for (const def of METRICS) instruments.set(def.name, createInstrument(meter, def));

  // Each reader (OTLP export, every Prometheus scrape) runs the callback; derive a snapshot's
  // points once and replay them, since the socket table behind them can be large.
  let cached: { snapshot: Snapshot; points: Observation[] } | null = null;
  const alertQueue = options.alertQueue ?? null;
  const callback = (result: BatchObservableResult): void => {
    // Only read: sampling belongs to the run loop, never to a collection (scrapes would sample).
    const snapshot = source.current();
    // Nothing at all before the first sample: an export then would describe no host.
    if (snapshot === null) return;
    if (alertQueue !== null) {
      // Read at every collection, not per snapshot: the queue moves between samples.
      observeAlertQueue(alertQueue.stats(), (metric, value, attributes = {}) => {
        const instrument = instruments.get(metric);
        if (instrument !== undefined) result.observe(instrument, value, attributes);
      });
    }
    if (cached?.snapshot !== snapshot) {
      const points: Observation[] = [];
      observeSnapshot(snapshot, (metric, value, attributes = {}) => points.push({ metric, value, attributes }), options.onError);
      cached = { snapshot, points };
    }
    for (const { metric, value, attributes } of cached.points) {
      const instrument = instruments.get(metric);
      if (instrument !== undefined) result.observe(instrument, value, attributes);
    }
  };
  const all = [...instruments.values()];
  meter.addBatchObservableCallback(callback, all);
  return {
    instruments,
    unregister: () => meter.removeBatchObservableCallback(callback, all),
  };
}
