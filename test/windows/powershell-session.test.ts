import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseFramer } from '../../src/windows/response-framer.js';
import {
  PowerShellRequestError,
  PowerShellSession,
  PowerShellUnavailableError,
  POWERSHELL_ARGS,
  POWERSHELL_COMMAND,
  type PowerShellSessionOptions,
} from '../../src/windows/powershell-session.js';
import { bootstrapLine, requestLine, RESPONSE_MARKER, SAMPLE_SCRIPT, POWERSHELL_PARTS } from '../../src/windows/powershell-script.js';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-powershell.mjs');

describe('response framing', () => {
  it('finds answers among other output, across chunk boundaries and CRLF', () => {
    const f = new ResponseFramer(RESPONSE_MARKER, 1000);
    expect(f.push('WARNING: x\r\nPS C:\\> @@netstat-otel@@ 7 {"a":')).toEqual([{ kind: 'noise', line: 'WARNING: x' }]);
    expect(f.push('1}')).toEqual([]);
    expect(f.push('\r\n@@netstat-otel@@ 8 {"b":2}\n')).toEqual([
      { kind: 'response', id: '7', payload: '{"a":1}' },
      { kind: 'response', id: '8', payload: '{"b":2}' },
    ]);
    expect(f.push('@@netstat-otel@@\n')).toEqual([{ kind: 'noise', line: '@@netstat-otel@@' }]);
  });

  it('drops a line that grows past the limit and resumes at the next newline', () => {
    const f = new ResponseFramer(RESPONSE_MARKER, 10);
    expect(f.push('@@netstat-otel@@ 1 {')).toEqual([{ kind: 'overflow', length: 20 }]);
    expect(f.push('"more":"stuff"}')).toEqual([]);
    expect(f.push('\nok\n')).toEqual([{ kind: 'noise', line: 'ok' }]);
    // A complete line arriving in one chunk is held to the same limit.
    expect(f.push('@@netstat-otel@@ 2 {"x":1}\n')).toEqual([{ kind: 'overflow', length: 26 }]);
  });

  it('the request and bootstrap lines are single lines carrying the whole script', () => {
    expect(requestLine('12')).toBe("Invoke-NetstatOtelSample -Id '12'");
    const line = bootstrapLine();
    expect(line).not.toMatch(/[\r\n]/);
    const b64 = /FromBase64String\('([^']+)'\)/.exec(line)?.[1] ?? '';
    expect(Buffer.from(b64, 'base64').toString('utf8')).toBe(SAMPLE_SCRIPT);
    expect(POWERSHELL_COMMAND).toBe('powershell.exe');
    expect(POWERSHELL_ARGS).toEqual(['-NoProfile', '-NonInteractive', '-Command', '-']);
  });

  it('the script asks for every part the parser reads, and frames its answer with the marker', () => {
    for (const part of POWERSHELL_PARTS) expect(SAMPLE_SCRIPT).toMatch(new RegExp(`\\n    ${part} = \\{`));
    for (const cmdlet of ['Get-NetTCPConnection', 'Get-NetUDPEndpoint', 'Get-Process', 'Get-NetAdapterStatistics', 'Get-NetRoute', 'Win32_PerfRawData_Tcpip_TCPv4', 'Get-NetFirewallRule']) {
      expect(SAMPLE_SCRIPT).toContain(cmdlet);
    }
    expect(SAMPLE_SCRIPT).toContain(`'${RESPONSE_MARKER} ' + $Id + ' ' + $json`);
    expect(SAMPLE_SCRIPT).toContain('-Compress');
  });
});

describe('PowerShell session against a stand-in child', () => {
  const sessions: PowerShellSession[] = [];
  let tmp: string | null = null;
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    if (tmp !== null) await rm(tmp, { recursive: true, force: true });
    tmp = null;
  });

  const open = (env: Record<string, string> = {}, options: PowerShellSessionOptions = {}) => {
    const s = new PowerShellSession({
      command: process.execPath,
      args: [FAKE],
      env: { ...process.env, ...env },
      // Generous: a loaded CI machine can take seconds to start a node child.
      timeoutMs: 10_000,
      startupTimeoutMs: 10_000,
      ...options,
    });
    sessions.push(s);
    return s;
  };
  const answer = async (s: PowerShellSession) => JSON.parse(await s.request()) as Record<string, unknown>;

  it('bootstraps once, then answers requests in order with increasing ids', async () => {
    const s = open();
    const a = await answer(s);
    const b = await answer(s);
    expect(a).toMatchObject({ version: 1, id: '1', bootstrapped: true, served: 1 });
    expect(b).toMatchObject({ id: '2', served: 2, pid: a.pid });
    expect(s.stats).toEqual({ spawns: 1, timeouts: 0, exits: 0, staleResponses: 0, noiseLines: 0 });
  });

  it('serializes concurrent requests on the one child', async () => {
    const s = open();
    const all = await Promise.all([answer(s), answer(s), answer(s)]);
    expect(all.map((a) => a.id)).toEqual(['1', '2', '3']);
    expect(all.map((a) => a.served)).toEqual([1, 2, 3]);
    expect(s.stats.spawns).toBe(1);
  });

  it('reassembles answers written in pieces with CRLF, ignoring noise and stale answers', async () => {
    const s = open({ FAKE_PS_SPLIT: '1', FAKE_PS_NOISE: '1', FAKE_PS_STALE: '1' });
    expect(await answer(s)).toMatchObject({ id: '1' });
    expect(await answer(s)).toMatchObject({ id: '2' });
    expect(s.stats.staleResponses).toBe(2);
    expect(s.stats.noiseLines).toBe(6); // WARNING, a blank line and VERBOSE per answer; the prompt shares the stale answer's line
  });

  it('restarts the child after it dies, failing only the request it died on', async () => {
    const s = open({ FAKE_PS_CRASH_AFTER: '1' });
    const first = await answer(s);
    const err = await s.request().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PowerShellRequestError);
    expect((err as PowerShellRequestError).reason).toBe('exit');
    expect((err as Error).message).toBe('PowerShell exited (code 3); stderr: fatal: out of memory');
    const third = await answer(s);
    expect(third).toMatchObject({ id: '3', served: 1, bootstrapped: true });
    expect(third.pid).not.toBe(first.pid);
    expect(s.stats).toMatchObject({ spawns: 2, exits: 1, timeouts: 0 });
  });

  it('times out a request, kills the silent child, and starts a fresh one next time', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'fake-ps-'));
    const marker = path.join(tmp, 'hung');
    // The first child answers once, then goes silent; its successor answers.
    const s = open({ FAKE_PS_HANG_FILE: marker, FAKE_PS_HANG_FROM: '2' }, { timeoutMs: 500 });
    expect(await answer(s)).toMatchObject({ id: '1', served: 1 });
    const started = Date.now();
    const err = await s.request().catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(5_000); // no startup allowance: the child was not fresh
    expect(err).toBeInstanceOf(PowerShellRequestError);
    expect((err as PowerShellRequestError).reason).toBe('timeout');
    expect(await answer(s)).toMatchObject({ id: '3', served: 1 });
    const hungPid = Number(await readFile(marker, 'utf8'));
    expect(() => process.kill(hungPid, 0)).toThrow(); // the hung child was killed
    expect(s.stats).toMatchObject({ spawns: 2, timeouts: 1 });
  });

  it('gives the first request of a fresh child extra startup time', async () => {
    const s = open({ FAKE_PS_SPLIT: '1' }, { timeoutMs: 1, startupTimeoutMs: 10_000 });
    expect(await answer(s)).toMatchObject({ id: '1' });
  });

  it('hands a non-JSON answer through unchanged (the sample parser reports it)', async () => {
    const s = open({ FAKE_PS_GARBAGE: '1' });
    expect(await s.request()).toBe('this is not json');
  });

  it('refuses an answer longer than the limit', async () => {
    const s = open({}, { maxResponseLength: 20 });
    const err = await s.request().catch((e: unknown) => e);
    expect((err as PowerShellRequestError).reason).toBe('overflow');
  });

  it('reports a missing PowerShell as unavailable', async () => {
    const s = open({}, { command: path.join(os.tmpdir(), 'nowhere', 'powershell.exe') });
    await expect(s.request()).rejects.toBeInstanceOf(PowerShellUnavailableError);
  });

  it('close ends the child and refuses later requests', async () => {
    const s = open();
    const { pid } = await answer(s);
    await s.close();
    expect(() => process.kill(pid as number, 0)).toThrow();
    await expect(s.request()).rejects.toMatchObject({ reason: 'closed' });
    expect(s.stats.exits).toBe(0); // an exit we asked for is not a failure
  });
});
