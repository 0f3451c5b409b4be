/**
 * The bounded past that facts are computed from. Facts are pure functions of this value;
 * `pushSnapshot` and `observeListeners` return a new history and never mutate the old one.
 *
 * Only the latest snapshot is kept whole (facts that look at sockets need only "now"); older
 * samples are kept as small digests, because a host with 100k sockets would otherwise hold ten
 * copies of its socket table. Route tables are stored once per distinct content (by hash).
 */
import { createHash } from 'node:crypto';
import type {
  Conntrack,
  CounterSection,
  InterfaceStats,
  Listener,
  Route,
  Snapshot,
  TcpState,
} from '../../snapshot/types.js';

export const DEFAULT_WINDOW_MS = 10 * 60_000;

/** What the firewall probe saw at one sample (see firewall.ts). */
export interface FirewallSample {
  tool: string;
  hash: string;
}

export interface Digest {
  /** Epoch milliseconds of the sample. */
  at: number;
  states: Record<TcpState, number>;
  conntrack: Conntrack | null;
  tcp: CounterSection | null;
  tcpExt: CounterSection | null;
  /** UDP over IPv4 (`Udp`) and over IPv6 (`Udp6`, null when IPv6 is off): the kernel counts each datagram in one of them. */
  udp: CounterSection | null;
  udp6: CounterSection | null;
  interfaces: InterfaceStats[];
  /** Hash of the non-default routes, or null when routes could not be read this time. */
  routesHash: string | null;
  /** Canonical text of the default gateways (`none` when there is none), or null when unknown. */
  defaultGateways: string | null;
  /** undefined: not probed (no rule needs it); null: probe unavailable. */
  firewall: FirewallSample | null | undefined;
}

export interface ListenerState {
  /** Time of the latest listener observation, or null before the first. */
  at: number | null;
  current: readonly Listener[];
  /** Keys present at the first observation, plus listeners that stayed open a whole window. */
  known: ReadonlySet<string> | null;
  /** Listeners that appeared after startup and are still open, by key, with first-seen time. */
  firstSeen: ReadonlyMap<string, number>;
}

export interface SnapshotHistory {
  readonly windowMs: number;
  /** Oldest first. The first entry may be older than the window (the "anchor", see trim). */
  readonly entries: readonly Digest[];
  readonly latest: Snapshot | null;
  /** Route lines by routesHash, only for hashes still referenced by entries. */
  readonly routeSets: ReadonlyMap<string, readonly string[]>;
  readonly listeners: ListenerState;
}

export function emptyHistory(windowMs: number = DEFAULT_WINDOW_MS): SnapshotHistory {
  return {
    windowMs,
    entries: [],
    latest: null,
    routeSets: new Map(),
    listeners: { at: null, current: [], known: null, firstSeen: new Map() },
  };
}

/** Identity of a listener across samples: pid and process may change, the socket address not. */
export function listenerKey(l: Pick<Listener, 'transport' | 'address' | 'port'>): string {
  return `${l.transport}/${l.address}/${l.port}`;
}

export function isDefaultDestination(destination: string): boolean {
  return destination === '0.0.0.0/0' || destination === '::/0' || destination === 'default';
}

/** A route as one `ip route`-like line; lines are what routes.changed reports as added/removed. */
export function routeLine(r: Route): string {
  const parts = [r.destination];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.interface) parts.push(`dev ${r.interface}`);
  if (r.metric !== null) parts.push(`metric ${r.metric}`);
  return parts.join(' ');
}

/** Did the sampler report a failure for this part of the snapshot? Then don't compare it. */
function failed(snapshot: Snapshot, pattern: RegExp): boolean {
  return snapshot.errors.some((e) => pattern.test(e.source) || (e.file !== null && pattern.test(e.file)));
}

export function timestampOf(snapshot: Snapshot): number {
  const at = Date.parse(snapshot.timestamp);
  return Number.isNaN(at) ? Date.now() : at;
}

function digest(snapshot: Snapshot, at: number, firewall: FirewallSample | null | undefined): [Digest, string[] | null] {
  const routesFailed = failed(snapshot, /route/i);
  const lines = routesFailed
    ? null
    : snapshot.routes
        .filter((r) => !isDefaultDestination(r.destination))
        .map(routeLine)
        .sort();
  const routesHash = lines ? createHash('sha256').update(lines.join('\n')).digest('hex') : null;
  const gateways = routesFailed
    ? null
    : snapshot.defaultGateways
        .map((g) => `${g.gateway}${g.interface ? ` dev ${g.interface}` : ''}`)
        .sort()
        .join(', ') || 'none';
  return [
    {
      at,
      states: { ...snapshot.tcp.states },
      conntrack: snapshot.conntrack ? { ...snapshot.conntrack } : null,
      tcp: snapshot.counters.Tcp ? { ...snapshot.counters.Tcp } : null,
      tcpExt: snapshot.counters.TcpExt ? { ...snapshot.counters.TcpExt } : null,
      udp: snapshot.counters.Udp ? { ...snapshot.counters.Udp } : null,
      udp6: snapshot.counters.Udp6 ? { ...snapshot.counters.Udp6 } : null,
      interfaces: snapshot.interfaces.map((i) => ({ ...i })),
      routesHash,
      defaultGateways: gateways,
      firewall,
    },
    lines,
  ];
}

/**
 * Keeps the entries inside the window plus one before it (the anchor), so a change that happened
 * between the anchor and the first entry in the window still counts as "within the window", and
 * rates always have a previous sample even when the interval is longer than the window.
 */
function trim(entries: Digest[], windowMs: number): Digest[] {
  const last = entries[entries.length - 1];
  if (!last) return entries;
  const from = last.at - windowMs;
  let first = entries.findIndex((e) => e.at >= from);
  if (first < 0) first = entries.length - 1;
  return entries.slice(Math.max(0, first - 1));
}

export interface PushExtras {
  firewall?: FirewallSample | null;
  /** Also take the snapshot's listeners as a listener observation (default true). */
  listeners?: boolean;
}

export function pushSnapshot(history: SnapshotHistory, snapshot: Snapshot, extras: PushExtras = {}): SnapshotHistory {
  const at = timestampOf(snapshot);
  const [entry, lines] = digest(snapshot, at, extras.firewall);
  const entries = trim([...history.entries, entry], history.windowMs);
  const routeSets = new Map<string, readonly string[]>();
  for (const e of entries) {
    if (e.routesHash === null || routeSets.has(e.routesHash)) continue;
    const known = e === entry && lines ? lines : history.routeSets.get(e.routesHash);
    if (known) routeSets.set(e.routesHash, known);
  }
  let next: SnapshotHistory = { ...history, entries, latest: snapshot, routeSets };
  // No listeners because the socket tables could not be read is not "every listener closed".
  const listenersUnread = snapshot.listeners.length === 0 && snapshot.errors.some((e) => /^(tcp|udp|listen)/i.test(e.source));
  if (extras.listeners !== false && !listenersUnread) next = observeListeners(next, snapshot.listeners, at);
  return next;
}

/**
 * One look at the listening sockets (from a snapshot or the fast listener watch). An older
 * observation than the one already held is ignored, so a slow full sample cannot undo what the
 * 1-second watch saw after it.
 *
 * "New" listeners: absent from the startup baseline and from the observation before they
 * appeared. One stays new while it stays open, until it has been open a whole window; then it
 * joins the known set (so a long-lived new service does not warn forever, and a listener that
 * closes and reopens within the window warns again).
 */
export function observeListeners(history: SnapshotHistory, listeners: readonly Listener[], at: number): SnapshotHistory {
  const state = history.listeners;
  if (state.at !== null && at < state.at) return history;
  const keys = new Set(listeners.map(listenerKey));
  if (state.known === null) {
    return { ...history, listeners: { at, current: [...listeners], known: keys, firstSeen: new Map() } };
  }
  const known = new Set(state.known);
  const firstSeen = new Map<string, number>();
  for (const key of keys) {
    if (known.has(key)) continue;
    const since = state.firstSeen.get(key) ?? at;
    if (at - since >= history.windowMs) known.add(key);
    else firstSeen.set(key, since);
  }
  return { ...history, listeners: { at, current: [...listeners], known, firstSeen } };
}

/** When the earliest new listener stops being new (joins the known set); Infinity when none is new. */
export function nextListenerExpiry(history: SnapshotHistory): number {
  let next = Number.POSITIVE_INFINITY;
  for (const since of history.listeners.firstSeen.values()) next = Math.min(next, since + history.windowMs);
  return next;
}

/** Entries whose time is inside the window that ends at the latest entry. */
export function inWindow(history: SnapshotHistory): Digest[] {
  const last = history.entries[history.entries.length - 1];
  if (!last) return [];
  return history.entries.filter((e) => e.at >= last.at - history.windowMs);
}

/** The latest entry and the one before it, for per-interval rates. */
export function lastTwo(history: SnapshotHistory): [Digest, Digest] | null {
  const n = history.entries.length;
  const prev = history.entries[n - 2];
  const cur = history.entries[n - 1];
  return prev && cur ? [prev, cur] : null;
}
