#!/usr/bin/env node
import { Command } from 'commander';
import { UsageError } from './errors.js';
import { registerRecordCommand } from './commands/record.js';
import { registerRunCommand } from './commands/run.js';
import { registerSnapshotCommand } from './commands/snapshot.js';
import { registerWatchCommand } from './commands/watch.js';
import { registerRulesCommands } from './commands/rules.js';
import { rulesConsumer } from './sidecar/rules_consumer.js';

/** Argument parsing only: each command lives in src/commands/ and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('netstat-otel')
    .description('Host network state as OpenTelemetry metrics and alerts')
    .version(process.env['npm_package_version'] ?? '0.1.0')
    .showHelpAfterError();
  // COMMAND REGISTRATIONS (one line per command module)
  registerRunCommand(program, { consumers: [rulesConsumer] });
  registerSnapshotCommand(program);
  registerRecordCommand(program);
  registerWatchCommand(program);
  registerRulesCommands(program);
  return program;
}

function exitWith(err: unknown): never {
  const message = err instanceof UsageError ? err.message : (err as Error)?.stack ?? String(err);
  process.stderr.write(`netstat-otel: ${message}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
}

buildProgram().parseAsync(process.argv).catch(exitWith);
