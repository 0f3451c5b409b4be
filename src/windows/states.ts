/**
 * Windows TCP states and how they map to the OTel `network.connection.state` values.
 *
 * Windows has three states OTel does not name. All three become `close`, the value Linux
 * reports for the same situations, so dashboards and rules need no Windows branch:
 * - CLOSED (MIB_TCP_STATE 1): the connection is closed; OTel/Linux `close`.
 * - DELETE_TCB (12): the TCP control block is being deleted, i.e. the connection is gone but
 *   the table still lists it for a moment. Nothing of it is open any more: `close`.
 * - BOUND (100, `netstat -q` and Get-NetTCPConnection only): a socket bound to a local port
 *   that neither listens nor is connected. Linux shows such a socket as state CLOSE
 *   (`ss`: UNCONN), hence `close`.
 */
import type { TcpState } from '../snapshot/types.js';

/** The words `netstat -ano` prints in its State column (English Windows). */
export const NETSTAT_STATES = {
  CLOSED: 'close',
  LISTENING: 'listen',
  SYN_SENT: 'syn_sent',
  SYN_RECEIVED: 'syn_received',
  ESTABLISHED: 'established',
  FIN_WAIT_1: 'fin_wait_1',
  FIN_WAIT_2: 'fin_wait_2',
  CLOSE_WAIT: 'close_wait',
  CLOSING: 'closing',
  LAST_ACK: 'last_ack',
  TIME_WAIT: 'time_wait',
  DELETE_TCB: 'close',
  BOUND: 'close',
} as const satisfies Record<string, TcpState>;

export type WindowsTcpState = keyof typeof NETSTAT_STATES;

/**
 * MSFT_NetTCPConnection.State as Get-NetTCPConnection | ConvertTo-Json writes it (an integer),
 * to the netstat word. 1–12 are Microsoft's MIB_TCP_STATE numbering; 100 = Bound is what
 * several independent public projects observe (no Microsoft page gives the number; see
 * ../shared/corpus/windows/NOTES.md). Note 9 = Closing and 10 = LastAck, not the reverse.
 */
export const MSFT_TCP_STATE_NUMBERS: Readonly<Record<number, WindowsTcpState>> = {
  1: 'CLOSED',
  2: 'LISTENING',
  3: 'SYN_SENT',
  4: 'SYN_RECEIVED',
  5: 'ESTABLISHED',
  6: 'FIN_WAIT_1',
  7: 'FIN_WAIT_2',
  8: 'CLOSE_WAIT',
  9: 'CLOSING',
  10: 'LAST_ACK',
  11: 'TIME_WAIT',
  12: 'DELETE_TCB',
  100: 'BOUND',
};

/** The enum names PowerShell prints (and PS 7's `-EnumsAsStrings` writes) for the same states. */
export const MSFT_TCP_STATE_NAMES: Readonly<Record<string, WindowsTcpState>> = {
  Closed: 'CLOSED',
  Listen: 'LISTENING',
  SynSent: 'SYN_SENT',
  SynReceived: 'SYN_RECEIVED',
  Established: 'ESTABLISHED',
  FinWait1: 'FIN_WAIT_1',
  FinWait2: 'FIN_WAIT_2',
  CloseWait: 'CLOSE_WAIT',
  Closing: 'CLOSING',
  LastAck: 'LAST_ACK',
  TimeWait: 'TIME_WAIT',
  DeleteTCB: 'DELETE_TCB',
  Bound: 'BOUND',
};

export function isWindowsTcpState(word: string): word is WindowsTcpState {
  return Object.hasOwn(NETSTAT_STATES, word);
}

export function otelState(state: WindowsTcpState): TcpState {
  return NETSTAT_STATES[state];
}

/** A State value from PowerShell JSON (number, or name when enums were written as strings). */
export function stateFromPowerShell(value: unknown): WindowsTcpState | null {
  if (typeof value === 'number') return MSFT_TCP_STATE_NUMBERS[value] ?? null;
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) return MSFT_TCP_STATE_NUMBERS[Number(value)] ?? null;
    return MSFT_TCP_STATE_NAMES[value] ?? (isWindowsTcpState(value) ? value : null);
  }
  return null;
}
