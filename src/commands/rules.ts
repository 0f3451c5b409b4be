/**
 * `netstat-otel rules check PATH...` and `netstat-otel rules test FILE...`.
 * The lead's cli.ts calls registerRulesCommands(program). The work is in rulesCheck/rulesTest,
 * which return an exit code instead of exiting, so tests and other callers can use them.
 */
import type { Command } from 'commander';
import { formatIssue } from '../errors.js';
import { RulesStore } from '../rules/loader.js';
import { runTestFile, type TestOutput } from '../rules/unittest.js';

const defaultOutput = (): TestOutput => ({ stdout: process.stdout, stderr: process.stderr });

/** Validates rules files and directories together (rule names must be unique across all of them). */
export async function rulesCheck(paths: readonly string[], out: TestOutput = defaultOutput()): Promise<number> {
  const store = new RulesStore(paths);
  store.refresh();
  const issues = store.issues();
  for (const issue of issues) out.stderr.write(`${formatIssue(issue)}\n`);
  if (issues.length) return 1;
  const { rules } = store.compiled;
  const files = store.loadedFiles();
  out.stdout.write(`ok: ${rules.length} rule${rules.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
  return 0;
}

/** Runs rule unit-test files; 0 when every test passes. */
export async function rulesTest(files: readonly string[], out: TestOutput = defaultOutput()): Promise<number> {
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const r = await runTestFile(file, out);
    passed += r.passed;
    failed += r.failed;
  }
  out.stdout.write(`${failed ? 'FAILED' : 'PASSED'}: ${passed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description('validate and unit-test alert rules');
  rules
    .command('check')
    .description('validate rules files or directories of *.json; prints FILE:LINE: reason for each problem')
    .argument('<path...>', 'rules file or directory')
    .action(async (paths: string[]) => {
      process.exitCode = await rulesCheck(paths);
    });
  rules
    .command('test')
    .description('run rule unit tests (inputs over time -> expected firing alerts)')
    .argument('<file...>', 'test file (JSON)')
    .action(async (files: string[]) => {
      process.exitCode = await rulesTest(files);
    });
}
