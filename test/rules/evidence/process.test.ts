import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeProcess, processEvidence } from '../../../src/rules/evidence/process.js';
import {
  createProcfsProcessInfo,
  defaultPasswdFile,
  formatCommandLine,
  MAX_COMMAND_LINE,
  parsePasswd,
  parseStatusUid,
} from '../../../src/rules/evidence/process_info.js';
import { NO_PROCESS_INFO, type EvidenceContext, type ProcessInfo } from '../../../src/rules/evidence/types.js';
import { historyOf, listener } from '../helpers.js';

const table: ProcessInfo = {
  details: (pid, _name, withCommandLine) => (pid === 4242 ? { commandLine: withCommandLine ? 'nc -lk 4444' : null, uid: 1000 } : null),
  userName: (uid) => (uid === 1000 ? 'alice' : null),
};
const ctx = (processes: ProcessInfo, commandLine = true): EvidenceContext => ({ history: historyOf([]), processes, commandLine });

describe('processEvidence', () => {
  it('gives pid, name, command line and owner under semantic-convention attributes', () => {
    const e = processEvidence(ctx(table), listener(4444, { pid: 4242, process: 'nc', uid: 0 }));
    expect(e?.attributes).toEqual({
      'process.pid': 4242,
      'process.executable.name': 'nc',
      'process.command_line': 'nc -lk 4444',
      'process.owner': 'alice',
      'process.user.id': 1000, // the process's uid wins over the socket's (0)
      'user.id': '1000',
    });
    expect(e?.values.description).toBe('4242/nc as alice (uid 1000): nc -lk 4444');
  });

  it('leaves the command line out when turned off', () => {
    const e = processEvidence(ctx(table, false), listener(4444, { pid: 4242, process: 'nc' }));
    expect(e?.attributes['process.command_line']).toBeUndefined();
    expect(e?.values).toMatchObject({ commandLine: null, description: '4242/nc as alice (uid 1000)' });
  });

  it('falls back to the socket uid, and leaves out a user name it cannot resolve', () => {
    const e = processEvidence(ctx(NO_PROCESS_INFO), listener(8080, { pid: 77, process: 'gone', uid: 1001 }));
    expect(e?.attributes).toEqual({ 'process.pid': 77, 'process.executable.name': 'gone', 'process.user.id': 1001, 'user.id': '1001' });
    expect(e?.values).toMatchObject({ user: null, commandLine: null, description: '77/gone as uid 1001' });
  });

  it('shows a listener without a pid as an unknown process', () => {
    const e = processEvidence(ctx(table), listener(8080, { pid: null, process: null, uid: null }));
    expect(e?.attributes).toEqual({});
    expect(e?.values.description).toBe('an unknown process');
    expect(describeProcess(null, null, 0, 'root', null)).toBe('an unknown process as root (uid 0)');
  });
});

describe('command lines', () => {
  it('joins NUL-separated arguments with spaces', () => {
    expect(formatCommandLine(Buffer.from('nc\0-l\0-p\x004444\0'))).toBe('nc -l -p 4444');
    expect(formatCommandLine('nginx: worker process\0\0\0')).toBe('nginx: worker process');
    expect(formatCommandLine('a\nb\tc\0')).toBe('a b c');
  });

  it('is null when empty (kernel threads)', () => {
    expect(formatCommandLine(Buffer.alloc(0))).toBeNull();
    expect(formatCommandLine('\0')).toBeNull();
  });

  it(`cuts at ${MAX_COMMAND_LINE} characters, never in the middle of one`, () => {
    const long = `java ${'-Dx=y '.repeat(200)}`.replace(/ /g, '\0');
    const out = formatCommandLine(long);
    expect(Array.from(out ?? '')).toHaveLength(MAX_COMMAND_LINE);
    expect(out?.endsWith('…')).toBe(true);
    const emoji = formatCommandLine('😀'.repeat(300));
    expect(Array.from(emoji ?? '')).toHaveLength(MAX_COMMAND_LINE);
    expect(emoji?.slice(0, -1)).toBe('😀'.repeat(MAX_COMMAND_LINE - 1));
  });
});

describe('status and passwd parsing', () => {
  it('reads the effective uid from /proc/<pid>/status', () => {
    expect(parseStatusUid('Name:\tsudo\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n')).toBe(0);
    expect(parseStatusUid('Name:\tx\n')).toBeNull();
  });

  it('maps uids to names, first entry winning, skipping comments and NIS lines', () => {
    const users = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\n+::::::\nalice:x:1000:1000::/home/alice:/bin/sh\ntoor:x:0:0::/:/bin/sh\nbad:x:notanumber:0::/:\n');
    expect([...users]).toEqual([
      [0, 'root'],
      [1000, 'alice'],
    ]);
  });

  it('takes the host passwd through pid 1 when procfs is not /proc', () => {
    expect(defaultPasswdFile('/proc')).toBe('/etc/passwd');
    expect(defaultPasswdFile('/proc/')).toBe('/etc/passwd');
    expect(defaultPasswdFile('/host/proc')).toBe('/host/proc/1/root/etc/passwd');
  });
});

describe('createProcfsProcessInfo on a fake procfs', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  function fakeProc(): { root: string; passwd: string } {
    dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-evidence-'));
    const root = path.join(dir, 'proc');
    mkdirSync(path.join(root, '4242'), { recursive: true });
    writeFileSync(path.join(root, '4242', 'comm'), 'nc\n');
    writeFileSync(path.join(root, '4242', 'cmdline'), 'nc\0-lk\0--password=hunter2\0');
    writeFileSync(path.join(root, '4242', 'status'), 'Name:\tnc\nUid:\t1000\t1000\t1000\t1000\n');
    const passwd = path.join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
    return { root, passwd };
  }

  it('reads comm, cmdline and status under the procfs root', () => {
    const { root, passwd } = fakeProc();
    const info = createProcfsProcessInfo({ procfs: root, passwdFile: passwd });
    expect(info.details(4242, 'nc', true)).toEqual({ commandLine: 'nc -lk --password=hunter2', uid: 1000 });
    expect(info.details(4242, 'nc', false)).toEqual({ commandLine: null, uid: 1000 });
    expect(info.userName(1000)).toBe('alice');
    expect(info.userName(4242)).toBeNull();
  });

  it('refuses a process whose name is not the one the snapshot saw (pid reused, other namespace)', () => {
    const { root, passwd } = fakeProc();
    const info = createProcfsProcessInfo({ procfs: root, passwdFile: passwd });
    expect(info.details(4242, 'sshd', true)).toBeNull();
    expect(info.details(9999, 'nc', true)).toBeNull();
  });

  it('reads passwd once; looks again only for a missing uid, and only when the file changed', () => {
    const { root, passwd } = fakeProc();
    let clock = 0;
    const info = createProcfsProcessInfo({ procfs: root, passwdFile: passwd, now: () => clock });
    expect(info.userName(0)).toBe('root');
    writeFileSync(passwd, 'admin:x:0:0::/root:/bin/sh\nsvc:x:998:998::/:/bin/false\n');
    expect(info.userName(0)).toBe('root'); // cached: read once
    expect(info.userName(998)).toBeNull(); // missing, but looked at moments ago
    clock += 61_000;
    expect(info.userName(998)).toBe('svc'); // missing and the file changed: read again
  });

  it('reuses details for a while (a firing listener alert is evaluated every second)', () => {
    const { root, passwd } = fakeProc();
    let clock = 0;
    const info = createProcfsProcessInfo({ procfs: root, passwdFile: passwd, now: () => clock });
    expect(info.details(4242, 'nc', true)?.commandLine).toBe('nc -lk --password=hunter2');
    writeFileSync(path.join(root, '4242', 'cmdline'), 'nc\0-lk\0');
    expect(info.details(4242, 'nc', true)?.commandLine).toBe('nc -lk --password=hunter2');
    clock += 31_000;
    expect(info.details(4242, 'nc', true)?.commandLine).toBe('nc -lk');
  });
});
