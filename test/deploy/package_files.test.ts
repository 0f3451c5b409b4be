/**
 * What `npm install netstat-otel` gets: the install script builds the addon from binding.gyp,
 * so every source it names must ship, and the CLI, its rules and their docs with it; the fuzz
 * harness, tests and benchmarks stay in the repository.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliBuilt, CLI_MISSING, REPO, repoPath } from './repo.js';

function packedFiles(): string[] {
  // --ignore-scripts: `prepare` would rebuild dist/, which npm test has just done.
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  if (pack.status !== 0) throw new Error(`npm pack --dry-run failed: ${pack.stderr}`);
  const [result] = JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>;
  return result!.files.map((f) => f.path);
}

function addonSources(): string[] {
  const gyp = JSON.parse(readFileSync(repoPath('binding.gyp'), 'utf8')) as { targets: Array<{ conditions: Array<[string, { sources: string[] }]> }> };
  return gyp.targets.flatMap((t) => t.conditions.flatMap(([, settings]) => settings.sources));
}

describe.skipIf(!cliBuilt)(`the npm package${cliBuilt ? '' : ` (skipped: ${CLI_MISSING})`}`, () => {
  const files = packedFiles();

  it('ships every source binding.gyp compiles, with its headers', () => {
    const sources = addonSources();
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) expect(files).toContain(source);
    expect(files.filter((f) => f.startsWith('native/') && f.endsWith('.h')).length).toBeGreaterThan(0);
  });

  it('ships the CLI and the rules it loads by default', () => {
    expect(files).toContain('dist/cli.js');
    expect(files.some((f) => f.startsWith('rules/') && f.endsWith('.json'))).toBe(true);
  });

  it('leaves the fuzz harness, tests and benchmarks out', () => {
    expect(files.filter((f) => /^(native\/fuzz|test|bench|fixtures)\//.test(f))).toEqual([]);
  });
});
