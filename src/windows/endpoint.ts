/** `address:port` as Windows netstat prints it: `0.0.0.0:135`, `[::]:135`, `[fe80::1%9]:1900`, `*:*`. */

export interface WindowsEndpoint {
  /** Brackets removed; `*` stays `*` (the caller decides what "any" means). */
  address: string;
  portText: string;
}

export function splitWindowsEndpoint(text: string): WindowsEndpoint | null {
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close === -1) return null;
    return { address: text.slice(1, close), portText: text.slice(close + 2) };
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || colon === text.length - 1) return null;
  return { address: text.slice(0, colon), portText: text.slice(colon + 1) };
}
