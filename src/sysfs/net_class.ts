import type { ParseResult } from '../errors.js';

/**
 * /sys/class/net/<iface>/{operstate,speed,mtu,carrier_changes}: one value a file. The kernel
 * answers EINVAL for `speed` on virtual links and prints -1 for an unknown speed; both are null.
 */
export interface LinkInfo {
  operState: string | null;
  speedMbps: number | null;
  mtu: number | null;
  carrierChanges: number | null;
}

export const LINK_FILES = ['operstate', 'speed', 'mtu', 'carrier_changes'] as const;
export type LinkFile = (typeof LINK_FILES)[number];

export function parseSysfsInteger(text: string, file: string): ParseResult<number | null> {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return { value: null, issues: [{ file, line: 1, reason: `expected an integer, found ${JSON.stringify(trimmed.slice(0, 40))}` }] };
  const value = Number(trimmed);
  // Above 2^53 Number() rounds, and a long enough digit run is Infinity: no link attribute is
  // that large, so say so rather than return a wrong number.
  if (!Number.isSafeInteger(value)) return { value: null, issues: [{ file, line: 1, reason: `${JSON.stringify(trimmed.slice(0, 40))} is out of range` }] };
  return { value: value < 0 ? null : value, issues: [] };
}

/** Builds LinkInfo from whichever files could be read (null text = unreadable or absent). */
export function parseLinkInfo(texts: Readonly<Record<LinkFile, string | null>>, dir: string): ParseResult<LinkInfo> {
  const issues: ParseResult<unknown>['issues'] = [];
  const integer = (name: LinkFile): number | null => {
    const text = texts[name];
    if (text === null) return null;
    const result = parseSysfsInteger(text, `${dir}/${name}`);
    issues.push(...result.issues);
    return result.value;
  };
  return {
    value: {
      operState: texts.operstate?.trim() || null,
      speedMbps: integer('speed'),
      mtu: integer('mtu'),
      carrierChanges: integer('carrier_changes'),
    },
    issues,
  };
}
