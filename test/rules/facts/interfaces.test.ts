import { describe, expect, it } from 'vitest';
import { interfaceErrorRates } from '../../../src/rules/facts/interfaces.js';
import type { InterfaceStats } from '../../../src/snapshot/types.js';
import { historyOf, snap } from '../helpers.js';

const iface = (name: string, patch: Partial<InterfaceStats> = {}): InterfaceStats => ({
  name,
  rxBytes: 0,
  rxPackets: 0,
  rxErrors: 0,
  rxDropped: 0,
  txBytes: 0,
  txPackets: 0,
  txErrors: 0,
  txDropped: 0,
  ...patch,
});

describe('interfaces.errorRate', () => {
  it('gives errors+drops per second and their ratio to packets, per interface', () => {
    const h = historyOf([
      snap(0, { interfaces: [iface('eth0'), iface('lo')] }),
      snap(1, { interfaces: [iface('eth0', { rxPackets: 5000, txPackets: 1000, rxErrors: 30, txDropped: 30 }), iface('lo')] }),
    ]);
    expect(interfaceErrorRates(h)).toEqual([
      { name: 'eth0', perSecond: 1, errorsPerSecond: 0.5, dropsPerSecond: 0.5, packetsPerSecond: 100, ratio: 0.01 },
      { name: 'lo', perSecond: 0, errorsPerSecond: 0, dropsPerSecond: 0, packetsPerSecond: 0, ratio: null },
    ]);
  });

  it('handles a counter reset per field', () => {
    const h = historyOf([
      snap(0, { interfaces: [iface('eth0', { rxPackets: 1e9, rxErrors: 1e6 })] }),
      snap(1, { interfaces: [iface('eth0', { rxPackets: 600, rxErrors: 6 })] }),
    ]);
    expect(interfaceErrorRates(h)[0]).toMatchObject({ perSecond: 0.1, packetsPerSecond: 10, ratio: 0.01 });
  });

  it('skips an interface that appeared since the previous sample, and needs two samples', () => {
    expect(interfaceErrorRates(historyOf([snap(0, { interfaces: [iface('eth0')] })]))).toEqual([]);
    const h = historyOf([snap(0, { interfaces: [] }), snap(1, { interfaces: [iface('veth1', { rxErrors: 5 })] })]);
    expect(interfaceErrorRates(h)).toEqual([]);
  });
});
