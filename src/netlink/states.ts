/**
 * Kernel socket states (include/net/tcp_states.h) as sock_diag's `idiag_states` bitmask, so a
 * query asks the kernel for the states it needs and the kernel skips the rest: a LISTEN-only
 * dump never walks the established hash.
 */
import type { TcpState } from '../snapshot/types.js';

export const KERNEL_STATE = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT1: 4,
  FIN_WAIT2: 5,
  TIME_WAIT: 6,
  CLOSE: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
  /** Request sockets (a SYN received, no accept yet); `ss` and /proc show them as SYN-RECV. */
  NEW_SYN_RECV: 12,
} as const;

export const stateBit = (state: number): number => 1 << state;

/** Every state /proc/net/{tcp,udp} lists. Leaves out TCP_BOUND_INACTIVE (13, bound but never listening), which procfs does not show. */
export const ALL_STATES = Array.from({ length: 12 }, (_, i) => stateBit(i + 1)).reduce((a, b) => a | b, 0);

export const LISTEN_STATES = stateBit(KERNEL_STATE.LISTEN);
/** Unconnected UDP sockets: the candidates for UDP listeners. */
export const UDP_UNCONNECTED_STATES = stateBit(KERNEL_STATE.CLOSE);

/** Kernel state number -> OTel `network.connection.state`, as procfs/net_ip_socket.ts maps it. */
export const TCP_STATE_OF: readonly (TcpState | undefined)[] = [
  undefined,
  'established',
  'syn_sent',
  'syn_received',
  'fin_wait_1',
  'fin_wait_2',
  'time_wait',
  'close',
  'close_wait',
  'last_ack',
  'listen',
  'closing',
  'syn_received',
];
