/**
 * The memory options the sidecar ships with (a 1 MiB young generation, one V8 helper thread,
 * two malloc arenas): the systemd unit, the image and `npm start` must carry the same ones,
 * Node must accept them in NODE_OPTIONS (an option it refuses there stops Node before it
 * starts), and they must take effect.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unitEnvironment } from '../../bench/lib/unit_environment.mjs';
import { repoPath } from './repo.js';

const UNIT = readFileSync(repoPath('deploy/systemd/netstat-otel.service'), 'utf8');
const DOCKERFILE = readFileSync(repoPath('Dockerfile'), 'utf8');
const START = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start']!;

/** `ENV` of the Dockerfile's last stage, KEY=value or KEY="value with spaces". */
function imageEnvironment(): Record<string, string> {
  const lastStage = DOCKERFILE.slice(DOCKERFILE.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of lastStage.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const m of line.slice(4).matchAll(/([A-Za-z_]+)=(?:"([^"]*)"|(\S*))/g)) env[m[1]!] = m[2] ?? m[3]!;
  }
  return env;
}

describe('memory options shipped with the sidecar', () => {
  const unit = unitEnvironment(UNIT);
  const options = unit['NODE_OPTIONS'];

  it('are the same in the systemd unit, the image and npm start', () => {
    expect(options).toBe('--max-semi-space-size=1 --v8-pool-size=1');
    expect(unit['MALLOC_ARENA_MAX']).toBe('2');
    expect(imageEnvironment()).toMatchObject({ NODE_OPTIONS: options, MALLOC_ARENA_MAX: '2' });
    expect(START).toBe(`node ${options} dist/cli.js run`);
  });

  it('are accepted in NODE_OPTIONS and take effect', () => {
    // Allocation with survivors, as a snapshot makes: the young generation grows to its limit.
    const probeArgs = [
      '-e',
      "let a = []; for (let i = 0; i < 3e6; i++) { a.push({ i }); if (a.length > 2e5) a = []; } const s = require('v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space'); process.stdout.write(String(s.space_size))",
    ];
    const probe = spawnSync(process.execPath, probeArgs, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: options, MALLOC_ARENA_MAX: '2' }, timeout: 10_000 });
    expect(probe.stderr).toBe('');
    expect(probe.status).toBe(0);
    // Both semi-spaces together: at most 2 MiB (Node's default lets them reach 32 MiB).
    expect(Number(probe.stdout)).toBeLessThanOrEqual(2 * 1024 * 1024);
    const defaults = spawnSync(process.execPath, probeArgs, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 10_000 });
    expect(Number(defaults.stdout)).toBeGreaterThan(2 * 1024 * 1024);
    const refused = spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-semi-space-size=1 --no-such-option' }, timeout: 10_000 });
    expect(refused.status).not.toBe(0); // the check above could fail
  });
});
