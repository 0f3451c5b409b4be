import { describe, expect, it } from 'vitest';
import { renderWatchFrame } from '../../src/render/watch_frame.js';
import { emptySnapshot } from '../../src/snapshot/empty.js';
import type { InterfaceStats, Snapshot } from '../../src/snapshot/types.js';

const iface = (rxBytes: number, rxErrors: number): InterfaceStats => ({
  name: 'eth0', rxBytes, rxPackets: 0, rxErrors, rxDropped: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDropped: 0, operState: 'up',
});

function at(seconds: number, patch: (s: Snapshot) => void): Snapshot {
  const s = emptySnapshot('linux', new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)));
  patch(s);
  return s;
}

const previous = at(0, (s) => {
  s.tcp.states.established = 10;
  s.interfaces = [iface(1000, 5)];
});
const current = at(2, (s) => {
  s.tcp.states.established = 13;
  s.tcp.states.close_wait = 4;
  s.interfaces = [iface(1000 + 2 * 2048, 9)];
  s.conntrack = { count: 850, max: 1000 };
  s.listeners = [{ transport: 'tcp', family: 'inet6', address: '::', port: 8080, pid: 42, process: 'api', uid: 0, inode: 1 }];
  s.sockets = [
    { transport: 'tcp', family: 'inet', state: 'close_wait', localAddress: '10.0.0.1', localPort: 8080, remoteAddress: '10.0.0.2', remotePort: 5000, recvQ: 0, sendQ: 0, uid: 0, inode: 2, pid: 42, process: 'api' },
    { transport: 'tcp', family: 'inet', state: 'established', localAddress: '10.0.0.1', localPort: 8080, remoteAddress: '10.0.0.3', remotePort: 5001, recvQ: 0, sendQ: 0, uid: 0, inode: 3, pid: 42, process: 'api' },
  ];
});

describe('renderWatchFrame', () => {
  const text = renderWatchFrame({
    previous, current, host: 'web-1', intervalMs: 2000, width: 120, height: 100,
    alerts: [{ name: 'conntrack-table-high', severity: 'warning', message: 'conntrack at 85% of max', since: Date.parse(current.timestamp) - 30_000 }],
  });

  it('shows state counts with their change since the last refresh', () => {
    expect(text).toContain('TCP  estab 13 (+3)  close-wait 4 (+4)  listen 0');
  });

  it('shows interface rates and errors per second from the two snapshots', () => {
    expect(text).toMatch(/^eth0 +up +2\.0 KB\/s +0 B\/s +9 +2$/m);
  });

  it('lists firing alerts, conntrack use, listeners and top processes', () => {
    expect(text).toContain('ALERTS FIRING (1)\nWARN conntrack-table-high: conntrack at 85% of max (for 30s)');
    expect(text).toContain('conntrack 850/1000 (85.0%)');
    expect(text).toMatch(/^tcp6 +\[::\]:8080 +42\/api$/m);
    expect(text).toMatch(/^42\/api +2 +1 +1$/m);
  });

  it('fits the terminal: long lines are cut and extra lines summarised', () => {
    const small = renderWatchFrame({ previous, current, alerts: [], host: 'h', intervalMs: 2000, width: 30, height: 8 });
    const lines = small.split('\n');
    expect(lines).toHaveLength(8);
    expect(lines.every((l) => l.length <= 30)).toBe(true);
    expect(lines[7]).toMatch(/^… \d+ more lines/);
  });
});
