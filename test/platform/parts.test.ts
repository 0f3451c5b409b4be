import { describe, expect, it } from 'vitest';
import { describeCorpus, readCorpus } from '../corpus.js';
import { settlePart, timed } from '../../src/platform/parts.js';
import { countTcpStates, defaultGatewaysOf, listenersOf } from '../../src/snapshot/derive.js';
import { commandFileName } from '../../src/platform/command.js';
import { parseNetstatConnections } from '../../src/windows/netstat-connections.js';
import { processName, socketsFromNetstat } from '../../src/windows/to-snapshot.js';
import { ReadError } from '../../src/errors.js';
import type { Route, SocketRecord } from '../../src/snapshot/types.js';

const socket = (over: Partial<SocketRecord>): SocketRecord => ({
  transport: 'tcp',
  family: 'inet',
  state: 'listen',
  localAddress: '0.0.0.0',
  localPort: 80,
  remoteAddress: '0.0.0.0',
  remotePort: 0,
  recvQ: 0,
  sendQ: 0,
  uid: null,
  inode: null,
  pid: 10,
  process: 'web',
  ...over,
});

describe('listeners and state counts', () => {
  it('one listener per endpoint and process; unbound and connected UDP are not listeners', () => {
    const sockets = [
      socket({}),
      socket({}), // SO_REUSEPORT twin
      socket({ pid: 11, process: 'other' }),
      socket({ state: 'established', remotePort: 5000 }),
      socket({ transport: 'udp', state: 'close', remoteAddress: null, remotePort: null, localPort: 53 }),
      socket({ transport: 'udp', state: 'close', remoteAddress: null, remotePort: null, localPort: null }),
      socket({ transport: 'udp', state: 'established', remoteAddress: '1.1.1.1', remotePort: 53, localPort: 5555 }),
      socket({ transport: 'unix', family: 'unix', localAddress: '/run/x', localPort: null }),
    ];
    expect(listenersOf(sockets, { unique: true }).map((l) => `${l.transport} ${l.port} ${l.pid}`)).toEqual(['tcp 80 10', 'tcp 80 11', 'udp 53 10']);
    expect(countTcpStates(sockets)).toMatchObject({ listen: 3, established: 1, close: 0 });
  });

  it('default gateways, lowest metric first', () => {
    const r = (destination: string, gateway: string | null, metric: number | null): Route => ({
      family: destination.includes(':') ? 'inet6' : 'inet',
      destination,
      gateway,
      interface: 'if',
      metric,
      flags: 'UG',
    });
    expect(
      defaultGatewaysOf([r('0.0.0.0/0', '10.0.0.1', 50), r('10.0.0.0/8', null, 1), r('0.0.0.0/0', '10.0.0.2', 5), r('::/0', null, 1), r('::/0', 'fe80::1', null)]),
    ).toEqual([
      { family: 'inet', gateway: '10.0.0.2', interface: 'if' },
      { family: 'inet', gateway: '10.0.0.1', interface: 'if' },
      { family: 'inet6', gateway: 'fe80::1', interface: 'if' },
    ]);
  });

  it('a part that throws becomes an error naming its file, with its duration', async () => {
    const [settled] = await Promise.allSettled([
      timed(async () => {
        throw new ReadError('/x/route-print.txt', 'ENOENT', '/x/route-print.txt: ENOENT');
      }),
    ]);
    const outcome = settlePart('windows.routes', settled as PromiseSettledResult<never>);
    expect(outcome.value).toBeNull();
    expect(outcome.status.ok).toBe(false);
    expect(outcome.status.durationMs).toBeGreaterThanOrEqual(0);
    expect(outcome.errors).toEqual([{ source: 'windows.routes', file: '/x/route-print.txt', line: null, message: '/x/route-print.txt: ENOENT' }]);
  });

  it('names replay files after their command', () => {
    expect(commandFileName(['netstat', '-ano'])).toBe('netstat-ano.txt');
    expect(commandFileName(['route', 'print'])).toBe('route-print.txt');
    expect(commandFileName(['tasklist', '/fo', 'csv', '/nh'])).toBe('tasklist-fo-csv-nh.txt');
    expect(commandFileName(['lsof', '-nP', '-iTCP', '-sTCP:LISTEN', '-iUDP', '+c', '0'])).toBe('lsof-nP-iTCP-sTCP-LISTEN-iUDP-c-0.txt');
    expect(processName('svchost.exe')).toBe('svchost');
    expect(processName('System')).toBe('System');
    expect(processName('Setup.EXE')).toBe('Setup');
  });
});

describeCorpus('Windows corpus listing as snapshot pieces', () => {
  it('netstat -aonb: process names from -b, duplicate UDP sockets folded into one listener', () => {
    const file = 'jc/windows-10__netstat-aonb.out';
    const rows = parseNetstatConnections(readCorpus(file), file).value;
    const sockets = socketsFromNetstat(rows, new Map());
    expect(countTcpStates(sockets)).toEqual({
      established: 54,
      syn_sent: 0,
      syn_received: 0,
      fin_wait_1: 0,
      fin_wait_2: 0,
      time_wait: 3,
      close: 0,
      close_wait: 6,
      last_ack: 0,
      listen: 51,
      closing: 0,
    });
    const listeners = listenersOf(sockets, { unique: true });
    // 51 TCP listeners; 204 UDP sockets, of which 0.0.0.0:1900 (5x), 0.0.0.0:53 (2x) and others repeat.
    expect(listeners.filter((l) => l.transport === 'tcp')).toHaveLength(51);
    expect(listeners.filter((l) => l.transport === 'udp')).toHaveLength(
      new Set(sockets.filter((s) => s.transport === 'udp').map((s) => `${s.localAddress}|${s.localPort}|${s.pid}`)).size,
    );
    expect(listeners.filter((l) => l.transport === 'udp' && l.port === 1900 && l.address === '0.0.0.0')).toEqual([
      { transport: 'udp', family: 'inet', address: '0.0.0.0', port: 1900, pid: 27696, process: 'Spotify', uid: null, inode: null },
    ]);
    expect(listeners.find((l) => l.port === 135 && l.family === 'inet')?.process).toBe('svchost');
    expect(listeners.find((l) => l.port === 445 && l.family === 'inet')).toMatchObject({ pid: 4, process: null });
  });
});
