/**
 * Parser for the JSON document `Invoke-NetstatOtelSample` writes (./powershell-script.ts).
 *
 * Tolerant the way public parsers of ConvertTo-Json output have to be: a one-row result may be
 * an object instead of an array, State may be a number or an enum name, OwningProcess may be
 * missing (Windows Server 2012 R2). A row that does not fit is skipped with an issue naming
 * its JSON path; the rest of the part is kept. JSON has no useful line numbers (the live answer
 * is one line), so issues carry `line: null` and the path in the reason.
 */
import type { ParseIssue, ParseResult } from '../errors.js';
import type { IpFamily } from '../snapshot/types.js';
import { stateFromPowerShell, type WindowsTcpState } from './states.js';

export interface PsTcpConnection {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: WindowsTcpState;
  owningProcess: number | null;
}

export interface PsUdpEndpoint {
  localAddress: string;
  localPort: number;
  owningProcess: number | null;
}

export interface PsProcess {
  id: number;
  processName: string;
}

export interface PsAdapterStatistics {
  name: string;
  receivedBytes: number;
  receivedUnicastPackets: number;
  receivedMulticastPackets: number;
  receivedBroadcastPackets: number;
  receivedDiscardedPackets: number;
  receivedPacketErrors: number;
  sentBytes: number;
  sentUnicastPackets: number;
  sentMulticastPackets: number;
  sentBroadcastPackets: number;
  outboundDiscardedPackets: number;
  outboundPacketErrors: number;
}

export interface PsRoute {
  family: IpFamily;
  destinationPrefix: string;
  nextHop: string;
  interfaceAlias: string | null;
  interfaceIndex: number | null;
  routeMetric: number | null;
  interfaceMetric: number | null;
}

/** One Win32_PerfRawData_Tcpip_* instance: its class and its numeric properties. */
export interface PsCounterSet {
  className: string;
  values: Record<string, number>;
}

/** A fingerprint of the Windows Firewall configuration; `sha256` moves when any rule or profile changes. */
export interface FirewallFingerprint {
  ruleCount: number;
  enabledRuleCount: number;
  profiles: string[];
  sha256: string;
}

export interface PowerShellSample {
  version: number | null;
  id: string | null;
  timestamp: string | null;
  tcp: PsTcpConnection[] | null;
  udp: PsUdpEndpoint[] | null;
  processes: PsProcess[] | null;
  adapters: PsAdapterStatistics[] | null;
  routes: PsRoute[] | null;
  tcpStatistics: PsCounterSet[] | null;
  udpStatistics: PsCounterSet[] | null;
  dynamicPortRange: { startPort: number; numberOfPorts: number } | null;
  firewall: FirewallFingerprint | null;
  /** Parts the script could not produce, with PowerShell's message. */
  errors: Array<{ part: string; message: string }>;
}

export function emptyPowerShellSample(): PowerShellSample {
  return {
    version: null,
    id: null,
    timestamp: null,
    tcp: null,
    udp: null,
    processes: null,
    adapters: null,
    routes: null,
    tcpStatistics: null,
    udpStatistics: null,
    dynamicPortRange: null,
    firewall: null,
    errors: [],
  };
}

type Json = Record<string, unknown>;

/** Reads one row, or returns why not. */
type RowReader<T> = (row: Json) => T | string;

export function parsePowerShellSample(text: string, file: string): ParseResult<PowerShellSample> {
  const issues: ParseIssue[] = [];
  const sample = emptyPowerShellSample();
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    issues.push({ file, line: null, reason: `not JSON: ${(err as Error).message}` });
    return { value: sample, issues };
  }
  if (!isObject(doc)) {
    issues.push({ file, line: null, reason: 'expected a JSON object' });
    return { value: sample, issues };
  }

  sample.version = typeof doc.version === 'number' ? doc.version : null;
  if (sample.version !== 1) issues.push({ file, line: null, reason: `unknown document version ${JSON.stringify(doc.version)}` });
  sample.id = typeof doc.id === 'string' ? doc.id : null;
  sample.timestamp = typeof doc.timestamp === 'string' ? doc.timestamp : null;

  const part = <T>(key: string, read: RowReader<T>): T[] | null => readRows(doc as Json, key, read, file, issues);
  sample.tcp = part('tcp', readTcp);
  sample.udp = part('udp', readUdp);
  sample.processes = part('processes', readProcess);
  sample.adapters = part('adapters', readAdapter);
  sample.routes = part('routes', readRoute);
  sample.tcpStatistics = part('tcpStatistics', readCounterSet);
  sample.udpStatistics = part('udpStatistics', readCounterSet);
  sample.dynamicPortRange = readSingle(doc, 'dynamicPortRange', readPortRange, file, issues);
  sample.firewall = readSingle(doc, 'firewall', readFirewall, file, issues);
  sample.errors = part('errors', readPartError) ?? [];
  return { value: sample, issues };
}

function readRows<T>(doc: Json, key: string, read: RowReader<T>, file: string, issues: ParseIssue[]): T[] | null {
  const value = doc[key];
  if (value === undefined || value === null) return null;
  // ConvertTo-Json writes a one-element result as a bare object.
  const rows = Array.isArray(value) ? value : [value];
  const out: T[] = [];
  rows.forEach((row, index) => {
    const result = isObject(row) ? read(row) : 'expected an object';
    if (typeof result === 'string') issues.push({ file, line: null, reason: `${key}[${index}]: ${result}` });
    else out.push(result);
  });
  return out;
}

function readSingle<T>(doc: Json, key: string, read: RowReader<T>, file: string, issues: ParseIssue[]): T | null {
  const value = doc[key];
  if (value === undefined || value === null) return null;
  const result = isObject(value) ? read(value) : 'expected an object';
  if (typeof result === 'string') {
    issues.push({ file, line: null, reason: `${key}: ${result}` });
    return null;
  }
  return result;
}

const readTcp: RowReader<PsTcpConnection> = (row) => {
  const state = stateFromPowerShell(row.State);
  if (state === null) return `unknown State ${JSON.stringify(row.State)}`;
  const localAddress = text(row.LocalAddress);
  const remoteAddress = text(row.RemoteAddress);
  const localPort = port(row.LocalPort);
  const remotePort = port(row.RemotePort);
  if (localAddress === null || remoteAddress === null) return 'missing LocalAddress or RemoteAddress';
  if (localPort === null || remotePort === null) return 'bad LocalPort or RemotePort';
  return { localAddress, localPort, remoteAddress, remotePort, state, owningProcess: count(row.OwningProcess) };
};

const readUdp: RowReader<PsUdpEndpoint> = (row) => {
  const localAddress = text(row.LocalAddress);
  const localPort = port(row.LocalPort);
  if (localAddress === null || localPort === null) return 'bad LocalAddress or LocalPort';
  return { localAddress, localPort, owningProcess: count(row.OwningProcess) };
};

const readProcess: RowReader<PsProcess> = (row) => {
  const id = count(row.Id);
  const processName = text(row.ProcessName);
  if (id === null || processName === null) return 'bad Id or ProcessName';
  return { id, processName };
};

const ADAPTER_COUNTERS = [
  'ReceivedBytes',
  'ReceivedUnicastPackets',
  'ReceivedMulticastPackets',
  'ReceivedBroadcastPackets',
  'ReceivedDiscardedPackets',
  'ReceivedPacketErrors',
  'SentBytes',
  'SentUnicastPackets',
  'SentMulticastPackets',
  'SentBroadcastPackets',
  'OutboundDiscardedPackets',
  'OutboundPacketErrors',
] as const;

const readAdapter: RowReader<PsAdapterStatistics> = (row) => {
  const name = text(row.Name);
  if (name === null) return 'missing Name';
  const values: number[] = [];
  for (const key of ADAPTER_COUNTERS) {
    const n = count(row[key]);
    if (n === null) return `bad ${key} ${JSON.stringify(row[key])}`;
    values.push(n);
  }
  const [rb, ru, rm, rbc, rd, re, sb, su, sm, sbc, od, oe] = values as [
    number, number, number, number, number, number, number, number, number, number, number, number,
  ];
  return {
    name,
    receivedBytes: rb,
    receivedUnicastPackets: ru,
    receivedMulticastPackets: rm,
    receivedBroadcastPackets: rbc,
    receivedDiscardedPackets: rd,
    receivedPacketErrors: re,
    sentBytes: sb,
    sentUnicastPackets: su,
    sentMulticastPackets: sm,
    sentBroadcastPackets: sbc,
    outboundDiscardedPackets: od,
    outboundPacketErrors: oe,
  };
};

const readRoute: RowReader<PsRoute> = (row) => {
  const destinationPrefix = text(row.DestinationPrefix);
  const nextHop = text(row.NextHop);
  if (destinationPrefix === null || !destinationPrefix.includes('/')) return 'bad DestinationPrefix';
  if (nextHop === null) return 'missing NextHop';
  // AddressFamily is cast to its name by the script; 2/23 are the AF_INET/AF_INET6 numbers.
  const af = row.AddressFamily;
  const family: IpFamily =
    af === 'IPv6' || af === 23 ? 'inet6' : af === 'IPv4' || af === 2 ? 'inet' : destinationPrefix.includes(':') ? 'inet6' : 'inet';
  return {
    family,
    destinationPrefix,
    nextHop,
    interfaceAlias: text(row.InterfaceAlias),
    interfaceIndex: count(row.InterfaceIndex),
    routeMetric: count(row.RouteMetric),
    interfaceMetric: count(row.InterfaceMetric),
  };
};

const readCounterSet: RowReader<PsCounterSet> = (row) => {
  const className = text(row.Class);
  if (className === null) return 'missing Class';
  const values: Record<string, number> = {};
  for (const [key, v] of Object.entries(row)) {
    const n = count(v);
    if (n !== null) values[key] = n;
  }
  return { className, values };
};

const readPortRange: RowReader<{ startPort: number; numberOfPorts: number }> = (row) => {
  const startPort = port(row.StartPort);
  const numberOfPorts = count(row.NumberOfPorts);
  if (startPort === null || numberOfPorts === null || numberOfPorts === 0) return 'bad StartPort or NumberOfPorts';
  return { startPort, numberOfPorts };
};

const readFirewall: RowReader<FirewallFingerprint> = (row) => {
  const ruleCount = count(row.RuleCount);
  const enabledRuleCount = count(row.EnabledRuleCount);
  const sha256 = text(row.Sha256);
  if (ruleCount === null || enabledRuleCount === null || sha256 === null || !/^[0-9a-f]{64}$/.test(sha256)) {
    return 'bad RuleCount, EnabledRuleCount or Sha256';
  }
  const profilesRaw = row.Profiles;
  const profiles = (Array.isArray(profilesRaw) ? profilesRaw : profilesRaw === undefined || profilesRaw === null ? [] : [profilesRaw])
    .filter((p): p is string => typeof p === 'string');
  return { ruleCount, enabledRuleCount, profiles, sha256 };
};

const readPartError: RowReader<{ part: string; message: string }> = (row) => {
  const part = text(row.part);
  if (part === null) return 'missing part';
  return { part, message: typeof row.message === 'string' ? row.message : '' };
};

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

function port(v: unknown): number | null {
  const n = count(v);
  return n !== null && n <= 65535 ? n : null;
}
