import type { ParseIssue, ParseResult } from '../errors.js';
import type { Route } from '../snapshot/types.js';
import { decodeIpv4Hex, hexAddressBytes } from './address.js';

/**
 * /proc/net/route: the kernel's main IPv4 table, one header line then
 *   Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
 * tab separated and padded with trailing spaces to 127 columns (the last line may lack its
 * newline). Addresses are `%08X` of the network-order word, so they read byte-reversed on a
 * little-endian host (`0247A8C0` is 192.168.71.2). We split on any whitespace: interface
 * names cannot contain it, and procfs's own test input uses spaces instead of tabs.
 */

const FIELD_COUNT = 11;
const HEX = /^[0-9A-Fa-f]{1,8}$/;
const SIGNED_DECIMAL = /^-?\d+$/;

/** include/uapi/linux/route.h */
const RTF_UP = 0x0001;
const RTF_GATEWAY = 0x0002;
const RTF_HOST = 0x0004;
const RTF_REINSTATE = 0x0008;
const RTF_DYNAMIC = 0x0010;
const RTF_MODIFIED = 0x0020;
const RTF_REJECT = 0x0200;

export interface NetRouteOptions {
  /**
   * Byte order of the host that wrote the file; defaults to this host's. Only needed when
   * parsing a file captured elsewhere (all fixtures here come from little-endian x86 hosts).
   */
  littleEndian?: boolean;
}

/**
 * The letters `route -n` (net-tools lib/inet_gr.c) prints, in its order. A reject route shows
 * `!` in place of U and G, as net-tools does. The kernel only ever sets U, G, H and reject in
 * this file (fib_flag_trans); R, D and M are decoded for completeness.
 */
export function ipv4RouteFlags(flags: number): string {
  let text = '';
  if (flags & RTF_UP) text += 'U';
  if (flags & RTF_GATEWAY) text += 'G';
  if (flags & RTF_REJECT) text = '!';
  if (flags & RTF_HOST) text += 'H';
  if (flags & RTF_REINSTATE) text += 'R';
  if (flags & RTF_DYNAMIC) text += 'D';
  if (flags & RTF_MODIFIED) text += 'M';
  return text;
}

/** Prefix length of a contiguous netmask; null for a mask with holes, which no kernel route has. */
function prefixLength(bytes: readonly number[]): number | null {
  const mask = bytes.reduce((acc, byte) => ((acc << 8) | byte) >>> 0, 0);
  const inverted = ~mask >>> 0;
  if ((inverted & (inverted + 1)) !== 0) return null;
  let bits = 0;
  for (let m = mask; m !== 0; m = (m << 1) >>> 0) bits++;
  return bits;
}

/** Prefix length of the Mask column, or a reason it is not one. */
function maskPrefix(maskHex: string, littleEndian: boolean | undefined): number | string {
  const bytes = hexAddressBytes(maskHex, littleEndian);
  if (bytes?.length !== 4) return `mask ${JSON.stringify(maskHex)} is not 8 hex digits`;
  return prefixLength(bytes) ?? `mask ${JSON.stringify(maskHex)} is not contiguous`;
}

type LineResult = { route: Route } | { reason: string };

function parseLine(fields: string[], littleEndian: boolean | undefined): LineResult {
  if (fields.length < FIELD_COUNT) return { reason: `expected ${FIELD_COUNT} fields, found ${fields.length}` };
  const [iface, destHex, gatewayHex, flagsHex, , , metricText, maskHex] = fields as [
    string, string, string, string, string, string, string, string,
  ];
  const destination = decodeIpv4Hex(destHex, littleEndian);
  if (destination === null) return { reason: `destination ${JSON.stringify(destHex)} is not 8 hex digits` };
  const prefix = maskPrefix(maskHex, littleEndian);
  if (typeof prefix === 'string') return { reason: prefix };
  const gateway = decodeIpv4Hex(gatewayHex, littleEndian);
  if (gateway === null) return { reason: `gateway ${JSON.stringify(gatewayHex)} is not 8 hex digits` };
  if (!HEX.test(flagsHex)) return { reason: `flags ${JSON.stringify(flagsHex)} are not hex` };
  if (!SIGNED_DECIMAL.test(metricText)) return { reason: `metric ${JSON.stringify(metricText)} is not a number` };
  return {
    route: {
      family: 'inet',
      destination: `${destination}/${prefix}`,
      gateway: gateway === '0.0.0.0' ? null : gateway,
      // The kernel prints `*` for a route without a device.
      interface: iface === '*' ? null : iface,
      // Printed with %d although the kernel keeps a u32: report it as `ip route` does.
      metric: Number(metricText) >>> 0,
      flags: ipv4RouteFlags(parseInt(flagsHex, 16)),
    },
  };
}

/** Parses /proc/net/route into routes in file order; bad lines are reported and skipped. */
export function parseNetRoute(text: string, file: string, options: NetRouteOptions = {}): ParseResult<Route[]> {
  const value: Route[] = [];
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields[0] === '' || (i === 0 && fields[0] === 'Iface')) continue;
    const result = parseLine(fields, options.littleEndian);
    if ('reason' in result) issues.push({ file, line: i + 1, reason: result.reason });
    else value.push(result.route);
  }
  return { value, issues };
}
