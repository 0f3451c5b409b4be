import { describe, expect, it } from 'vitest';
import { outboundByProcess } from '../../../src/rules/facts/outbound.js';
import { historyOf, listener, snap, socket } from '../helpers.js';

describe('outbound.byProcess', () => {
  it('groups outbound sockets by process with distinct remotes, leaving accepted connections out', () => {
    const sockets = [
      socket({ pid: 10, process: 'curl', localPort: 40001, remoteAddress: '93.184.216.34', remotePort: 443 }),
      socket({ pid: 10, process: 'curl', localPort: 40002, remoteAddress: '93.184.216.34', remotePort: 443 }),
      socket({ pid: 10, process: 'curl', localPort: 40003, state: 'syn_sent', family: 'inet6', remoteAddress: '2606:4700::1', remotePort: 443 }),
      socket({ pid: 20, process: 'resolved', transport: 'udp', localPort: 40004, remoteAddress: '1.1.1.1', remotePort: 53 }),
      // accepted by our sshd: local port 22 is a listener
      socket({ pid: 30, process: 'sshd', localPort: 22, remoteAddress: '10.0.0.7', remotePort: 51000 }),
      // not outbound: time_wait, unconnected udp
      socket({ pid: 10, process: 'curl', state: 'time_wait', localPort: 40005 }),
      socket({ pid: 20, process: 'resolved', transport: 'udp', state: 'close', localPort: 53, remoteAddress: '0.0.0.0', remotePort: 0 }),
      socket({ pid: null, process: null, localPort: 40006, remoteAddress: '10.0.0.8', remotePort: 5432 }),
    ];
    const h = historyOf([snap(0, { sockets, listeners: [listener(22, { pid: 30, process: 'sshd' })] })]);
    expect(outboundByProcess(h)).toEqual([
      { pid: 10, process: 'curl', connections: 3, remoteCount: 2, remotes: ['93.184.216.34:443', '[2606:4700::1]:443'] },
      { pid: 20, process: 'resolved', connections: 1, remoteCount: 1, remotes: ['1.1.1.1:53'] },
      { pid: null, process: null, connections: 1, remoteCount: 1, remotes: ['10.0.0.8:5432'] },
    ]);
  });

  it('caps the remotes listed but counts them all', () => {
    const sockets = Array.from({ length: 30 }, (_, i) => socket({ localPort: 41000 + i, remoteAddress: `10.1.0.${i}` }));
    const [p] = outboundByProcess(historyOf([snap(0, { sockets })]));
    expect(p?.remoteCount).toBe(30);
    expect(p?.remotes).toHaveLength(20);
  });
});
