import { expect, it } from 'vitest';
import { describeCorpus, readCorpus, readCorpusJson } from '../corpus.js';
import { parseDarwinNetstat, type DarwinInternetRow, type DarwinUnixRow } from '../../src/darwin/netstat-sockets.js';
import { parseDarwinInterfaces } from '../../src/darwin/netstat-interfaces.js';
import { parseDarwinRoutes } from '../../src/darwin/netstat-routes.js';
import { socketsFromNetstat } from '../../src/darwin/to-snapshot.js';

type Jc = Record<string, unknown> & { kind: string };

/** jc's `kind` for the sections we count but do not parse → their title in the output. */
const OTHER_SECTIONS: Record<string, string> = {
  'Registered kernel control module': 'Registered kernel control modules',
  'Active kernel event socket': 'Active kernel event sockets',
  'Active kernel control socket': 'Active kernel control sockets',
};

function internetAsJc(r: DarwinInternetRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    socket: r.extra.Socket,
    flowhash: r.extra.Flowhash,
    proto: r.proto,
    recv_q: r.recvQ,
    send_q: r.sendQ,
    local_address: r.local.address,
    foreign_address: r.foreign.address,
    local_port: r.local.portText,
    foreign_port: r.foreign.portText,
    transport_protocol: r.transport === 'other' ? 'icmp' : r.transport,
    network_protocol: r.ipVersion === '4' ? 'ipv4' : 'ipv6',
  };
  // jc writes state null for UDP and leaves it out for ICMP.
  if (r.transport !== 'other') out.state = r.state;
  if (r.extra.rxbytes !== undefined) out.rxbytes = Number(r.extra.rxbytes);
  if (r.extra.txbytes !== undefined) out.txbytes = Number(r.extra.txbytes);
  return out;
}

function unixAsJc(r: DarwinUnixRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    address: r.address,
    type: r.type,
    recv_q: r.recvQ,
    send_q: r.sendQ,
    unix_inode: r.inode,
    conn: r.conn,
    refs: r.refs,
    nextref: r.nextref,
  };
  if (r.path !== null) out.addr = r.path;
  return out;
}

const pick = (o: Jc, keys: string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

describeCorpus('macOS netstat -An / -Abn match jc, row for row', () => {
  for (const name of ['osx-10.14.6__netstat-An', 'osx-10.14.6__netstat-Abn']) {
    it(name, () => {
      const file = `jc/${name}.out`;
      const { value, issues } = parseDarwinNetstat(readCorpus(file), file);
      const jc = readCorpusJson<Jc[]>(`jc/${name}.json`);

      const network = jc.filter((x) => x.kind === 'network');
      expect(value.internet).toHaveLength(network.length);
      value.internet.forEach((row, i) => {
        let j = network[i] as Jc;
        const ours = internetAsJc(row);
        if (row.transport === 'other' && typeof j.state === 'string') {
          // Deliberate difference: jc shifts the -b columns of the ICMP row (no state column) one
          // to the left: its "state" is rxbytes and its rxbytes is txbytes. We read them in place.
          expect([ours.rxbytes, ours.txbytes]).toEqual([Number(j.state), j.rxbytes]);
          const { state: _state, ...rest } = j;
          j = { ...rest, rxbytes: ours.rxbytes, txbytes: ours.txbytes };
        }
        expect(ours, `line ${row.line}`).toEqual(pick(j, Object.keys(ours)));
        // Every key jc has is compared, except its derived numeric ports, checked next.
        expect(Object.keys(j).filter((k) => !(k in ours)).sort()).toEqual(
          ['foreign_port_num', 'kind', 'local_port_num'].filter((k) => k in j),
        );
        // Deliberate difference: without -W netstat cuts long addresses (2600:1700:bab0:d.5 is
        // a cut IPv6 address and a cut port). jc splits at the last dot and reports port 5; we
        // flag the row and give no port, since the digits shown may be a prefix of the real one.
        for (const [ep, num, port] of [
          [row.local, j.local_port_num, row.localPort],
          [row.foreign, j.foreign_port_num, row.foreignPort],
        ] as const) {
          if (ep.portTruncated) expect(port).toBeNull();
          else expect(port).toBe(num ?? null);
        }
      });

      const unix = jc.filter((x) => x.kind === 'socket');
      expect(value.unix.map(unixAsJc)).toEqual(unix.map((j) => pick(j, Object.keys(j).filter((k) => k !== 'kind'))));

      const counts: Record<string, number> = {};
      for (const x of jc) {
        const title = OTHER_SECTIONS[x.kind];
        if (title !== undefined) counts[title] = (counts[title] ?? 0) + 1;
      }
      expect(value.otherSections).toEqual(counts);

      // One issue per cut address, each on a flagged row's line.
      const flagged = value.internet.flatMap((r) =>
        [r.local, r.foreign].filter((e) => e.addressTruncated || e.portTruncated).map(() => r.line),
      );
      expect(issues.map((i) => i.line)).toEqual(flagged);
      expect(issues.every((i) => /may be cut off by netstat \(use -W\); not trusted$/.test(i.reason))).toBe(true);
    });
  }

  it('flags exactly the cut addresses of -An', () => {
    const file = 'jc/osx-10.14.6__netstat-An.out';
    const { value, issues } = parseDarwinNetstat(readCorpus(file), file);
    expect(issues).toHaveLength(83); // 83 of the 276 address fields of the 138 rows
    const byText = (t: string) => value.internet.find((r) => r.local.text === t)?.local;
    // A cut IPv6 address with a cut port; an IPv4 address whose port may be cut; a short one.
    expect(byText('2600:1700:bab0:d.5')).toMatchObject({ addressTruncated: true, portTruncated: true });
    expect(byText('192.168.1.221.5486')).toMatchObject({ address: '192.168.1.221', addressTruncated: false, portTruncated: true });
    expect(byText('127.0.0.1.53755')).toMatchObject({ addressTruncated: false, portTruncated: false, portText: '53755' });
    // In the snapshot, cut parts are null but the socket still counts for its state.
    const sockets = socketsFromNetstat(value.internet, new Map());
    const cut = sockets.find((s) => s.localAddress === null);
    expect(cut).toMatchObject({ transport: 'tcp', family: 'inet6', state: 'established', localPort: null, remoteAddress: null });
    expect(sockets.filter((s) => s.transport === 'tcp')).toHaveLength(49);
    expect(sockets.filter((s) => s.transport === 'udp')).toHaveLength(88); // the icm4 row is not a socket of the model
  });
});

describeCorpus('macOS netstat -i matches jc, row for row', () => {
  it('osx-10.14.6__netstat-i', () => {
    const file = 'jc/osx-10.14.6__netstat-i.out';
    const { value, issues } = parseDarwinInterfaces(readCorpus(file), file);
    const jc = readCorpusJson<Jc[]>('jc/osx-10.14.6__netstat-i.json');
    expect(issues).toEqual([]);
    expect(
      value.map((r) => ({
        iface: r.name,
        mtu: r.mtu,
        network: r.network,
        address: r.address,
        ipkts: r.counters.ipkts,
        ierrs: r.counters.ierrs,
        opkts: r.counters.opkts,
        oerrs: r.counters.oerrs,
        coll: r.counters.coll,
        kind: 'interface',
      })),
    ).toEqual(jc);
    expect(value.filter((r) => r.link)).toHaveLength(23);
    expect(value.find((r) => r.name === 'gif0*')).toMatchObject({ up: false, link: true, address: null });
  });
});

describeCorpus('macOS netstat -rnl matches jc, row for row', () => {
  it('osx-10.14.6__netstat-rnl', () => {
    const file = 'jc/osx-10.14.6__netstat-rnl.out';
    const { value, issues } = parseDarwinRoutes(readCorpus(file), file);
    const jc = readCorpusJson<Jc[]>('jc/osx-10.14.6__netstat-rnl.json');
    expect(issues).toEqual([]);
    expect(value).toHaveLength(jc.length);
    value.forEach((r, i) => {
      const j = jc[i] as Jc;
      const ours: Record<string, unknown> = {
        destination: r.destination,
        gateway: r.gateway,
        route_flags: r.flags,
        route_refs: r.refs,
        use: r.use,
        mtu: r.mtu,
        iface: r.netif,
      };
      if (r.expire !== null) ours.expire = r.expire;
      // route_flags_pretty is jc's spelling-out of the flag letters, not in the input.
      expect(ours, `line ${r.line}`).toEqual(pick(j, Object.keys(j).filter((k) => k !== 'kind' && k !== 'route_flags_pretty')));
    });
    expect(value.filter((r) => r.family === 'inet')).toHaveLength(30);
    expect(value.filter((r) => r.family === 'inet6')).toHaveLength(59);
  });
});
