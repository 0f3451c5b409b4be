/** Types for synthetic_procfs.mjs, which tests import too. */
export interface SyntheticProcfs {
  /** The procfs root (a temp dir). */
  root: string;
  /** The socket tables, relative to root: net/tcp, net/tcp6, net/udp, net/udp6. */
  files: string[];
  remove(): void;
}

/** A root with `sockets` TCP sockets (half IPv4, half IPv6) and sockets/50 UDP sockets. */
export function makeSyntheticProcfs(sockets: number, seed?: number): SyntheticProcfs;
