/**
 * The Windows collector: one Snapshot from a WindowsSource.
 *
 * First the PowerShell answer (one request to the long-lived child). Then every part is built
 * side by side: from that answer where it has the part, otherwise from the fallback commands
 * (`netstat -ano`, `netstat -e`, `route print`, `netstat -s -p tcp`, plus `tasklist` for
 * process names and `netsh` for the port range). So a host without PowerShell, or a cmdlet
 * that failed (NetAdapter module missing, access denied), still gets that part filled.
 */
import type { Counters, InterfaceStats, Route, SampleError, Snapshot, SocketRecord } from '../snapshot/types.js';
import {
  assembleSnapshot,
  optional,
  partSources,
  runParts,
  settlePart,
  timed,
  type CollectOptions,
  type CommandPart,
  type PartResult,
} from '../platform/parts.js';
import type { ParseResult } from '../errors.js';
import { appendAll, issuesToErrors } from '../samplers/sampler.js';
import { parseNetshDynamicPort } from './netsh-dynamicport.js';
import { parseNetstatConnections } from './netstat-connections.js';
import { parseNetstatEthernet } from './netstat-ethernet.js';
import { parseNetstatStatistics } from './netstat-statistics.js';
import { parsePowerShellSample, type FirewallFingerprint, type PowerShellSample } from './powershell-sample.js';
import { parseRoutePrint } from './route-print.js';
import { replayWindowsSource, WINDOWS_COMMANDS, type WindowsSource } from './source.js';
import { parseTasklistCsv } from './tasklist.js';
import {
  countersFromNetstat,
  countersFromPowerShell,
  interfacesFromEthernet,
  interfacesFromPowerShell,
  processName,
  routesFromPowerShell,
  routesFromRoutePrint,
  socketsFromNetstat,
  socketsFromPowerShell,
  type ProcessNames,
} from './to-snapshot.js';

/**
 * A Snapshot plus the Windows Firewall fingerprint behind the `firewall.rulesetChanged` fact.
 * (DESIGN.md names the fact but the Snapshot type has no key for it yet; see the README note.)
 */
export interface WindowsSnapshot extends Snapshot {
  platform: 'windows';
  firewall: FirewallFingerprint | null;
}

export type { CollectOptions } from '../platform/parts.js';

const SOURCE = { powershell: 'windows.powershell', ...partSources('windows') } as const;

export async function collectWindowsSnapshot(source: WindowsSource, options: CollectOptions = {}): Promise<WindowsSnapshot> {
  const at = (options.now ?? (() => new Date()))();

  // First, alone: every other part reads the PowerShell answer, or falls back when it has none.
  const [psSettled] = await Promise.allSettled([timed(() => loadPowerShell(source))]);
  const ps = settlePart(SOURCE.powershell, psSettled);
  const sample = ps.value;

  const parts = await runParts('windows', {
    sockets: () => socketsPart(source, sample),
    interfaces: () => interfacesPart(source, sample),
    routes: () => routesPart(source, sample),
    counters: () => countersPart(source, sample),
    portRange: () => portRangePart(source, sample),
  });
  // The PowerShell status only when PowerShell was asked (not for a host or replay without it).
  const psAsked = ps.value !== null || !ps.status.ok;
  const snapshot = assembleSnapshot({
    platform: 'windows',
    at,
    sockets: parts.sockets.value ?? [],
    unix: null,
    interfaces: parts.interfaces.value ?? [],
    routes: parts.routes.value ?? [],
    counters: parts.counters.value,
    localPortRange: parts.portRange.value ?? null,
    outcomes: psAsked ? [ps, ...Object.values(parts)] : Object.values(parts),
  });
  return { ...snapshot, platform: 'windows', firewall: sample?.firewall ?? null };
}

/** Replays a directory of recorded outputs (see fixtures/windows/README.md for the file names). */
export function collectSnapshotFromDir(dir: string): Promise<Snapshot> {
  return collectWindowsSnapshot(replayWindowsSource(dir));
}

async function loadPowerShell(source: WindowsSource): Promise<PartResult<PowerShellSample | null>> {
  const answer = await source.powershell();
  if (answer === null) return { value: null, errors: [] };
  const parsed = parsePowerShellSample(answer.text, answer.label);
  // Not our document at all (not JSON, no version): the answer failed; every part falls back.
  if (parsed.value.version === null) {
    const reason = parsed.issues.map((i) => i.reason).join('; ') || 'no document version';
    throw Object.assign(new Error(`unusable PowerShell answer: ${reason}`), { file: answer.label });
  }
  const errors = issuesToErrors(SOURCE.powershell, parsed.issues);
  for (const e of parsed.value.errors) {
    errors.push({ source: SOURCE.powershell, file: answer.label, line: null, message: `${e.part}: ${e.message}` });
  }
  return { value: parsed.value, errors };
}

async function socketsPart(source: WindowsSource, sample: PowerShellSample | null): Promise<PartResult<SocketRecord[]>> {
  const errors: SampleError[] = [];
  if (sample !== null && sample.tcp !== null && sample.udp !== null) {
    const names =
      sample.processes !== null
        ? new Map(sample.processes.map((p) => [p.id, p.processName]))
        : await tasklistNames(source, errors);
    return { value: socketsFromPowerShell(sample.tcp, sample.udp, names), errors };
  }
  const [connections, names] = await Promise.all([
    source.run(WINDOWS_COMMANDS.connections),
    tasklistNames(source, errors),
  ]);
  const parsed = parseNetstatConnections(connections.text, connections.label);
  appendAll(errors, issuesToErrors(SOURCE.sockets, parsed.issues));
  return { value: socketsFromNetstat(parsed.value, names), errors };
}

/** pid → name from tasklist; empty (and an error unless tasklist is simply absent) when that fails. */
async function tasklistNames(source: WindowsSource, errors: SampleError[]): Promise<ProcessNames> {
  const out = await optional(SOURCE.sockets, errors, () => source.run(WINDOWS_COMMANDS.processes));
  if (out === null) return new Map();
  const parsed = parseTasklistCsv(out.text, out.label);
  appendAll(errors, issuesToErrors(SOURCE.sockets, parsed.issues));
  return new Map(parsed.value.map((e) => [e.pid, processName(e.image)]));
}

async function interfacesPart(
  source: WindowsSource,
  sample: PowerShellSample | null,
): Promise<PartResult<InterfaceStats[]>> {
  if (sample !== null && sample.adapters !== null) return { value: interfacesFromPowerShell(sample.adapters), errors: [] };
  return fromCommand(source, 'interfaces', WINDOWS_COMMANDS.ethernet, parseNetstatEthernet, interfacesFromEthernet);
}

async function routesPart(source: WindowsSource, sample: PowerShellSample | null): Promise<PartResult<Route[]>> {
  if (sample !== null && sample.routes !== null) return { value: routesFromPowerShell(sample.routes), errors: [] };
  return fromCommand(source, 'routes', WINDOWS_COMMANDS.routes, parseRoutePrint, routesFromRoutePrint);
}

async function countersPart(
  source: WindowsSource,
  sample: PowerShellSample | null,
): Promise<PartResult<Partial<Counters>>> {
  if (sample !== null && sample.tcpStatistics !== null) {
    return { value: countersFromPowerShell(sample.tcpStatistics, sample.udpStatistics), errors: [] };
  }
  return fromCommand(source, 'counters', WINDOWS_COMMANDS.tcpStatistics, parseNetstatStatistics, countersFromNetstat);
}

async function portRangePart(
  source: WindowsSource,
  sample: PowerShellSample | null,
): Promise<PartResult<[number, number] | null>> {
  const range = sample === null ? null : sample.dynamicPortRange;
  if (range !== null) return { value: [range.startPort, range.startPort + range.numberOfPorts - 1], errors: [] };
  const errors: SampleError[] = [];
  const out = await optional(SOURCE.portRange, errors, () => source.run(WINDOWS_COMMANDS.portRange));
  if (out === null) return { value: null, errors };
  const parsed = parseNetshDynamicPort(out.text, out.label);
  return { value: parsed.value, errors: [...errors, ...issuesToErrors(SOURCE.portRange, parsed.issues)] };
}

/** A part from its fallback command: run (or replay) it, parse, convert, keep the parser's issues. */
async function fromCommand<R, T>(
  source: WindowsSource,
  part: CommandPart,
  argv: readonly string[],
  parse: (text: string, file: string) => ParseResult<R>,
  convert: (records: R) => T,
): Promise<PartResult<T>> {
  const out = await source.run(argv);
  const parsed = parse(out.text, out.label);
  return { value: convert(parsed.value), errors: issuesToErrors(SOURCE[part], parsed.issues) };
}
