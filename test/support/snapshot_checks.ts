/**
 * Schema checks every replayed snapshot must pass, whatever the platform: the DESIGN.md keys,
 * every STATE in tcp.states, counts that agree with the sockets array, listeners that point at
 * real sockets. The darwin tests use it too.
 */
import { isIP } from 'node:net';
import { expect } from 'vitest';
import { TCP_STATES, type Snapshot } from '../../src/snapshot/types.js';

const TOP_KEYS = [
  'timestamp',
  'platform',
  'sockets',
  'tcp',
  'udp',
  'unix',
  'listeners',
  'interfaces',
  'routes',
  'defaultGateways',
  'conntrack',
  'counters',
  'sockstat',
  'localPortRange',
  'errors',
  'samplers',
];

export function checkSnapshotSchema(s: Snapshot, options: { listenersNamed?: boolean } = {}): void {
  for (const key of TOP_KEYS) expect(s, `key ${key}`).toHaveProperty(key);
  // Absent data is null, never undefined: a JSON round trip must not lose anything.
  expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  expect(new Date(s.timestamp).toISOString()).toBe(s.timestamp);
  for (const key of ['Tcp', 'TcpExt', 'Udp', 'Udp6', 'Ip']) expect(s.counters, `counters.${key}`).toHaveProperty(key);

  expect(Object.keys(s.tcp.states).sort()).toEqual([...TCP_STATES].sort());
  for (const state of TCP_STATES) {
    const n = s.sockets.filter((x) => x.transport === 'tcp' && x.state === state).length;
    expect(s.tcp.states[state], `tcp.states.${state}`).toBe(n);
  }
  expect(Object.values(s.tcp.states).reduce((a, b) => a + b, 0)).toBe(s.sockets.filter((x) => x.transport === 'tcp').length);
  expect(s.udp.sockets).toBe(s.sockets.filter((x) => x.transport === 'udp').length);
  if (s.unix !== null) expect(s.unix.sockets).toBe(s.sockets.filter((x) => x.transport === 'unix').length);

  for (const x of s.sockets) {
    expect(['tcp', 'udp', 'unix']).toContain(x.transport);
    expect(x.transport === 'unix' ? ['unix'] : ['inet', 'inet6']).toContain(x.family);
    expect(TCP_STATES).toContain(x.state);
    for (const p of [x.localPort, x.remotePort]) if (p !== null) expect(p >= 0 && p <= 65535).toBe(true);
    expect(Number.isInteger(x.recvQ) && Number.isInteger(x.sendQ)).toBe(true);
    if (x.pid !== null) expect(x.pid).toBeGreaterThan(0);
  }

  for (const l of s.listeners) {
    const socket = s.sockets.find(
      (x) => x.transport === l.transport && x.localAddress === l.address && x.localPort === l.port && x.pid === l.pid,
    );
    expect(socket, `listener ${l.transport} ${l.address}:${l.port}`).toBeDefined();
    if (options.listenersNamed ?? true) {
      expect(l.pid, `pid of ${l.transport} ${l.address}:${l.port}`).not.toBeNull();
      expect(l.process, `process of ${l.transport} ${l.address}:${l.port}`).not.toBeNull();
    }
  }
  for (const x of s.sockets) {
    if (x.transport === 'tcp' && x.state === 'listen' && x.localPort !== null && x.localAddress !== null) {
      expect(s.listeners.some((l) => l.transport === 'tcp' && l.port === x.localPort && l.address === x.localAddress)).toBe(true);
    }
  }

  for (const i of s.interfaces) {
    for (const k of ['rxBytes', 'rxPackets', 'rxErrors', 'rxDropped', 'txBytes', 'txPackets', 'txErrors', 'txDropped'] as const) {
      expect(Number.isSafeInteger(i[k]) && i[k] >= 0, `${i.name}.${k}`).toBe(true);
    }
  }
  for (const r of s.routes) {
    const [addr, len] = r.destination.split('/');
    expect(isIP(addr ?? ''), r.destination).toBe(r.family === 'inet' ? 4 : 6);
    expect(Number(len)).toBeLessThanOrEqual(r.family === 'inet' ? 32 : 128);
    expect(r.flags).toMatch(/^U/);
  }
  for (const g of s.defaultGateways) {
    expect(s.routes.some((r) => r.gateway === g.gateway && r.interface === g.interface && r.destination.endsWith('/0'))).toBe(true);
  }
  for (const e of s.errors) expect(Object.keys(e).sort()).toEqual(['file', 'line', 'message', 'source']);
}
