/**
 * counters.Udp6 against the kernel: UDP datagrams sent over ::1 to a bound socket move the
 * snapshot's Udp6 InDatagrams and OutDatagrams by at least that many (other tests running at
 * the same time may add more, never less). Skipped, saying why, where /proc/net/snmp6 is absent
 * (IPv6 disabled) or ::1 cannot be bound.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../src/snapshot/collect.js';

const DATAGRAMS = 50;

async function canBindIpv6Loopback(): Promise<boolean> {
  const socket = dgram.createSocket('udp6');
  try {
    socket.bind(0, '::1');
    await Promise.race([once(socket, 'listening'), once(socket, 'error').then(([err]) => Promise.reject(err as Error))]);
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

const why = !existsSync('/proc/net/snmp6')
  ? '/proc/net/snmp6 not found (IPv6 disabled, or not Linux)'
  : !(await canBindIpv6Loopback())
    ? 'cannot bind a UDP socket to ::1'
    : null;
const suite = 'counters.Udp6 moves with UDP datagrams sent over ::1';

(why === null ? describe : describe.skip)(why === null ? suite : `${suite} (skipped: ${why})`, () => {
  it(`counts ${DATAGRAMS} datagrams received and ${DATAGRAMS} sent`, async () => {
    const receiver = dgram.createSocket('udp6');
    const sender = dgram.createSocket('udp6');
    try {
      receiver.bind(0, '::1');
      await once(receiver, 'listening');
      let received = 0;
      const allReceived = new Promise<void>((resolve) => {
        receiver.on('message', () => {
          received += 1;
          if (received === DATAGRAMS) resolve();
        });
      });

      const before = await collectSnapshot({ attribution: false });
      expect(before.counters.Udp6, 'counters.Udp6 before').not.toBeNull();
      const port = receiver.address().port;
      for (let i = 0; i < DATAGRAMS; i++) sender.send(Buffer.from(`datagram ${i}`), port, '::1');
      // Delivered to the socket means counted: wait for all of them before the second read.
      await Promise.race([allReceived, new Promise((_, reject) => setTimeout(() => reject(new Error(`received ${received} of ${DATAGRAMS}`)), 5000))]);
      const after = await collectSnapshot({ attribution: false });

      const grew = (field: string): number => (after.counters.Udp6?.[field] ?? 0) - (before.counters.Udp6?.[field] ?? 0);
      expect(grew('InDatagrams')).toBeGreaterThanOrEqual(DATAGRAMS);
      expect(grew('OutDatagrams')).toBeGreaterThanOrEqual(DATAGRAMS);
      expect(after.errors.filter((e) => e.source === 'counters')).toEqual([]);
    } finally {
      receiver.close();
      sender.close();
    }
  });
});
