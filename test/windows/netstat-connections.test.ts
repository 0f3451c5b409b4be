import { describe, expect, it } from 'vitest';
import { describeCorpus, readCorpus, readCorpusJson } from '../corpus.js';
import { parseNetstatConnections, type NetstatConnection } from '../../src/windows/netstat-connections.js';

/** A row of jc's Windows netstat JSON (jc's own forms: string ports, `[::]`, `*`, `""`). */
interface JcRow {
  proto: string;
  local_address: string;
  local_port: string;
  local_port_num?: number;
  foreign_address: string;
  foreign_port: string;
  foreign_port_num?: number;
  state: string;
  pid?: number;
  program_name?: string;
}

const unbracket = (a: string): string => a.replace(/^\[(.*)\]$/, '$1');

/** Our row in jc's terms, so every field is compared, not just a few. */
function asJc(r: NetstatConnection): Record<string, unknown> {
  return {
    proto: r.proto,
    local_address: r.localAddress,
    local_port: r.localPortText,
    foreign_address: r.remoteAddress ?? '*',
    foreign_port: r.remotePortText,
    state: r.state ?? '',
    pid: r.pid ?? undefined,
    // jc keeps the last `-b` line: the bracketed executable or Windows' "no owner" sentence.
    program_name: r.executable !== null ? `[${r.executable}]` : r.ownerUnknown ? 'Can not obtain ownership information' : undefined,
  };
}

function jcNormalized(j: JcRow): Record<string, unknown> {
  return {
    proto: j.proto,
    local_address: unbracket(j.local_address),
    local_port: j.local_port,
    foreign_address: unbracket(j.foreign_address),
    foreign_port: j.foreign_port,
    state: j.state,
    pid: j.pid,
    program_name: j.program_name,
  };
}

describeCorpus('Windows netstat connection listings match jc, row for row', () => {
  for (const name of ['windows-10__netstat', 'windows-10__netstat-aon', 'windows-10__netstat-aonb']) {
    it(name, () => {
      const file = `jc/${name}.out`;
      const { value, issues } = parseNetstatConnections(readCorpus(file), file);
      const expected = readCorpusJson<JcRow[]>(`jc/${name}.json`);
      expect(issues).toEqual([]);
      expect(value).toHaveLength(expected.length);
      value.forEach((row, i) => {
        const j = expected[i] as JcRow;
        expect(asJc(row), `row ${i} (line ${row.line})`).toEqual(jcNormalized(j));
        // jc's numeric ports: present only when numeric and non-zero; ours are numbers or null.
        if (j.local_port_num !== undefined) expect(row.localPort).toBe(j.local_port_num);
        if (j.foreign_port_num !== undefined) expect(row.remotePort).toBe(j.foreign_port_num);
        if (j.foreign_port === '*') expect(row.remotePort).toBeNull();
      });
    });
  }

  it('reads -b owner lines: service components above the executable', () => {
    const file = 'jc/windows-10__netstat-aonb.out';
    const rows = parseNetstatConnections(readCorpus(file), file).value;
    const first = rows[0] as NetstatConnection;
    expect(first).toMatchObject({
      line: 5,
      proto: 'TCP',
      family: 'inet',
      localAddress: '0.0.0.0',
      localPort: 135,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: 'LISTENING',
      pid: 1712,
      components: ['RpcSs'],
      executable: 'svchost.exe',
      ownerUnknown: false,
    });
    const system = rows.find((r) => r.localPort === 445 && r.family === 'inet');
    expect(system).toMatchObject({ pid: 4, executable: null, ownerUnknown: true, components: [] });
    // TIME_WAIT rows have pid 0 and no owner lines at all.
    const tw = rows.filter((r) => r.state === 'TIME_WAIT');
    expect(tw.map((r) => [r.localPort, r.pid, r.executable])).toEqual([
      [4713, 0, null],
      [4718, 0, null],
      [4719, 0, null],
    ]);
  });

  it('reads IPv6 endpoints with brackets and zone ids, and UDP rows without state', () => {
    const file = 'jc/windows-10__netstat-aon.out';
    const rows = parseNetstatConnections(readCorpus(file), file).value;
    expect(rows.filter((r) => r.proto === 'TCP')).toHaveLength(71);
    expect(rows.filter((r) => r.proto === 'UDP')).toHaveLength(137);
    const last = rows[rows.length - 1] as NetstatConnection;
    expect(last).toMatchObject({
      proto: 'UDP',
      family: 'inet6',
      localAddress: 'fe80::f5d1:8bf7:c410:e325%64',
      localPort: 52284,
      remoteAddress: null,
      remotePort: null,
      state: null,
      pid: 8844,
    });
    expect(rows.find((r) => r.localAddress === '::' && r.localPort === 135)).toMatchObject({
      family: 'inet6',
      remoteAddress: '::',
      remotePort: 0,
      state: 'LISTENING',
      pid: 1712,
    });
  });

  it('the plain form has host names and no PID column', () => {
    const file = 'jc/windows-10__netstat.out';
    const rows = parseNetstatConnections(readCorpus(file), file).value;
    expect(rows).toHaveLength(32);
    expect(rows[0]).toMatchObject({ localAddress: '127.0.0.1', localPort: 1031, remoteAddress: 'api', remotePort: 1032, pid: null });
  });
});

describe('broken netstat -ano input', () => {
  const text = [
    '',
    'Active Connections',
    '',
    '  Proto  Local Address          Foreign Address        State           PID',
    '  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712',
    '  TCP    0.0.0.0:445            0.0.0.0:0              LISTENNG        4',
    '  TCP    0.0.0.0:80             0.0.0.0:0              LISTENING       abc',
    '  TCP    0.0.0.0                0.0.0.0:0              LISTENING       4',
    '  UDP    0.0.0.0:53             *:*                                    4808   99',
    'garbage in the middle',
    '  TCP    10.0.0.5:49700         10.0.0.9:443           ESTABLISHED     2200',
    '  UDP    [::]:5353              *:*                                    3404',
    '',
  ].join('\r\n');

  it('reports each bad line with its number and keeps the good rows', () => {
    const { value, issues } = parseNetstatConnections(text, 'netstat -ano');
    expect(value.map((r) => [r.line, r.localPort, r.state, r.pid])).toEqual([
      [5, 135, 'LISTENING', 1712],
      [11, 49700, 'ESTABLISHED', 2200],
      [12, 5353, null, 3404],
    ]);
    expect(issues.map((i) => [i.line, i.reason])).toEqual([
      [6, 'unknown TCP state "LISTENNG"'],
      [7, 'bad PID "abc"'],
      [8, 'bad local address "0.0.0.0"'],
      [9, 'expected 3 to 4 columns for UDP, got 5'],
      [10, 'unrecognized line: "garbage in the middle"'],
    ]);
    expect(issues.every((i) => i.file === 'netstat -ano')).toBe(true);
  });

  it('drops the -b lines of a rejected row instead of giving them to the row before', () => {
    const b = [
      '  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712',
      ' [svchost.exe]',
      '  TCP    0.0.0.0:999            0.0.0.0:0              WEIRD           77',
      ' [evil.exe]',
    ].join('\r\n');
    const { value, issues } = parseNetstatConnections(b, 'x');
    expect(value).toHaveLength(1);
    expect(value[0]?.executable).toBe('svchost.exe');
    expect(issues).toHaveLength(1);
  });

  it('never throws on arbitrary text', () => {
    for (const junk of ['', '\u0000\u0001', 'TCP', 'UDP [', '  TCP a:b c:d EST 1 2 3 4', 'TCP [::1 x y']) {
      expect(() => parseNetstatConnections(junk, 'j')).not.toThrow();
    }
  });
});
