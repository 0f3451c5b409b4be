/**
 * deploy/systemd/netstat-otel.service: the hardening it promises (docs/deployment.md), checked
 * directive by directive, and `systemd-analyze verify` on it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unitExecStart } from '../../bench/lib/unit_launch.mjs';
import { CLI, CLI_MISSING, cliBuilt, onPath, repoPath, runCli, unitSettings } from './repo.js';

const UNIT_PATH = repoPath('deploy/systemd/netstat-otel.service');
const UNIT = readFileSync(UNIT_PATH, 'utf8');

const service = unitSettings(UNIT, 'Service');
const setting = (key: string): string | undefined => service.filter(([k]) => k === key).at(-1)?.[1];
const words = (key: string): string[] => (setting(key) ?? '').split(/\s+/).filter(Boolean).sort();
const exec = unitExecStart(UNIT);

describe('netstat-otel.service hardening', () => {
  it('runs `netstat-otel run --rules /etc/netstat-otel/rules` through node, with OTEL_* from an optional env file', () => {
    expect(exec.node).toMatch(/^\/\S+\/node$/);
    expect(exec.program).toMatch(/^\/\S+\/netstat-otel$/);
    expect(exec.args).toEqual(['run', '--rules', '/etc/netstat-otel/rules', '--state-dir', '/var/lib/netstat-otel']);
    expect(setting('EnvironmentFile')).toBe('-/etc/netstat-otel/env');
    expect(setting('Restart')).toBe('on-failure');
  });

  it('keeps undelivered alerts in a state directory systemd creates, the only writable path', () => {
    expect(setting('StateDirectory')).toBe('netstat-otel');
    expect(setting('StateDirectoryMode')).toBe('0700');
    expect(setting('ProtectSystem')).toBe('strict');
  });

  it('runs as a dynamic unprivileged user with exactly the two attribution capabilities', () => {
    expect(setting('DynamicUser')).toBe('yes');
    expect(setting('User')).not.toBe('root');
    expect(words('CapabilityBoundingSet')).toEqual(['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE']);
    expect(words('AmbientCapabilities')).toEqual(['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE']);
    expect(setting('NoNewPrivileges')).toBe('yes');
  });

  it('offers CAP_NET_ADMIN (firewall ruleset via nft/iptables) only as a commented opt-in', () => {
    const optIn = UNIT.split('\n').filter((l) => /^#\s*(CapabilityBoundingSet|AmbientCapabilities)=.*CAP_NET_ADMIN/.test(l));
    expect(optIn).toHaveLength(2);
    expect(service.some(([, v]) => v.includes('CAP_NET_ADMIN'))).toBe(false);
  });

  it('sandboxes the filesystem and kernel interfaces', () => {
    expect(setting('ProtectSystem')).toBe('strict');
    expect(setting('ProtectHome')).toBe('yes');
    expect(setting('PrivateTmp')).toBe('yes');
    expect(words('RestrictAddressFamilies')).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
    expect(setting('SystemCallFilter')).toBe('@system-service');
    expect(setting('MemoryMax')).toMatch(/^\d+[KMG]$/);
  });

  it('does not set what would break it: hidden /proc, no network, no JIT', () => {
    // ProtectProc=invisible/ptraceable or ProcSubset=pid would hide the processes to attribute;
    // PrivateNetwork would show an empty namespace; MemoryDenyWriteExecute kills V8.
    expect(setting('ProtectProc') ?? 'default').toBe('default');
    expect(setting('ProcSubset') ?? 'all').toBe('all');
    expect(setting('PrivateNetwork') ?? 'no').toBe('no');
    expect(setting('MemoryDenyWriteExecute') ?? 'no').toBe('no');
  });

  (cliBuilt ? it : it.skip)(`the ExecStart arguments are ones \`netstat-otel run\` accepts${cliBuilt ? '' : ` (skipped: ${CLI_MISSING})`}`, () => {
    const help = runCli(['run', '--help']);
    expect(help.status).toBe(0);
    for (const flag of exec.args.filter((w) => w.startsWith('--'))) expect(help.stdout).toContain(flag);
  });
});

const haveVerify = onPath('systemd-analyze');
const verifyIt = haveVerify && cliBuilt ? it : it.skip;
const skipWhy = !haveVerify ? ' (skipped: systemd-analyze not found; install systemd to run it)' : !cliBuilt ? ` (skipped: ${CLI_MISSING})` : '';

describe('systemd-analyze verify', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * verify refuses a unit whose ExecStart binary does not exist, and /usr/bin/netstat-otel only
   * exists once the package is installed. So a temp copy is verified, with ExecStart running this
   * checkout's CLI through this Node (the same options and arguments); every other line is the
   * shipped unit's. Warnings ("Unknown key", "Failed to parse") leave the exit code at 0, so any
   * line that names the unit counts as a failure too.
   */
  function verify(text: string): { status: number | null; problems: string[] } {
    const unit = path.join(dir, 'netstat-otel.service');
    const shipped = unitExecStart(text);
    writeFileSync(unit, text.replace(/^ExecStart=.*$/m, ['ExecStart=' + process.execPath, ...shipped.nodeOptions, CLI, ...shipped.args].join(' ')));
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8', timeout: 60_000 });
    const problems = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.includes('netstat-otel'));
    return { status: run.status, problems };
  }

  verifyIt(`the shipped unit verifies cleanly${skipWhy}`, () => {
    expect(verify(UNIT)).toEqual({ status: 0, problems: [] });
  });

  verifyIt(`a misspelt directive is caught (the check can fail)${skipWhy}`, () => {
    const { problems } = verify(UNIT.replace('ProtectSystem=strict', 'ProtectSytem=strict'));
    expect(problems.join('\n')).toContain("Unknown key 'ProtectSytem'");
  });
});
