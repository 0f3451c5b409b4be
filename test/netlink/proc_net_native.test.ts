/**
 * The C scanner of /proc/net/{tcp,tcp6,udp,udp6} (native/proc_net.c, the addon's scanProcNet)
 * against the JavaScript parser: ProcfsSocketReader with the addon and without it must give the
 * same records, errors and counts for every state mask, on real tables (the shared corpus,
 * fixtures/, this host's own /proc/net copied once), on synthetic trees, and on broken tables,
 * where the C scanner must decline the file so the JavaScript parser reports it as before.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSyntheticProcfs } from '../../bench/lib/synthetic_procfs.mjs';
import { nativeAddon, type NativeAddon } from '../../src/netlink/addon.js';
import { ALL_STATES, KERNEL_STATE, LISTEN_STATES, stateBit, UDP_UNCONNECTED_STATES } from '../../src/netlink/states.js';
import { KernelFs, limitFor, type KernelFsLimits } from '../../src/procfs/kernel_fs.js';
import { ProcfsSocketReader } from '../../src/samplers/sockets.js';
import { collectStateCounts } from '../../src/snapshot/collect.js';
import { corpusPath, describeCorpus, fixturePath } from '../corpus.js';

const load = nativeAddon();
const TABLES = ['tcp', 'tcp6', 'udp', 'udp6'] as const;
type Table = (typeof TABLES)[number];
const TRANSPORTS = ['tcp', 'udp'] as const;

/** Every mask shape a caller uses, each state alone, and bits no table has (0, 13-15, all 32). */
const MASKS: readonly number[] = [
  ALL_STATES,
  0,
  LISTEN_STATES,
  UDP_UNCONNECTED_STATES,
  ...Array.from({ length: 12 }, (_, i) => stateBit(i + 1)),
  stateBit(KERNEL_STATE.ESTABLISHED) | stateBit(KERNEL_STATE.TIME_WAIT),
  stateBit(KERNEL_STATE.SYN_RECV) | stateBit(KERNEL_STATE.NEW_SYN_RECV),
  ALL_STATES & ~LISTEN_STATES,
  stateBit(0) | stateBit(13) | stateBit(14) | stateBit(15),
  0xffffffff,
];

const HEADERS: Record<Table, string> = {
  tcp: `${'  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'.padEnd(149)}\n`,
  tcp6: '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n',
  udp: `${'   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops'.padEnd(127)}\n`,
  udp6: '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n',
};

const FAMILY = (table: Table): number => (table.endsWith('6') ? 10 : 2);
const PROTOCOL = (table: Table): number => (table.startsWith('tcp') ? 6 : 17);

const temps: string[] = [];
function tempRoot(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'netstat-otel-proc-net-'));
  temps.push(root);
  mkdirSync(path.join(root, 'net'));
  return root;
}
afterAll(() => {
  for (const root of temps) rmSync(root, { recursive: true, force: true });
});

/** A procfs root whose net/<table> files are the given text, or links to the given files (read in place). */
function treeOf(tables: Partial<Record<Table, { text: string } | { link: string }>>, fillMissing = true): string {
  const root = tempRoot();
  for (const table of TABLES) {
    const file = path.join(root, 'net', table);
    const source = tables[table];
    if (source && 'link' in source) symlinkSync(source.link, file);
    else if (source) writeFileSync(file, source.text, 'latin1');
    else if (fillMissing) writeFileSync(file, HEADERS[table]);
  }
  return root;
}

/** What the C scanner alone says of one file: 'records', 'counts', or its reason for declining. */
async function scan(addon: NativeAddon, root: string, table: Table, counts: boolean, states = ALL_STATES): Promise<ArrayBuffer | string> {
  return addon.scanProcNet(path.join(root, 'net', table), FAMILY(table), PROTOCOL(table), states, counts, limitFor(`net/${table}`));
}

async function expectAccepted(addon: NativeAddon, root: string, table: Table): Promise<void> {
  for (const counts of [false, true]) {
    const result = await scan(addon, root, table, counts);
    expect(typeof result === 'string' ? `declined: ${result}` : 'accepted', `${table} (${counts ? 'counts' : 'records'})`).toBe('accepted');
  }
}

/**
 * The whole comparison: records and errors for every mask, and counts, for both transports;
 * returns the JavaScript path's socket count so a caller can check the comparison was not empty.
 */
async function expectSameAsJs(addon: NativeAddon, root: string, limits: Partial<KernelFsLimits> = {}): Promise<number> {
  const procfs = new KernelFs(root, limits);
  const withC = new ProcfsSocketReader(procfs, addon);
  const jsOnly = new ProcfsSocketReader(procfs, null);
  let sockets = 0;
  for (const transport of TRANSPORTS) {
    for (const mask of MASKS) {
      const expected = await jsOnly.read(transport, mask);
      expect(await withC.read(transport, mask), `${transport}, states 0x${(mask >>> 0).toString(16)}`).toEqual(expected);
      if (mask === ALL_STATES) sockets += expected.sockets?.length ?? 0;
    }
    expect(await withC.count(transport), `${transport} counts`).toEqual(await jsOnly.count(transport));
  }
  return sockets;
}

describe.skipIf(load.addon === null)(`C scan of /proc/net tables equals the JavaScript parser (addon: ${load.reason ?? 'built'})`, () => {
  const addon = load.addon!;

  describe('real tables', () => {
    it('fixtures/recorded/loopback-states: accepted by C, same records, errors and counts', async () => {
      const root = fixturePath('recorded/loopback-states');
      for (const table of TABLES) await expectAccepted(addon, root, table);
      expect(await expectSameAsJs(addon, root)).toBeGreaterThan(20);
    });

    it('this host\'s /proc/net, read once into a copy', async () => {
      const tables: Partial<Record<Table, { text: string }>> = {};
      for (const table of TABLES) {
        try {
          tables[table] = { text: readFileSync(`/proc/net/${table}`, 'latin1') };
        } catch {
          // IPv6 disabled: the table is absent, as the copy will be.
        }
      }
      const root = treeOf(tables, false);
      for (const table of Object.keys(tables) as Table[]) await expectAccepted(addon, root, table);
      await expectSameAsJs(addon, root);
    });

    it('a synthetic tree of 10k sockets (kernel layout, lines across read chunks)', async () => {
      const tree = makeSyntheticProcfs(10_000, 7);
      try {
        for (const table of TABLES) await expectAccepted(addon, tree.root, table);
        expect(await expectSameAsJs(addon, tree.root)).toBe(10_000 + 200);
      } finally {
        tree.remove();
      }
    });
  });

  describeCorpus('shared corpus tables (read in place)', () => {
    it('procfs/proc/net: tcp6, udp and udp6 accepted by C; tcp (listeners with a send queue) declined; same results', async () => {
      const root = corpusPath('procfs/proc');
      for (const table of ['tcp6', 'udp', 'udp6'] as const) await expectAccepted(addon, root, table);
      // prometheus/procfs's tcp lists LISTEN rows with tx_queue 1, which decodeRecords would show as 0.
      expect(await scan(addon, root, 'tcp', false)).toBe('line 3: listener with a send queue');
      expect(await scan(addon, root, 'tcp', true)).toBeInstanceOf(ArrayBuffer);
      expect(await expectSameAsJs(addon, root)).toBe(3 + 2 + 3 + 2);
    });

    it('jc linux-proc__net_tcp (padded rows, short TIME_WAIT rows) accepted by C, same results', async () => {
      const root = treeOf({ tcp: { link: corpusPath('jc/linux-proc__net_tcp') } });
      await expectAccepted(addon, root, 'tcp');
      expect(await expectSameAsJs(addon, root)).toBe(27);
    });

    it('procfs udp_broken (a 4-field row) declined by C; the JavaScript parser reports line 2 as before', async () => {
      const root = treeOf({ udp: { link: corpusPath('procfs/proc/net/udp_broken') } });
      expect(await scan(addon, root, 'udp', false)).toBe('line 2: state');
      await expectSameAsJs(addon, root);
      const { errors } = await new ProcfsSocketReader(new KernelFs(root), addon).read('udp', ALL_STATES);
      expect(errors).toEqual([{ source: 'udp', file: path.join(root, 'net/udp'), line: 2, message: 'expected at least 10 fields, found 4' }]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Broken and unusual tables.

const TCP_ROWS = [
  '   0: 0100007F:A537 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 38250 1 00000000e1e40bf5 100 0 0 10 0',
  '   1: 0100007F:86DD 0100007F:D2F0 01 00000000:00000000 02:00000A6F 00000000  1000        0 38251 2 0000000000000000 20 4 0 10 -1',
  '   2: 0100007F:86DD 0100007F:D2F4 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000',
  '   3: 0100007F:D2F8 0100007F:86DD 08 00000000:00000052 00:00000000 00000000  1000        0 38252 1 0000000000000000 20 4 30 10 -1',
];
const TCP6_ROW = '   0: 00000000000000000000000001000000:8EF7 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 38267 1 00000000cc92ed45 100 0 0 10 0';
const UDP_ROW = '  421: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 34000 2 0000000000000000 0';

const tcpTable = (rows: readonly string[], end = '\n'): string => HEADERS.tcp + rows.join('\n') + end;
const withRow = (i: number, row: string): string[] => TCP_ROWS.map((r, j) => (j === i ? row : r));

interface Case {
  name: string;
  table: Table;
  text: string;
  /** What the C scanner must do: decline the file (fall back), or read it itself. */
  c: 'declines' | 'reads' | 'declines records';
}

const CASES: readonly Case[] = [
  { name: 'a row cut short mid-file', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.slice(0, 40))), c: 'declines' },
  { name: 'a file that stops mid-row (no final newline)', table: 'tcp', text: HEADERS.tcp + TCP_ROWS.join('\n').slice(0, -60), c: 'declines' },
  { name: 'a garbage line', table: 'tcp', text: tcpTable([...TCP_ROWS.slice(0, 2), 'this is not a socket', ...TCP_ROWS.slice(2)]), c: 'declines' },
  { name: 'binary bytes inside a row', table: 'tcp', text: tcpTable(withRow(2, TCP_ROWS[2]!.replace('03:00001770', '03:\u0000\u00ff\u0001770'))), c: 'declines' },
  { name: 'a valid row padded past 4 KiB', table: 'tcp', text: tcpTable(withRow(0, TCP_ROWS[0]!.padEnd(5000))), c: 'declines' },
  { name: 'a 300 KB garbage line (longer than a read chunk)', table: 'tcp', text: tcpTable([...TCP_ROWS, 'x'.repeat(300_000), TCP_ROWS[0]!]), c: 'declines' },
  { name: 'an empty file', table: 'tcp', text: '', c: 'declines' },
  { name: 'a table with no header', table: 'tcp', text: `${TCP_ROWS.join('\n')}\n`, c: 'declines' },
  { name: 'a header pushed past the 200 characters the parser looks at', table: 'tcp', text: `${' '.repeat(190)}${HEADERS.tcp}${TCP_ROWS.join('\n')}\n`, c: 'declines' },
  { name: 'CRLF line ends', table: 'tcp', text: tcpTable(TCP_ROWS.map((r) => `${r}\r`), '\r\n'), c: 'declines' },
  { name: 'a tab between fields', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace(' 0100007F:D2F0', '\t0100007F:D2F0'))), c: 'declines' },
  { name: 'state 00', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace(' 01 ', ' 00 '))), c: 'declines' },
  { name: 'state 0D (TCP_BOUND_INACTIVE, which /proc does not list)', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace(' 01 ', ' 0D '))), c: 'declines' },
  { name: 'an inode past 32 bits', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace(' 38251 ', ' 4294967296 '))), c: 'declines' },
  { name: 'an inode of 16 digits', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace(' 38251 ', ' 1234567890123456 '))), c: 'declines' },
  { name: 'a uid past 32 bits', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace('  1000  ', ' 4294967296 '))), c: 'declines' },
  { name: 'a slot of 16 digits', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace('   1:', '1234567890123456:'))), c: 'declines' },
  { name: 'a control byte (0x11) in an address word', table: 'tcp', text: tcpTable(withRow(3, TCP_ROWS[3]!.replace('0100007F:86DD', '0\u001100007F:86DD'))), c: 'declines' },
  { name: 'a 5-digit port', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace(':86DD ', ':186DD '))), c: 'declines' },
  { name: 'a 9-digit queue', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.replace('00000000:00000000', '000000000:00000000'))), c: 'declines' },
  { name: 'fewer than 10 fields', table: 'tcp', text: tcpTable(withRow(1, TCP_ROWS[1]!.slice(0, TCP_ROWS[1]!.indexOf(' 38251')))), c: 'declines' },
  { name: 'an IPv4 address in tcp6', table: 'tcp6', text: HEADERS.tcp6 + TCP_ROWS[0] + '\n', c: 'declines' },
  { name: 'a listener with a send queue (records only: decodeRecords would zero it)', table: 'tcp', text: tcpTable(withRow(0, TCP_ROWS[0]!.replace('0A 00000000:', '0A 00000005:'))), c: 'declines records' },
  // Kernel output the C scanner must read itself.
  { name: 'header only, with its newline', table: 'tcp', text: HEADERS.tcp, c: 'reads' },
  { name: 'header only, without a newline', table: 'tcp6', text: HEADERS.tcp6.trimEnd(), c: 'reads' },
  { name: 'slots beyond 99999 (the %4d column grows)', table: 'tcp', text: tcpTable(TCP_ROWS.map((r, i) => r.replace(/^ +\d+:/, `${123456 + i}:`))), c: 'reads' },
  { name: 'udp slots (bucket numbers) beyond 99999, repeated', table: 'udp', text: `${HEADERS.udp}${UDP_ROW.replace('  421:', '654321:')}\n${UDP_ROW.replace('  421:', '654321:')}\n`, c: 'reads' },
  { name: 'no final newline', table: 'tcp', text: tcpTable(TCP_ROWS, ''), c: 'reads' },
  { name: 'blank and space-only lines between rows', table: 'tcp', text: tcpTable([TCP_ROWS[0]!, '', '      ', ...TCP_ROWS.slice(1)]), c: 'reads' },
  { name: 'lower-case hex', table: 'tcp6', text: `${HEADERS.tcp6}${TCP6_ROW.toLowerCase()}\n`, c: 'reads' },
  // A request socket (inode 0) on the port of row 0's listener (uid 0): sock_diag's records get
  // the listener's uid in decodeRecords, but /proc printed the uid, which must stay 1000.
  { name: 'NEW_SYN_RECV (0C) rows keep their printed uid', table: 'tcp', text: tcpTable([TCP_ROWS[0]!, TCP_ROWS[1]!.replace('0100007F:86DD 0100007F:D2F0 01', '0100007F:A537 0100007F:D2F0 0C').replace(' 38251 ', ' 0 ')]), c: 'reads' },
  { name: 'non-ASCII bytes after the inode (never read)', table: 'udp', text: `${HEADERS.udp}${UDP_ROW} \u00e9\u00ff\n`, c: 'reads' },
  { name: 'a listener with a send queue, counted', table: 'udp', text: `${HEADERS.udp}${UDP_ROW.replace(' 07 00000000:', ' 0A 00000005:')}\n`, c: 'reads' },
  { name: 'uid and inode at 2^32 - 1', table: 'udp6', text: `${HEADERS.udp6}${TCP6_ROW.replace('     0        0 38267', ' 4294967295        0 4294967295')}\n`, c: 'reads' },
];

describe.skipIf(load.addon === null)('broken and unusual tables: the C scanner declines what it does not vouch for, and results match', () => {
  const addon = load.addon!;

  for (const testCase of CASES) {
    it(`${testCase.name}: C ${testCase.c}; same records, errors and counts`, async () => {
      const root = treeOf({ [testCase.table]: { text: testCase.text } });
      const records = await scan(addon, root, testCase.table, false);
      const counts = await scan(addon, root, testCase.table, true);
      const readsRecords = testCase.c === 'reads';
      const readsCounts = testCase.c !== 'declines';
      expect(typeof records === 'string' ? `declined: ${records}` : 'read', 'records').toEqual(readsRecords ? 'read' : expect.stringMatching(/^declined: /));
      expect(typeof counts === 'string' ? `declined: ${counts}` : 'read', 'counts').toEqual(readsCounts ? 'read' : expect.stringMatching(/^declined: /));
      await expectSameAsJs(addon, root);
    });
  }

  it('a missing table: optional tcp6 is no error, tcp is the same ENOENT error as without C', async () => {
    const root = treeOf({ tcp: { text: tcpTable(TCP_ROWS) }, udp: { text: HEADERS.udp }, udp6: { text: HEADERS.udp6 } }, false);
    expect(await expectSameAsJs(addon, root)).toBe(4);
    const noTcp = treeOf({ tcp6: { text: HEADERS.tcp6 + TCP6_ROW + '\n' }, udp: { text: HEADERS.udp } }, false);
    await expectSameAsJs(addon, noTcp);
    const { errors } = await new ProcfsSocketReader(new KernelFs(noTcp), addon).read('tcp', ALL_STATES);
    expect(errors).toEqual([expect.objectContaining({ source: 'tcp', file: path.join(noTcp, 'net/tcp'), line: null, message: expect.stringContaining('ENOENT') })]);
  });

  it('an unreadable table (a directory: EISDIR on read) gives the same error as without C', async () => {
    const root = treeOf({ udp6: { text: HEADERS.udp6 } });
    rmSync(path.join(root, 'net/udp6'));
    mkdirSync(path.join(root, 'net/udp6'));
    await expectSameAsJs(addon, root);
    const { errors } = await new ProcfsSocketReader(new KernelFs(root), addon).read('udp', ALL_STATES);
    expect(errors).toEqual([expect.objectContaining({ file: path.join(root, 'net/udp6'), message: expect.stringContaining('EISDIR') })]);
  });

  it.skipIf(process.getuid?.() === 0)('a table without read permission gives the same EACCES error as without C', async () => {
    const root = treeOf({ tcp: { text: tcpTable(TCP_ROWS) } });
    chmodSync(path.join(root, 'net/tcp'), 0o000);
    await expectSameAsJs(addon, root);
    const { errors } = await new ProcfsSocketReader(new KernelFs(root), addon).read('tcp', ALL_STATES);
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringContaining('EACCES') })]);
  });

  it('a table over the size limit is declined; the JavaScript read gives the same EFBIG error', async () => {
    const root = treeOf({ tcp: { text: tcpTable([...TCP_ROWS, ...TCP_ROWS, ...TCP_ROWS]) } });
    const limits = { tableBytes: 600 };
    const result = await addon.scanProcNet(path.join(root, 'net/tcp'), 2, 6, ALL_STATES, false, limitFor('net/tcp', { ...limits, smallFileBytes: 1 }));
    expect(result).toMatch(/over the 600-byte limit/);
    await expectSameAsJs(addon, root, limits);
    const { errors } = await new ProcfsSocketReader(new KernelFs(root, limits), addon).read('tcp', ALL_STATES);
    expect(errors).toEqual([expect.objectContaining({ file: path.join(root, 'net/tcp'), message: expect.stringContaining('over the 600 bytes limit') })]);
  });

  it('procfs itself (no stated size) over a tiny limit is caught while reading, with the same error', async () => {
    const limits = { tableBytes: 100 };
    await expectSameAsJs(addon, '/proc', limits);
    const { errors } = await new ProcfsSocketReader(new KernelFs('/proc', limits), addon).count('tcp');
    expect(errors[0]).toEqual(expect.objectContaining({ file: '/proc/net/tcp', message: expect.stringContaining('more than 100 bytes') }));
  });

  it('argument checks: a bad family, protocol or limit throws a TypeError', () => {
    expect(() => addon.scanProcNet('/proc/net/tcp', 3, 6, ALL_STATES, false, 1)).toThrow(TypeError);
    expect(() => addon.scanProcNet('/proc/net/tcp', 2, 1, ALL_STATES, false, 1)).toThrow(TypeError);
    expect(() => addon.scanProcNet('/proc/net/tcp', 2, 6, ALL_STATES, false, -1)).toThrow(TypeError);
  });
});

describe.skipIf(load.addon === null)('collectStateCounts on a recorded tree: the addon and NETSTAT_OTEL_NATIVE=0 agree', () => {
  let root: string;
  beforeAll(() => {
    root = tempRoot();
    for (const table of TABLES) copyFileSync(fixturePath(`recorded/loopback-states/net/${table}`), path.join(root, 'net', table));
  });

  it('same TCP states, UDP count and errors', async () => {
    const withC = await collectStateCounts({ procfs: root, native: load.addon });
    const jsOnly = await collectStateCounts({ procfs: root, native: null });
    expect(withC).toEqual(jsOnly);
    expect(withC.tcp.listen).toBeGreaterThan(0);
  });
});
