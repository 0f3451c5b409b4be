/**
 * Kernel socket states (include/net/tcp_states.h), shared by both socket paths: the /proc/net
 * parser reads them as hex, sock_diag as a byte, and sock_diag's `idiag_states` takes them as a
 * bitmask, so a query asks the kernel for the states it needs and the kernel skips the rest (a
 * LISTEN-only dump never walks the established hash).
 */
import { zeroStates } from '../snapshot/empty.js';
import { TCP_STATES, type TcpState } from '../snapshot/types.js';

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

/**
 * Kernel state number -> OTel `network.connection.state`. Codes 1..11 are TCP_STATES in order
 * (that list follows the kernel's enum); NEW_SYN_RECV counts as `syn_received`, as `ss` shows it.
 */
export const TCP_STATE_OF: readonly (TcpState | undefined)[] = [undefined, ...TCP_STATES, 'syn_received'];

/** The state for a kernel code, or undefined for a code no table lists. */
export function kernelTcpState(code: number): TcpState | undefined {
  return TCP_STATE_OF[code];
}

/** Per-state counts from an array indexed by kernel code (from `offset`), both paths' counting form. */
export function statesFromCodes(counts: ArrayLike<number>, offset = 0): Record<TcpState, number> {
  const states = zeroStates();
  for (let code = 0; code < 16; code++) {
    const state = TCP_STATE_OF[code];
    if (state !== undefined) states[state] += counts[offset + code] ?? 0;
  }
  return states;
}
