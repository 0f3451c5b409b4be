/**
 * A live Windows source on any OS: a PowerShell session whose child is test/windows/
 * fake-powershell.mjs answering with fixtures/windows/powershell-sample.json, fallback commands
 * replayed from fixtures/windows. The child's pid is made known, so tests can check that
 * closing the source really ended it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { replayCommandRunner } from '../../src/platform/command.js';
import { PowerShellSession } from '../../src/windows/powershell-session.js';
import { liveWindowsSource, type WindowsSource } from '../../src/windows/source.js';
import { fixturePath } from '../corpus.js';

const FAKE_POWERSHELL = path.join(path.dirname(fileURLToPath(import.meta.url)), '../windows/fake-powershell.mjs');
const WINDOWS = fixturePath('windows');

export interface FakeWindows {
  session: PowerShellSession;
  source: WindowsSource;
  /** The child's pid, once it has started (after the first sample). */
  childPid(): Promise<number>;
}

/** `dir`: a scratch directory for the pid file. */
export function fakeLiveWindows(dir: string): FakeWindows {
  const pidFile = path.join(dir, 'powershell.pid');
  const session = new PowerShellSession({
    command: process.execPath,
    args: [FAKE_POWERSHELL],
    // The stand-in writes its pid to the "hang file"; a hang from request 1000 on never comes.
    env: { ...process.env, FAKE_PS_ANSWER_FILE: path.join(WINDOWS, 'powershell-sample.json'), FAKE_PS_HANG_FILE: pidFile, FAKE_PS_HANG_FROM: '1000' },
  });
  return {
    session,
    source: liveWindowsSource({ session, runner: replayCommandRunner(WINDOWS) }),
    childPid: async () => Number(await readFile(pidFile, 'utf8')),
  };
}

/** True while a process with this pid exists (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `timeoutMs` for the process to be gone; true when it is. */
export async function processGone(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (processAlive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return !processAlive(pid);
}
