import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCorpus, fixturePath, readCorpusJson } from '../corpus.js';
import { parseNetstatEthernet } from '../../src/windows/netstat-ethernet.js';
import { parseNetstatStatistics } from '../../src/windows/netstat-statistics.js';
import { parseTasklistCsv, splitCsvLine } from '../../src/windows/tasklist.js';
import { parseNetshDynamicPort } from '../../src/windows/netsh-dynamicport.js';
import { countersFromNetstat } from '../../src/windows/to-snapshot.js';
import {
  MSFT_TCP_STATE_NAMES,
  MSFT_TCP_STATE_NUMBERS,
  NETSTAT_STATES,
  otelState,
  stateFromPowerShell,
} from '../../src/windows/states.js';
import { TCP_STATES } from '../../src/snapshot/types.js';

const fixture = (name: string) => readFileSync(fixturePath(`windows/${name}`), 'utf8');

describe('netstat -e', () => {
  it('reads the fixture', () => {
    const { value, issues } = parseNetstatEthernet(fixture('netstat-e.txt'), 'netstat-e.txt');
    expect(issues).toEqual([]);
    expect(value).toEqual({
      bytes: { received: 91822734118, sent: 52210087731 },
      unicastPackets: { received: 77120455, sent: 61034982 },
      nonUnicastPackets: { received: 1317989, sent: 26290 },
      discards: { received: 214, sent: 0 },
      errors: { received: 3, sent: 0 },
      unknownProtocols: { received: 0, sent: null },
    });
  });

  it('reads a localized listing by row position', () => {
    const german = [
      'Schnittstellenstatistik',
      '',
      '                           Empfangen       Gesendet',
      '',
      'Bytes                        1000            2000',
      'Unicastpakete                  10              20',
      'Nicht-Unicastpakete             1               2',
      'Verworfen                       0               3',
      'Fehler                          4               0',
      'Unbekannte Protokolle           0',
    ].join('\r\n');
    const { value, issues } = parseNetstatEthernet(german, 'x');
    expect(issues).toEqual([]);
    expect(value.discards).toEqual({ received: 0, sent: 3 });
    expect(value.errors).toEqual({ received: 4, sent: 0 });
  });

  it('reports damaged rows with their line and keeps the others', () => {
    const text = ['Interface Statistics', '', 'Bytes      1000   2000', 'Errors     12x    0', 'Discards   5      6'].join('\r\n');
    const { value, issues } = parseNetstatEthernet(text, 'netstat -e');
    expect(value.bytes).toEqual({ received: 1000, sent: 2000 });
    expect(value.discards).toEqual({ received: 5, sent: 6 });
    expect(value.errors).toBeNull();
    expect(issues).toEqual([{ file: 'netstat -e', line: 4, reason: 'bad counter row: "Errors     12x    0"' }]);
  });

  it('says so when there is no Bytes row at all', () => {
    expect(parseNetstatEthernet('nothing here', 'x').issues).toEqual([{ file: 'x', line: null, reason: 'no Bytes row found' }]);
  });
});

describe('netstat -s -p tcp', () => {
  it('reads the statistics block and ignores the connection list after it', () => {
    const { value, issues } = parseNetstatStatistics(fixture('netstat-s-p-tcp.txt'), 'f');
    expect(issues).toEqual([]);
    expect(value).toHaveLength(1);
    expect(value[0]).toMatchObject({ protocol: 'TCP', ipVersion: 'IPv4', line: 2 });
    expect(Object.fromEntries(value[0]?.values ?? [])).toEqual({
      'Active Opens': 184233,
      'Passive Opens': 96412,
      'Failed Connection Attempts': 2211,
      'Reset Connections': 7305,
      'Current Connections': 7,
      'Segments Received': 48822613,
      'Segments Sent': 41276518,
      'Segments Retransmitted': 61734,
    });
  });

  it('sums TCP\'s IPv4 and IPv6 blocks of full `netstat -s` output and keeps UDP\'s apart, under the Linux names', () => {
    const text = [
      'TCP Statistics for IPv4',
      '  Active Opens                        = 10',
      '  Segments Retransmitted              = 3',
      'TCP Statistics for IPv6',
      '  Active Opens                        = 5',
      '  Segments Retransmitted              = 1',
      'UDP Statistics for IPv4',
      '  Datagrams Received    = 100',
      '  No Ports              = 7',
      '  Receive Errors        = 2',
      '  Datagrams Sent        = 90',
      'UDP Statistics for IPv6',
      '  Datagrams Received    = 40',
      '  No Ports              = 1',
      '  Receive Errors        = 0',
      '  Datagrams Sent        = 30',
    ].join('\r\n');
    const blocks = parseNetstatStatistics(text, 'x').value;
    expect(countersFromNetstat(blocks)).toEqual({
      Tcp: { ActiveOpens: 15, RetransSegs: 4 },
      Udp: { InDatagrams: 100, NoPorts: 7, InErrors: 2, OutDatagrams: 90 },
      Udp6: { InDatagrams: 40, NoPorts: 1, InErrors: 0, OutDatagrams: 30 },
    });
  });

  it('reads a localized TCP block by position', () => {
    const text = [
      'TCP-Statistik für IPv4',
      '  Aktive Öffnungen          = 1',
      '  Passive Öffnungen         = 2',
      '  Fehlerhafte Verbindungsversuche = 3',
      '  Zurückgesetzte Verbindungen = 4',
      '  Aktuelle Verbindungen     = 5',
      '  Empfangene Segmente       = 6',
      '  Gesendete Segmente        = 7',
      '  Erneut übertragene Segmente = 8',
    ].join('\r\n');
    expect(countersFromNetstat(parseNetstatStatistics(text, 'x').value).Tcp).toEqual({
      ActiveOpens: 1,
      PassiveOpens: 2,
      AttemptFails: 3,
      EstabResets: 4,
      CurrEstab: 5,
      InSegs: 6,
      OutSegs: 7,
      RetransSegs: 8,
    });
  });

  it('reports a damaged row with its line and keeps the rest', () => {
    const text = ['', 'TCP Statistics for IPv4', '', '  Active Opens = 12', '  Passive Opens = lots', '  Segments Sent = 9'].join('\r\n');
    const { value, issues } = parseNetstatStatistics(text, 'netstat -s -p tcp');
    expect(Object.fromEntries(value[0]?.values ?? [])).toEqual({ 'Active Opens': 12, 'Segments Sent': 9 });
    expect(issues).toEqual([{ file: 'netstat -s -p tcp', line: 5, reason: 'bad statistics row: "Passive Opens = lots"' }]);
  });
});

describe('tasklist /fo csv /nh', () => {
  it('reads the fixture', () => {
    const { value, issues } = parseTasklistCsv(fixture('tasklist-fo-csv-nh.txt'), 'f');
    expect(issues).toEqual([]);
    expect(value).toHaveLength(23);
    expect(value[0]).toEqual({ line: 1, image: 'System Idle Process', pid: 0 });
    expect(value.find((e) => e.pid === 2904)?.image).toBe('sqlservr.exe');
  });

  it('handles quotes inside fields and reports bad rows', () => {
    expect(splitCsvLine('"a ""b""","1",x,')).toEqual(['a "b"', '1', 'x', '']);
    expect(splitCsvLine('"unterminated,1')).toBeNull();
    const { value, issues } = parseTasklistCsv('"ok.exe","12","S","0","1 K"\r\n"bad.exe","x","S"\r\n"open,1\r\n', 't');
    expect(value).toEqual([{ line: 1, image: 'ok.exe', pid: 12 }]);
    expect(issues.map((i) => i.line)).toEqual([2, 3]);
  });
});

describe('netsh int ipv4 show dynamicport tcp', () => {
  it('reads the fixture as an inclusive range', () => {
    expect(parseNetshDynamicPort(fixture('netsh-int-ipv4-show-dynamicport-tcp.txt'), 'f')).toEqual({ value: [49152, 65535], issues: [] });
  });

  it('refuses a range that does not fit', () => {
    const r = parseNetshDynamicPort('Start Port : 60000\r\nNumber of Ports : 9000\r\n', 'f');
    expect(r.value).toBeNull();
    expect(r.issues[0]?.line).toBeNull();
    expect(parseNetshDynamicPort('Start Port : sixty\r\nNumber of Ports : 9000\r\n', 'f').issues[0]?.line).toBe(1);
  });
});

describeCorpus('Windows TCP states', () => {
  it('the MSFT_NetTCPConnection numbers agree with the corpus table', () => {
    const table = readCorpusJson<{ State: Record<string, string> }>('windows/msft_nettcpconnection_state.json').State;
    expect(Object.keys(MSFT_TCP_STATE_NUMBERS).sort()).toEqual(Object.keys(table).sort());
    for (const [number, name] of Object.entries(table)) {
      expect(MSFT_TCP_STATE_NUMBERS[Number(number)], `State ${number}`).toBe(MSFT_TCP_STATE_NAMES[name]);
      expect(stateFromPowerShell(Number(number))).toBe(MSFT_TCP_STATE_NAMES[name]);
      expect(stateFromPowerShell(name)).toBe(MSFT_TCP_STATE_NAMES[name]);
    }
    expect(stateFromPowerShell(9)).toBe('CLOSING');
    expect(stateFromPowerShell(10)).toBe('LAST_ACK');
  });
});

describe('Windows state words to OTel', () => {
  it('maps every netstat word, the three OTel lacks to close', () => {
    expect(NETSTAT_STATES).toEqual({
      CLOSED: 'close',
      LISTENING: 'listen',
      SYN_SENT: 'syn_sent',
      SYN_RECEIVED: 'syn_received',
      ESTABLISHED: 'established',
      FIN_WAIT_1: 'fin_wait_1',
      FIN_WAIT_2: 'fin_wait_2',
      CLOSE_WAIT: 'close_wait',
      CLOSING: 'closing',
      LAST_ACK: 'last_ack',
      TIME_WAIT: 'time_wait',
      DELETE_TCB: 'close',
      BOUND: 'close',
    });
    // Every OTel state is reachable from Windows.
    expect(new Set(Object.keys(NETSTAT_STATES).map((w) => otelState(w as keyof typeof NETSTAT_STATES)))).toEqual(new Set(TCP_STATES));
    expect(stateFromPowerShell(0)).toBeNull();
    expect(stateFromPowerShell('Listening')).toBeNull();
    expect(stateFromPowerShell(null)).toBeNull();
  });
});
