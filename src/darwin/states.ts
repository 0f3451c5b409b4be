/**
 * macOS TCP states (the BSD `tcpstates[]` words netstat prints) → OTel `network.connection.state`.
 * BSD's set is the RFC 793 set, so every word has an OTel value; CLOSED is `close`, SYN_RCVD
 * `syn_received`. netstat may append `*` (T/TCP "hidden" state); the parser strips it.
 */
import type { TcpState } from '../snapshot/types.js';

export const DARWIN_TCP_STATES = {
  CLOSED: 'close',
  LISTEN: 'listen',
  SYN_SENT: 'syn_sent',
  SYN_RCVD: 'syn_received',
  ESTABLISHED: 'established',
  CLOSE_WAIT: 'close_wait',
  FIN_WAIT_1: 'fin_wait_1',
  CLOSING: 'closing',
  LAST_ACK: 'last_ack',
  FIN_WAIT_2: 'fin_wait_2',
  TIME_WAIT: 'time_wait',
} as const satisfies Record<string, TcpState>;

export type DarwinTcpState = keyof typeof DARWIN_TCP_STATES;

export function isDarwinTcpState(word: string): word is DarwinTcpState {
  return Object.hasOwn(DARWIN_TCP_STATES, word);
}
