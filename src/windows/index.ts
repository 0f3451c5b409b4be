/** Windows sampling: the collector, its sources, and the pure parsers (for tests and tools). */
export { collectSnapshotFromDir, collectWindowsSnapshot, type CollectOptions, type WindowsSnapshot } from './collect.js';
export {
  liveWindowsSource,
  replayWindowsSource,
  POWERSHELL_REPLAY_FILE,
  WINDOWS_COMMANDS,
  type LiveWindowsOptions,
  type ReplayWindowsOptions,
  type WindowsSource,
} from './source.js';
export {
  PowerShellSession,
  PowerShellRequestError,
  PowerShellUnavailableError,
  POWERSHELL_ARGS,
  POWERSHELL_COMMAND,
  type PowerShellSessionOptions,
  type PowerShellSessionStats,
} from './powershell-session.js';
export { SAMPLE_SCRIPT, bootstrapLine, requestLine, RESPONSE_MARKER } from './powershell-script.js';
export { parsePowerShellSample, type FirewallFingerprint, type PowerShellSample } from './powershell-sample.js';
export { parseNetstatConnections, type NetstatConnection } from './netstat-connections.js';
export { parseNetstatEthernet, type NetstatEthernetStats } from './netstat-ethernet.js';
export { parseNetstatStatistics, type StatisticsBlock } from './netstat-statistics.js';
export { parseRoutePrint, type RoutePrint, type RoutePrintRoute } from './route-print.js';
export { parseTasklistCsv } from './tasklist.js';
export { parseNetshDynamicPort } from './netsh-dynamicport.js';
export { NETSTAT_STATES, MSFT_TCP_STATE_NUMBERS, otelState, type WindowsTcpState } from './states.js';
