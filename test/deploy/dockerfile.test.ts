/**
 * The Dockerfile, without a Docker engine: no hadolint is packaged for npm or Debian bookworm,
 * so it is linted only when a `hadolint` happens to be on the PATH. Otherwise these tests parse
 * the Dockerfile and check what the image relies on: its stages, production-only dependencies,
 * the non-root USER, ENTRYPOINT/CMD (against the CLI), and that every COPY source exists in the
 * repo and is not excluded by .dockerignore.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unitExecStart } from '../../bench/lib/unit_launch.mjs';
import { CLI_MISSING, cliBuilt, onPath, repoPath, runCli } from './repo.js';

interface Instruction {
  line: number;
  keyword: string;
  /** Text after the keyword, continuation lines joined. */
  args: string;
  /** Index of the stage (FROM) this instruction belongs to; -1 before the first FROM. */
  stage: number;
}

/** Dockerfile instructions with `\` continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let stage = -1;
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!;
    if (/^\s*#/.test(logical) || logical.trim() === '') continue;
    // Bounded by the file's length: each continuation consumes one more line.
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (/^\s*#/.test(next)) continue; // comments inside a continued instruction are dropped
      logical = logical.replace(/\\\s*$/, ' ') + next.trim();
    }
    const match = /^\s*(\w+)\s*(.*)$/s.exec(logical);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    if (keyword === 'FROM') stage++;
    out.push({ line: start + 1, keyword, args: match[2]!.trim(), stage });
  }
  return out;
}

/** Exec form (`["a", "b"]`) as an array; null for shell form. */
function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : null;
}

/** `--flag=value` options of COPY, and its sources and destination. */
function copyParts(args: string): { from: string | null; sources: string[]; dest: string } {
  const tokens = args.split(/\s+/);
  let from: string | null = null;
  while (tokens[0]?.startsWith('--')) {
    const flag = tokens.shift()!;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
  }
  const dest = tokens.pop()!;
  return { from, sources: tokens, dest };
}

/** .dockerignore patterns: Go filepath.Match per path segment, plus "a directory excludes its contents". */
function ignoredBy(patterns: readonly string[], relative: string): boolean {
  const toRegex = (p: string): RegExp =>
    new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '.*')}(/.*)?$`);
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    if (toRegex(pattern).test(relative)) ignored = !negated;
  }
  return ignored;
}

const DOCKERFILE = readFileSync(repoPath('Dockerfile'), 'utf8');
const instructions = parseDockerfile(DOCKERFILE);
const stages = instructions.filter((i) => i.keyword === 'FROM');
const finalStage = stages.length - 1;
const inStage = (stage: number, keyword: string): Instruction[] => instructions.filter((i) => i.stage === stage && i.keyword === keyword);
const stageIndex = (name: string): number => stages.findIndex((s) => s.args.split(/\s+/).at(-1) === name);
const argDefaults = new Map(
  instructions.filter((i) => i.keyword === 'ARG' && i.args.includes('=')).map((i) => [i.args.split('=')[0]!, i.args.split('=').slice(1).join('=')]),
);
const resolveArgs = (text: string): string => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => argDefaults.get((a ?? b)!) ?? '');
const dockerignore = existsSync(repoPath('.dockerignore'))
  ? readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  : [];

describe('Dockerfile structure', () => {
  it('parses into named stages, all FROM node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      expect(resolveArgs(s.args), `line ${s.line}`).toMatch(/^node:20-bookworm-slim AS \w+$/i);
    }
  });

  it('builds with `npm ci` and `npm run build` in an earlier stage than the runtime', () => {
    const build = instructions.filter((i) => i.stage < finalStage && i.keyword === 'RUN').map((i) => i.args).join('\n');
    expect(build).toMatch(/\bnpm ci\b/);
    expect(build).toMatch(/\bnpm run build\b/);
  });

  it('the runtime stage has production dependencies only', () => {
    // Its node_modules come from a stage whose only install is `npm ci --omit=dev`.
    const copies = inStage(finalStage, 'COPY').map((i) => copyParts(i.args));
    const modules = copies.find((c) => c.sources.some((s) => /node_modules\/?$/.test(s)));
    expect(modules?.from, 'node_modules copied from another stage').toBeTruthy();
    const installs = inStage(stageIndex(modules!.from!), 'RUN').filter((i) => /\bnpm (ci|install)\b/.test(i.args));
    expect(installs.length).toBe(1);
    expect(installs[0]!.args).toMatch(/--omit=dev/);
    // Nothing in the runtime stage installs packages (npm or apt: iproute2 is not needed).
    for (const run of inStage(finalStage, 'RUN')) expect(run.args).not.toMatch(/\bnpm (ci|install)\b|apt-get install|iproute2/);
  });

  it('runs as a fixed non-root uid by default', () => {
    const users = inStage(finalStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
  });

  it('ENTRYPOINT is node running the package bin with the unit\'s Node options; CMD reads the host mounts', () => {
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { bin: Record<string, string> };
    const entrypoint = execForm(inStage(finalStage, 'ENTRYPOINT').at(-1)!.args);
    const { nodeOptions } = unitExecStart(readFileSync(repoPath('deploy/systemd/netstat-otel.service'), 'utf8'));
    expect(nodeOptions.length).toBeGreaterThan(0);
    expect(entrypoint).toEqual(['node', ...nodeOptions, `/opt/netstat-otel/${pkg.bin['netstat-otel']}`]);
    expect(Object.keys(pkg.bin)).toContain('netstat-otel');
    // The bin is linked onto the PATH to the built file the package names.
    const link = inStage(finalStage, 'RUN').map((i) => i.args).join('\n');
    expect(link).toContain(`ln -s /opt/netstat-otel/${pkg.bin['netstat-otel']} /usr/local/bin/netstat-otel`);
    expect(inStage(finalStage, 'WORKDIR').at(-1)?.args).toBe('/opt/netstat-otel');
    expect(execForm(inStage(finalStage, 'CMD').at(-1)!.args)).toEqual(['run', '--procfs', '/host/proc', '--sysfs', '/host/sys']);
  });

  it('the shipped rules sit beside dist/, where the default --rules looks for them', () => {
    const copies = inStage(finalStage, 'COPY').map((i) => copyParts(i.args));
    expect(copies.find((c) => c.sources.includes('rules'))?.dest).toBe('./rules');
    expect(copies.find((c) => c.sources.some((s) => s.endsWith('/dist')))?.dest).toBe('./dist');
  });

  it('every COPY source exists in the repo and is not excluded by .dockerignore; every --from names an earlier stage', () => {
    let checked = 0;
    for (const copy of instructions.filter((i) => i.keyword === 'COPY')) {
      const { from, sources } = copyParts(copy.args);
      if (from !== null) {
        const index = stageIndex(from);
        expect(index, `line ${copy.line}: --from=${from}`).toBeGreaterThanOrEqual(0);
        expect(index, `line ${copy.line}: --from=${from} is a later stage`).toBeLessThan(copy.stage);
        continue;
      }
      for (const source of sources) {
        const relative = source.replace(/^\.\//, '').replace(/\/$/, '');
        expect(existsSync(repoPath(relative)), `line ${copy.line}: ${source} does not exist`).toBe(true);
        expect(ignoredBy(dockerignore, relative), `line ${copy.line}: ${source} is excluded by .dockerignore`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('.dockerignore keeps local state out of the context (and the matcher above works)', () => {
    for (const p of ['node_modules', 'dist', '.git']) expect(ignoredBy(dockerignore, p), p).toBe(true);
    expect(ignoredBy(dockerignore, 'node_modules/x/y.js')).toBe(true);
    expect(ignoredBy(['*.log', '!keep.log'], 'keep.log')).toBe(false);
    expect(ignoredBy(['*.log'], 'a.log')).toBe(true);
  });

  (cliBuilt ? it : it.skip)(`the CMD arguments are ones \`netstat-otel run\` accepts${cliBuilt ? '' : ` (skipped: ${CLI_MISSING})`}`, () => {
    const help = runCli(['run', '--help']);
    expect(help.status).toBe(0);
    const cmd = execForm(inStage(finalStage, 'CMD').at(-1)!.args)!;
    expect(cmd[0]).toBe('run');
    for (const flag of cmd.filter((w) => w.startsWith('--'))) expect(help.stdout).toContain(flag);
  });
});

const haveHadolint = onPath('hadolint');
describe('hadolint', () => {
  (haveHadolint ? it : it.skip)(
    `lints the Dockerfile${haveHadolint ? '' : ' (skipped: hadolint not on the PATH; no npm or Debian bookworm package provides it, so the structural checks above stand in)'}`,
    () => {
      const run = spawnSync('hadolint', [repoPath('Dockerfile')], { encoding: 'utf8', timeout: 60_000 });
      expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
      expect(run.status).toBe(0);
    },
  );
});
