/** macOS sampling: the collector, its sources, and the pure parsers (for tests and tools). */
export { collectDarwinSnapshot, collectSnapshotFromDir, type CollectOptions } from './collect.js';
export { DARWIN_COMMANDS, liveDarwinSource, replayDarwinSource, type DarwinSource } from './source.js';
export { parseDarwinNetstat, type DarwinInternetRow, type DarwinNetstat, type DarwinUnixRow } from './netstat-sockets.js';
export { parseDarwinInterfaces, type DarwinInterfaceRow } from './netstat-interfaces.js';
export { parseDarwinRoutes, type DarwinRouteRow } from './netstat-routes.js';
export { parseDarwinTcpStats } from './netstat-tcp-stats.js';
export { parseLsof, type LsofRow } from './lsof.js';
export { parseSysctlPortRange } from './sysctl.js';
export { DARWIN_TCP_STATES, type DarwinTcpState } from './states.js';
