/**
 * `address.port` as macOS netstat prints it (`192.168.1.221.5486`, `::1.5002`, `*.443`, `*.*`),
 * and whether netstat cut it.
 *
 * Without `-W`, netstat (network_cmds inet.c, inetprint/inet6print) first cuts the address to
 * 16 characters, appends `.port`, then cuts the whole field to the column width (18 with `-A`,
 * else 22). So an address part of 16+ characters may be cut (IPv4 never is: at most 15), and a
 * field that fills its column may have lost port digits: `2600:1700:bab0:d.5` is a cut IPv6
 * address with a cut port, `192.168.1.221.5486` may be port 54860-something. Such values are
 * flagged, never trusted. With `-W` nothing is cut.
 */

export interface DarwinEndpoint {
  /** The field as printed. */
  text: string;
  /** Address part as printed (`*` for any); may be cut, see `addressTruncated`. */
  address: string;
  /** Port part as printed (`*` for any); may be cut, see `portTruncated`. */
  portText: string;
  addressTruncated: boolean;
  portTruncated: boolean;
}

/** netstat's `%.16s` on the address part. */
export const ADDRESS_CUT = 16;

export function splitDarwinEndpoint(text: string, columnWidth: number, wide: boolean): DarwinEndpoint | null {
  const dot = text.lastIndexOf('.');
  if (dot <= 0 || dot === text.length - 1) return null;
  const address = text.slice(0, dot);
  const portText = text.slice(dot + 1);
  return {
    text,
    address,
    portText,
    addressTruncated: !wide && address.length >= ADDRESS_CUT,
    portTruncated: !wide && portText !== '*' && text.length >= columnWidth,
  };
}
