/**
 * TCP and UDP sockets over NETLINK_SOCK_DIAG (inet_diag, what `ss` reads), through the native
 * addon. The kernel filters by state, so a listener query never walks the established hash,
 * and counting states never builds a record in JavaScript.
 */
import { ADDRESS_FAMILY, IP_PROTOCOL } from './kernel_numbers.js';
import type { SocketRecord, TcpState } from '../snapshot/types.js';
import type { NativeAddon } from './addon.js';
import { decodeRecords } from './records.js';
import { ALL_STATES, statesFromCodes } from './states.js';

export type IpTransport = keyof typeof IP_PROTOCOL;

export interface StateCounts {
  tcp: Record<TcpState, number>;
  udp: number;
}

/** The kernel has no AF_INET6 sock_diag handler when IPv6 is disabled: then we ask for IPv4 alone. */
function isMissingFamily(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EAFNOSUPPORT' || code === 'EINVAL';
}

export class NetlinkSockets {
  private ipv6 = true;

  constructor(private readonly addon: NativeAddon) {}

  private requests(transports: readonly IpTransport[], states: number, ipv6: boolean): Uint32Array {
    const triples: number[] = [];
    for (const t of transports) {
      triples.push(ADDRESS_FAMILY.inet, IP_PROTOCOL[t], states);
      if (ipv6) triples.push(ADDRESS_FAMILY.inet6, IP_PROTOCOL[t], states);
    }
    return Uint32Array.from(triples);
  }

  private async dump(transports: readonly IpTransport[], states: number, counts: boolean): Promise<ArrayBuffer> {
    try {
      return await this.addon.dumpSockets(this.requests(transports, states, this.ipv6), counts);
    } catch (err) {
      const failed = (err as { request?: number }).request ?? 0;
      // Requests alternate IPv4, IPv6: an odd index is an IPv6 one.
      if (!this.ipv6 || failed % 2 !== 1 || !isMissingFamily(err)) throw err;
      this.ipv6 = false;
      return this.addon.dumpSockets(this.requests(transports, states, false), counts);
    }
  }

  /** Sockets of one transport in the given kernel states (see states.ts), IPv4 then IPv6. */
  async list(transport: IpTransport, states: number = ALL_STATES): Promise<SocketRecord[]> {
    return decodeRecords(await this.dump([transport], states, false));
  }

  /** Per-state TCP counts and the UDP socket count, without a record per socket. */
  async count(): Promise<StateCounts> {
    const raw = new Float64Array(await this.dump(['tcp', 'udp'], ALL_STATES, true));
    let udp = 0;
    for (let code = 0; code < 16; code++) udp += raw[16 + code]!;
    return { tcp: statesFromCodes(raw), udp };
  }
}
