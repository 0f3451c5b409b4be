/**
 * The platform choice made at start (src/platform/select.ts): which OS maps to which collector,
 * what each sampler offers the run loop (listener watch, firewall fact), and that closing a live
 * Windows sampler ends its PowerShell child. Runs on any OS: the OS is an argument, and the
 * Windows and macOS samplers read fixtures/ through replay or a stand-in PowerShell.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { createPlatformSampler, parsePlatform, platformOf, PLATFORMS } from '../../src/platform/select.js';
import { fixturePath } from '../corpus.js';
import { fakeLiveWindows, processAlive, processGone } from '../support/fake_windows.js';
import { checkSnapshotSchema } from '../support/snapshot_checks.js';

const WINDOWS = fixturePath('windows');
const DARWIN = fixturePath('darwin');
const LINUX = fixturePath('recorded/loopback-states');

let tmp: string | null = null;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = null;
});

describe('platformOf', () => {
  it.each([
    ['win32', 'windows'],
    ['darwin', 'darwin'],
    ['linux', 'linux'],
    // Other Unixes go the procfs way, whose "procfs /proc does not exist" names the flag to fix it.
    ['freebsd', 'linux'],
    ['android', 'linux'],
  ] as const)('%s -> %s', (node, ours) => {
    expect(platformOf(node)).toBe(ours);
  });
});

describe('parsePlatform', () => {
  it('takes our names and the common other spellings', () => {
    for (const name of PLATFORMS) expect(parsePlatform(name)).toBe(name);
    expect(parsePlatform('Windows')).toBe('windows');
    expect(parsePlatform('win32')).toBe('windows');
    expect(parsePlatform('macos')).toBe('darwin');
  });

  it('refuses anything else with a UsageError listing the choices', () => {
    expect(() => parsePlatform('bsd')).toThrow(UsageError);
    expect(() => parsePlatform('')).toThrow(/--platform must be one of linux, windows, darwin, got ''/);
  });
});

describe('createPlatformSampler', () => {
  it('linux: procfs snapshots with the fast listener read and the default firewall probe', async () => {
    const sampler = createPlatformSampler({ platform: 'linux', procfs: LINUX, socketSource: 'procfs' });
    expect(sampler.platform).toBe('linux');
    expect(sampler.firewall).toBeUndefined();
    const s = await sampler.snapshot();
    expect(s.platform).toBe('linux');
    expect(s.tcp.states.listen).toBeGreaterThan(0);
    const { listeners } = await sampler.listeners!();
    expect(listeners.map((l) => `${l.transport} ${l.address}:${l.port}`).sort()).toEqual(
      s.listeners.map((l) => `${l.transport} ${l.address}:${l.port}`).sort(),
    );
    await sampler.close();
  });

  it('linux: refuses --from, pointing at --procfs', () => {
    expect(() => createPlatformSampler({ platform: 'linux', from: WINDOWS })).toThrow(/--procfs/);
  });

  it('windows (replay): a Windows snapshot, no listener read, the firewall fingerprint of the last snapshot', async () => {
    const sampler = createPlatformSampler({ platform: 'windows', from: WINDOWS });
    expect([sampler.platform, sampler.listeners]).toEqual(['windows', null]);
    expect(await sampler.firewall!()).toBeNull(); // nothing sampled yet
    const s = await sampler.snapshot();
    expect(s.platform).toBe('windows');
    checkSnapshotSchema(s);
    const recorded = JSON.parse(readFileSync(path.join(WINDOWS, 'powershell-sample.json'), 'utf8')) as { firewall: { Sha256: string } };
    expect(await sampler.firewall!()).toEqual({ tool: 'windows-firewall', hash: recorded.firewall.Sha256 });
    await sampler.close();
  });

  it('darwin (replay): a macOS snapshot, no listener read, no firewall source', async () => {
    const sampler = createPlatformSampler({ platform: 'darwin', from: DARWIN, now: () => new Date('2025-01-01T00:00:00Z') });
    expect([sampler.platform, sampler.listeners, sampler.firewall]).toEqual(['darwin', null, null]);
    const s = await sampler.snapshot();
    expect(s.platform).toBe('darwin');
    expect(s.timestamp).toBe('2025-01-01T00:00:00.000Z');
    checkSnapshotSchema(s);
  });

  it('windows (live): asks the PowerShell child for samples and ends it on close', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'netstat-otel-select-'));
    const fake = fakeLiveWindows(tmp);
    const sampler = createPlatformSampler({ platform: 'windows', windowsSource: fake.source });
    const first = await sampler.snapshot();
    const second = await sampler.snapshot();
    expect(first.samplers.find((x) => x.name === 'windows.powershell')?.ok).toBe(true);
    expect(second.tcp.states).toEqual(first.tcp.states);
    expect(fake.session.stats.spawns).toBe(1); // one child kept between samples
    const pid = await fake.childPid();
    expect(processAlive(pid)).toBe(true);

    await sampler.close();
    expect(await processGone(pid)).toBe(true);
    await sampler.close(); // idempotent
  });
});
