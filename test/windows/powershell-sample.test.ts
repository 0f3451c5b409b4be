import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../corpus.js';
import { parsePowerShellSample } from '../../src/windows/powershell-sample.js';

const FIXTURE = readFileSync(fixturePath('windows/powershell-sample.json'), 'utf8');

describe('PowerShell sample document', () => {
  it('reads the fixture, pretty or compressed onto one line as the live answer is', () => {
    for (const text of [FIXTURE, JSON.stringify(JSON.parse(FIXTURE))]) {
      const { value, issues } = parsePowerShellSample(text, 'answer');
      expect(issues).toEqual([]);
      expect(value.version).toBe(1);
      expect(value.id).toBe('1');
      expect(value.tcp).toHaveLength(46);
      expect(value.udp).toHaveLength(15);
      expect(value.processes).toHaveLength(23);
      expect(value.adapters?.map((a) => a.name)).toEqual(['Ethernet']);
      expect(value.routes).toHaveLength(17);
      expect(value.tcpStatistics?.map((c) => c.className)).toEqual(['Win32_PerfRawData_Tcpip_TCPv4', 'Win32_PerfRawData_Tcpip_TCPv6']);
      expect(value.dynamicPortRange).toEqual({ startPort: 49152, numberOfPorts: 16384 });
      expect(value.errors).toEqual([]);
      expect(value.tcp?.find((c) => c.state === 'BOUND')).toEqual({
        localAddress: '::',
        localPort: 49722,
        remoteAddress: '::',
        remotePort: 0,
        state: 'BOUND',
        owningProcess: 1604,
      });
      expect(value.routes?.[11]).toEqual({
        family: 'inet6',
        destinationPrefix: '::/0',
        nextHop: 'fe80::1',
        interfaceAlias: 'Ethernet',
        interfaceIndex: 6,
        routeMetric: 256,
        interfaceMetric: 25,
      });
    }
  });

  it('accepts what ConvertTo-Json does to small results and old Windows', () => {
    const text = JSON.stringify({
      version: 1,
      id: '3',
      // one row: an object, not an array; State as a PS 7 -EnumsAsStrings name; no OwningProcess (2012 R2)
      tcp: { LocalAddress: '0.0.0.0', LocalPort: 22, RemoteAddress: '0.0.0.0', RemotePort: 0, State: 'Listen' },
      udp: [],
      processes: null,
      routes: [{ DestinationPrefix: '::/0', NextHop: 'fe80::1', AddressFamily: 23, RouteMetric: 256 }],
      errors: { part: 'processes', message: 'Access is denied' },
    });
    const { value, issues } = parsePowerShellSample(text, 'a');
    expect(issues).toEqual([]);
    expect(value.tcp).toEqual([
      { localAddress: '0.0.0.0', localPort: 22, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTENING', owningProcess: null },
    ]);
    expect(value.udp).toEqual([]);
    expect(value.processes).toBeNull();
    expect(value.adapters).toBeNull(); // key missing: no data
    expect(value.routes?.[0]).toMatchObject({ family: 'inet6', interfaceAlias: null, interfaceMetric: null, routeMetric: 256 });
    expect(value.errors).toEqual([{ part: 'processes', message: 'Access is denied' }]);
  });

  it('skips bad rows with their JSON path and keeps the rest of the part', () => {
    const text = JSON.stringify({
      version: 1,
      tcp: [
        { LocalAddress: '10.0.0.1', LocalPort: 443, RemoteAddress: '10.0.0.2', RemotePort: 5000, State: 5, OwningProcess: 4 },
        { LocalAddress: '10.0.0.1', LocalPort: 70000, RemoteAddress: '10.0.0.2', RemotePort: 5000, State: 5 },
        { LocalAddress: '10.0.0.1', LocalPort: 443, RemoteAddress: '10.0.0.2', RemotePort: 5001, State: 42 },
        'nonsense',
      ],
      firewall: { RuleCount: 3, EnabledRuleCount: 1, Sha256: 'not-a-hash' },
    });
    const { value, issues } = parsePowerShellSample(text, 'answer');
    expect(value.tcp).toHaveLength(1);
    expect(value.firewall).toBeNull();
    expect(issues).toEqual([
      { file: 'answer', line: null, reason: 'tcp[1]: bad LocalPort or RemotePort' },
      { file: 'answer', line: null, reason: 'tcp[2]: unknown State 42' },
      { file: 'answer', line: null, reason: 'tcp[3]: expected an object' },
      { file: 'answer', line: null, reason: 'firewall: bad RuleCount, EnabledRuleCount or Sha256' },
    ]);
  });

  it('never throws: not JSON, not an object, unknown version', () => {
    expect(parsePowerShellSample('this is not json', 'a').issues[0]?.reason).toMatch(/^not JSON: /);
    expect(parsePowerShellSample('[1,2]', 'a').issues).toEqual([{ file: 'a', line: null, reason: 'expected a JSON object' }]);
    const v2 = parsePowerShellSample('{"version":2,"tcp":[]}', 'a');
    expect(v2.value.tcp).toEqual([]);
    expect(v2.issues).toEqual([{ file: 'a', line: null, reason: 'unknown document version 2' }]);
    expect(parsePowerShellSample('\uFEFF{"version":1}', 'a').issues).toEqual([]);
  });
});
