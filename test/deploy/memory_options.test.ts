/**
 * The memory options the sidecar ships with (a 1 MiB young generation, one V8 helper thread,
 * V8's optimize-for-size heuristics, two malloc arenas): the systemd unit, the image and
 * `npm start` must carry the same ones, Node must accept them on its command line (an option it
 * refuses stops Node before it starts), and they must take effect.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unitEnvironment, unitExecStart } from '../../bench/lib/unit_launch.mjs';
import { repoPath } from './repo.js';

const UNIT = readFileSync(repoPath('deploy/systemd/netstat-otel.service'), 'utf8');
const DOCKERFILE = readFileSync(repoPath('Dockerfile'), 'utf8');
const START = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start']!;

/** `ENV` of the Dockerfile's last stage, KEY=value or KEY="value with spaces" (its ENTRYPOINT: dockerfile.test.ts). */
function imageEnvironment(): Record<string, string> {
  const lastStage = DOCKERFILE.slice(DOCKERFILE.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of lastStage.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const m of line.slice(4).matchAll(/([A-Za-z_]+)=(?:"([^"]*)"|(\S*))/g)) env[m[1]!] = m[2] ?? m[3]!;
  }
  return env;
}

/** Allocation with survivors, as a snapshot makes; prints the young generation's size and V8's flag. */
const PROBE = [
  '-e',
  "let a = []; for (let i = 0; i < 3e6; i++) { a.push({ i }); if (a.length > 2e5) a = []; } const s = require('v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space'); process.stdout.write(String(s.space_size))",
];

function probe(nodeOptions: readonly string[]) {
  return spawnSync(process.execPath, [...nodeOptions, ...PROBE], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', MALLOC_ARENA_MAX: '2' }, timeout: 10_000 });
}

describe('memory options shipped with the sidecar', () => {
  const { nodeOptions } = unitExecStart(UNIT);

  // The image's ENTRYPOINT carries the same Node options: checked in dockerfile.test.ts.
  it('are the same in the systemd unit, the image and npm start', () => {
    expect(nodeOptions).toEqual(['--max-semi-space-size=1', '--v8-pool-size=1', '--optimize-for-size']);
    expect(unitEnvironment(UNIT)).toEqual({ MALLOC_ARENA_MAX: '2' });
    const env = imageEnvironment();
    expect(env).toMatchObject({ MALLOC_ARENA_MAX: '2' });
    expect(env['NODE_OPTIONS']).toBeUndefined();
    expect(START).toBe(`node ${nodeOptions.join(' ')} dist/cli.js run`);
  });

  it('are accepted on node\'s command line and take effect', () => {
    const shipped = probe(nodeOptions);
    expect(shipped.stderr).toBe('');
    expect(shipped.status).toBe(0);
    // Both semi-spaces together: at most 2 MiB (Node's default lets them reach 32 MiB).
    expect(Number(shipped.stdout)).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(Number(probe([]).stdout)).toBeGreaterThan(2 * 1024 * 1024);
    const refused = probe(['--max-semi-space-size=1', '--no-such-option']);
    expect(refused.status).not.toBe(0); // the check above could fail
  });

  it('--optimize-for-size is refused in NODE_OPTIONS, which is why the launchers pass options to node itself', () => {
    const inEnv = spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--optimize-for-size' }, timeout: 10_000 });
    expect(inEnv.status).not.toBe(0);
    expect(inEnv.stderr).toContain('not allowed in NODE_OPTIONS');
  });
});
