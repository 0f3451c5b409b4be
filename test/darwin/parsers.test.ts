import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../corpus.js';
import { parseDarwinNetstat } from '../../src/darwin/netstat-sockets.js';
import { parseDarwinInterfaces } from '../../src/darwin/netstat-interfaces.js';
import { parseDarwinRoutes } from '../../src/darwin/netstat-routes.js';
import { parseDarwinTcpStats } from '../../src/darwin/netstat-tcp-stats.js';
import { parseLsof } from '../../src/darwin/lsof.js';
import { parseSysctlPortRange } from '../../src/darwin/sysctl.js';
import { destinationCidr } from '../../src/darwin/to-snapshot.js';
import { splitDarwinEndpoint } from '../../src/darwin/endpoint.js';
import { DARWIN_TCP_STATES } from '../../src/darwin/states.js';
import { isWide } from '../../src/darwin/source.js';
import { TCP_STATES } from '../../src/snapshot/types.js';

const fixture = (name: string) => readFileSync(fixturePath(`darwin/${name}`), 'utf8');

describe('macOS netstat -anv socket listings', () => {
  it('reads process:pid names with spaces (macOS 13+ layout)', () => {
    const { value, issues } = parseDarwinNetstat(fixture('netstat-anvW-p-tcp.txt'), 'f', { wide: true });
    expect(issues).toEqual([]);
    expect(value.internet).toHaveLength(19);
    const slack = value.internet.find((r) => r.state === 'CLOSE_WAIT');
    expect(slack).toMatchObject({
      line: 13,
      proto: 'tcp4',
      transport: 'tcp',
      ipVersion: '4',
      recvQ: 31,
      sendQ: 0,
      localPort: 52590,
      foreignPort: 443,
      pid: 2560,
      process: 'Slack Helper',
    });
    expect(slack?.extra).toEqual({
      rxbytes: '55201',
      txbytes: '14920',
      rhiwat: '131072',
      shiwat: '131072',
      state: '00102',
      options: '00000104',
      gencnt: '00000000001a3f51',
      flags: '00000081',
      flags1: '04000900',
      usecnt: '1',
      rtncnt: '0',
      fltrs: '000000',
    });
  });

  it('reads the pid/epid layout of older releases, pids only', () => {
    const text = [
      'Active Internet connections (including servers)',
      'Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)     rhiwat shiwat    pid   epid  state    options',
      'tcp4       0      0  10.55.1.235.5000       10.55.1.235.52217      FIN_WAIT_2  407280 146988  30555      0 0x2131 0x00000104',
      'tcp46      0      0  *.6380                 *.*                    LISTEN      131072 131072  31195      0 0x0100 0x00000106',
      'udp4       0      0  *.5353                 *.*                                196724   9216    212      0 0x0000 0x00000000',
    ].join('\n');
    const { value, issues } = parseDarwinNetstat(text, 'x');
    expect(issues).toEqual([]);
    expect(value.internet.map((r) => [r.proto, r.local.address, r.localPort, r.state, r.pid, r.process, r.extra.epid])).toEqual([
      ['tcp4', '10.55.1.235', 5000, 'FIN_WAIT_2', 30555, null, '0'],
      ['tcp46', '*', 6380, 'LISTEN', 31195, null, '0'],
      ['udp4', '*', 5353, null, 212, null, '0'],
    ]);
  });

  it('reads a unix listing with paths that contain spaces', () => {
    const { value, issues } = parseDarwinNetstat(fixture('netstat-an-f-unix.txt'), 'f');
    expect(issues).toEqual([]);
    expect(value.unix).toHaveLength(7);
    expect(value.unix[2]).toEqual({
      line: 5,
      address: 'a3c1e5f0d2b4b711',
      type: 'stream',
      recvQ: 0,
      sendQ: 0,
      inode: 'a3c1e5f0cd8a4f21',
      conn: '0',
      refs: '0',
      nextref: '0',
      path: '/Users/dev/Library/Application Support/Code/1.90-main.sock',
    });
  });

  it('reports broken lines with their numbers and keeps the rest', () => {
    const text = [
      'Active Internet connections (including servers)',
      'Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)     rhiwat shiwat    pid   epid',
      'tcp4       0      0  127.0.0.1.8000         *.*                    LISTEN      131072 131072  24811      0',
      'tcp4       0      0  127.0.0.1.8001         *.*                    LISTENING   131072 131072  24812      0',
      'sctp4      0      0  127.0.0.1.8002         *.*                    LISTEN      131072 131072  24813      0',
      'tcp4       x      0  127.0.0.1.8003         *.*                    LISTEN      131072 131072  24814      0',
      'tcp4       0      0  127.0.0.1.8004         *.*                    LISTEN      131072 131072  abc        0',
      'tcp4       0      0  127.0.0.1.8005         *.*                    LISTEN      131072 131072  24816      0  extra',
      'tcp4       0      0  nodot                  *.*                    LISTEN      131072 131072  24817      0',
      'Some tcp sockets may have been deleted.',
      'udp4       0      0  *.5353                 *.*                                131072 131072    212      0',
    ].join('\n');
    const { value, issues } = parseDarwinNetstat(text, 'netstat -anv -p tcp');
    expect(value.internet.map((r) => [r.line, r.localPort])).toEqual([
      [3, 8000],
      [11, 5353],
    ]);
    expect(issues.map((i) => [i.line, i.reason])).toEqual([
      [4, 'unknown TCP state "LISTENING"'],
      [5, 'unknown protocol "sctp4"'],
      [6, 'bad Recv-Q or Send-Q'],
      [7, 'bad pid "abc"'],
      [8, 'expected 10 columns, got 11'],
      [9, 'bad local or foreign address'],
    ]);
  });

  it('never throws on arbitrary text', () => {
    for (const junk of ['', 'Active Internet connections', 'Proto\ntcp4', 'Active LOCAL (UNIX) domain sockets\nAddress Addr\n\u0000', 'x.y z']) {
      expect(() => parseDarwinNetstat(junk, 'j')).not.toThrow();
    }
  });
});

describe('cut addresses', () => {
  it('flags what netstat may have cut, and nothing with -W', () => {
    expect(splitDarwinEndpoint('2600:1700:bab0:d.5', 18, false)).toMatchObject({ addressTruncated: true, portTruncated: true });
    expect(splitDarwinEndpoint('2600:1700:bab0:d.443', 22, false)).toMatchObject({ addressTruncated: true, portTruncated: false });
    expect(splitDarwinEndpoint('192.168.100.200.52311', 22, false)).toMatchObject({ address: '192.168.100.200', addressTruncated: false, portTruncated: false });
    expect(splitDarwinEndpoint('192.168.100.200.5231', 20, false)).toMatchObject({ portTruncated: true });
    expect(splitDarwinEndpoint('*.*', 3, false)).toMatchObject({ address: '*', portText: '*', portTruncated: false });
    expect(splitDarwinEndpoint('2001:db8:4a1:100:8d3:c2f4:91e0:5b7a.52644', 22, true)).toMatchObject({
      address: '2001:db8:4a1:100:8d3:c2f4:91e0:5b7a',
      addressTruncated: false,
      portTruncated: false,
    });
    expect(splitDarwinEndpoint('nodot', 22, false)).toBeNull();
    expect(isWide(['netstat', '-anvW', '-p', 'tcp'])).toBe(true);
    expect(isWide(['netstat', '-anv', '-p', 'tcp'])).toBe(false);
  });
});

describe('macOS netstat -i', () => {
  it('reads -ibdn with bytes and drops', () => {
    const { value, issues } = parseDarwinInterfaces(fixture('netstat-ibdn.txt'), 'f');
    expect(issues).toEqual([]);
    expect(value.find((r) => r.name === 'en0' && r.link)).toEqual({
      line: 9,
      name: 'en0',
      up: true,
      mtu: 1500,
      network: '<Link#11>',
      address: '3c:22:fb:10:20:30',
      link: true,
      counters: { ipkts: 18822014, ierrs: 0, ibytes: 22817733290, opkts: 9120448, oerrs: 12, obytes: 1933017720, coll: 0, drop: 41 },
    });
    expect(value.find((r) => r.name === 'utun0')).toMatchObject({ address: null, link: true });
  });

  it('reports broken rows with their numbers', () => {
    const text = [
      'Name       Mtu   Network       Address            Ipkts Ierrs    Opkts Oerrs  Coll',
      'en0        1500  <Link#4>    a4:83:e7:2d:62:8f 23300545     0 26448755   464     0',
      'en1        1500  <Link#5>    a4:83:e7:2d:62:90 23300545     X 26448755   464     0',
      'en2        big   <Link#6>                              0     0        0     0     0',
      'en3',
    ].join('\n');
    const { value, issues } = parseDarwinInterfaces(text, 'netstat -i');
    expect(value.map((r) => r.name)).toEqual(['en0']);
    expect(issues.map((i) => [i.line, i.reason])).toEqual([
      [3, 'bad ierrs value "X"'],
      [4, 'expected name, mtu, network, [address] and 5 counters'],
      [5, 'expected name, mtu, network, [address] and 5 counters'],
    ]);
    expect(parseDarwinInterfaces('en0 1500 <Link#1> 0 0 0 0 0', 'x').issues[0]?.reason).toBe('row before the Name/Mtu header');
  });
});

describe('macOS netstat -rn', () => {
  it('reads the macOS 11+ layout without Refs/Use', () => {
    const { value, issues } = parseDarwinRoutes(fixture('netstat-rn.txt'), 'f');
    expect(issues).toEqual([]);
    expect(value[0]).toEqual({
      line: 5,
      family: 'inet',
      destination: 'default',
      gateway: '192.168.1.1',
      flags: 'UGScg',
      refs: null,
      use: null,
      mtu: null,
      netif: 'en0',
      expire: null,
    });
    expect(value.find((r) => r.destination === '192.168.1.1' && r.gateway.includes(':'))?.expire).toBe('1190');
    expect(value.filter((r) => r.family === 'inet6')).toHaveLength(11);
  });

  it('reports broken rows with their numbers', () => {
    const text = [
      'Routing tables',
      '',
      'Internet:',
      'Destination        Gateway            Flags        Refs      Use   Netif Expire',
      'default            192.168.1.254      UGSc           41        0     en0',
      'default            192.168.1.254      UGSc          many       0     en0',
      'lonely',
    ].join('\n');
    const { value, issues } = parseDarwinRoutes(text, 'netstat -rn');
    expect(value).toHaveLength(1);
    expect(issues.map((i) => i.line)).toEqual([6, 7]);
  });

  it('turns netstat destinations into CIDR', () => {
    expect(
      ['default', '127', '169.254', '192.168.1', '10.1.2/24', '224.0.0/4', '192.168.1.221', '192.168.1.221/32', '999.1'].map((d) =>
        destinationCidr(d, 'inet'),
      ),
    ).toEqual(['0.0.0.0/0', '127.0.0.0/8', '169.254.0.0/16', '192.168.1.0/24', '10.1.2.0/24', '224.0.0.0/4', '192.168.1.221/32', '192.168.1.221/32', null]);
    expect(['default', '::1', 'fe80::%lo0/64', 'fe80::1%en0', '2600:1700:bab0:d40::/64', 'nonsense'].map((d) => destinationCidr(d, 'inet6'))).toEqual([
      '::/0',
      '::1/128',
      'fe80::/64',
      'fe80::1/128',
      '2600:1700:bab0:d40::/64',
      null,
    ]);
  });
});

describe('macOS netstat -s -p tcp', () => {
  it('reads the counters by pattern, both numbers of two-number lines', () => {
    const { value, issues } = parseDarwinTcpStats(fixture('netstat-s-p-tcp.txt'), 'f');
    expect(issues).toEqual([]);
    expect(value).toEqual({
      sndtotal: 41288211,
      sndpack: 30117208,
      sndbyte: 12771204933,
      sndrexmitpack: 21877,
      sndrexmitbyte: 18820112,
      sndacks: 9820145,
      delack: 611204,
      sndctrl: 141422,
      rcvtotal: 51120876,
      rcvdupack: 402133,
      rcvpack: 38011244,
      rcvbyte: 45018223397,
      rcvduppack: 19877,
      rcvdupbyte: 8120336,
      rcvoopack: 301228,
      rcvoobyte: 402111880,
      rcvbadsum: 2,
      rcvbadoff: 0,
      rcvshort: 0,
      connattempt: 70881,
      accepts: 3381,
      badsyn: 4,
      listendrop: 0,
      connects: 68010,
      closed: 74520,
      drops: 2211,
      conndrops: 1904,
      rexmttimeo: 8120,
      timeoutdrop: 122,
      persisttimeo: 41,
      keeptimeo: 12044,
      keepprobe: 11870,
      keepdrops: 174,
      sack_recovery_episode: 10233,
      sack_rexmits: 14877,
    });
  });

  it('handles singular wording and reports damaged lines', () => {
    const text = ['tcp:', '\t1 packet sent', '\t\t1 data packet (1 byte) retransmitted', '\tlots of packets received', '\t1 listen queue overflow', 'mptcp:', '\t5 packets sent'].join('\n');
    const { value, issues } = parseDarwinTcpStats(text, 'netstat -s -p tcp');
    expect(value).toEqual({ sndtotal: 1, sndrexmitpack: 1, sndrexmitbyte: 1, listendrop: 1 });
    expect(issues).toEqual([{ file: 'netstat -s -p tcp', line: 4, reason: 'expected a counter line: "lots of packets received"' }]);
    expect(parseDarwinTcpStats('', 'x').issues).toEqual([{ file: 'x', line: null, reason: 'no TCP counters found' }]);
  });
});

describe('lsof and sysctl', () => {
  it('reads lsof rows, unescaping command names', () => {
    const { value, issues } = parseLsof(fixture('catalina/lsof-nP-iTCP-sTCP-LISTEN-iUDP-c-0.txt'), 'f');
    expect(issues).toEqual([]);
    expect(value.map((r) => [r.command, r.pid, r.type, r.protocol, r.address, r.port, r.state])).toEqual([
      ['launchd', 1, 'IPv6', 'TCP', '*', 22, 'LISTEN'],
      ['launchd', 1, 'IPv4', 'TCP', '*', 22, 'LISTEN'],
      ['mDNSResponder', 212, 'IPv4', 'UDP', '*', 5353, null],
      ['mDNSResponder', 212, 'IPv6', 'UDP', '*', 5353, null],
      ['redis-server', 402, 'IPv4', 'TCP', '127.0.0.1', 6379, 'LISTEN'],
      ['Google Chrome He', 1455, 'IPv4', 'UDP', '*', null, null],
      ['java helper', 2233, 'IPv6', 'TCP', '*', 8080, 'LISTEN'],
    ]);
    const more = parseLsof(
      [
        'node    33784 ouyang   13u  IPv6 0x9cef83179b8300f5      0t0  TCP [::1]:3000 (LISTEN)',
        'ssh      3310 dev      3u  IPv4 0x9cef83179b830011      0t0  TCP 192.168.1.23:52650->192.168.1.10:22 (ESTABLISHED)',
        'broken row',
      ].join('\n'),
      'lsof',
    );
    expect(more.value.map((r) => [r.address, r.port, r.state])).toEqual([
      ['::1', 3000, 'LISTEN'],
      ['192.168.1.23', 52650, 'ESTABLISHED'],
    ]);
    expect(more.issues).toEqual([{ file: 'lsof', line: 3, reason: 'bad lsof row: "broken row"' }]);
  });

  it('reads the port range and refuses a broken one', () => {
    expect(parseSysctlPortRange(fixture('sysctl-net.inet.ip.portrange.first-net.inet.ip.portrange.last.txt'), 'f')).toEqual({
      value: [49152, 65535],
      issues: [],
    });
    const bad = parseSysctlPortRange('net.inet.ip.portrange.first: 70000\nnet.inet.ip.portrange.last: 65535\nhello\n', 's');
    expect(bad.value).toBeNull();
    expect(bad.issues.map((i) => i.line)).toEqual([1, 3, null]);
  });
});

describe('macOS TCP states', () => {
  it('maps every BSD state word, reaching every OTel state', () => {
    expect(DARWIN_TCP_STATES).toEqual({
      CLOSED: 'close',
      LISTEN: 'listen',
      SYN_SENT: 'syn_sent',
      SYN_RCVD: 'syn_received',
      ESTABLISHED: 'established',
      CLOSE_WAIT: 'close_wait',
      FIN_WAIT_1: 'fin_wait_1',
      CLOSING: 'closing',
      LAST_ACK: 'last_ack',
      FIN_WAIT_2: 'fin_wait_2',
      TIME_WAIT: 'time_wait',
    });
    expect(new Set(Object.values(DARWIN_TCP_STATES))).toEqual(new Set(TCP_STATES));
  });
});
