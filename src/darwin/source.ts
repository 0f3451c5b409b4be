/**
 * Where the macOS collector gets its text: live (spawned commands) or replay (a directory of
 * recorded outputs named after the commands, see commandFileName), so
 * `snapshot --platform darwin --from DIR` runs on Linux CI.
 */
import { execCommandRunner, replayCommandRunner, type CommandRunner } from '../platform/command.js';

/**
 * Commands per part. Where a part lists several, the first that works is used: `-W` keeps
 * netstat from cutting long addresses but is refused by some netstat builds, and a replay
 * directory may hold a recording made without it.
 */
export const DARWIN_COMMANDS = {
  tcp: [
    ['netstat', '-anvW', '-p', 'tcp'],
    ['netstat', '-anv', '-p', 'tcp'],
  ],
  udp: [
    ['netstat', '-anvW', '-p', 'udp'],
    ['netstat', '-anv', '-p', 'udp'],
  ],
  unix: [['netstat', '-an', '-f', 'unix']],
  interfaces: [
    ['netstat', '-ibdn'],
    ['netstat', '-ibn'],
  ],
  routes: [['netstat', '-rn']],
  tcpStatistics: [['netstat', '-s', '-p', 'tcp']],
  // TCP listeners and all UDP sockets (lsof ORs its -i selections; -s filters TCP only), so
  // UDP listeners get names too; `+c 0`: command names as long as the kernel keeps them.
  names: [['lsof', '-nP', '-iTCP', '-sTCP:LISTEN', '-iUDP', '+c', '0']],
  portRange: [['sysctl', 'net.inet.ip.portrange.first', 'net.inet.ip.portrange.last']],
} as const satisfies Record<string, readonly (readonly string[])[]>;

export interface DarwinSource {
  readonly kind: 'live' | 'replay';
  run: CommandRunner;
  close(): Promise<void>;
}

export function liveDarwinSource(runner: CommandRunner = execCommandRunner({ timeoutMs: 20_000 })): DarwinSource {
  return { kind: 'live', run: runner, close: async () => undefined };
}

export function replayDarwinSource(dir: string): DarwinSource {
  return { kind: 'replay', run: replayCommandRunner(dir), close: async () => undefined };
}

/** True when the command asks netstat not to cut addresses (`-W`, alone or in a flag group). */
export function isWide(argv: readonly string[]): boolean {
  return argv.some((a) => /^-[A-Za-z]*W[A-Za-z]*$/.test(a));
}
