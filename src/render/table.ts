/** Plain fixed-width text tables, left-aligned text and right-aligned numbers, like netstat's. */
export type Cell = string | number | null;

function cellText(cell: Cell): string {
  if (cell === null) return '-';
  return typeof cell === 'number' ? cell.toLocaleString('en-US') : cell;
}

export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const texts = rows.map((row) => row.map(cellText));
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((row) => typeof row[c] === 'number' || row[c] === null));
  const widths = headers.map((h, c) => Math.max(h.length, ...texts.map((row) => row[c]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((text, c) => (numeric[c] ? text.padStart(widths[c]!) : text.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(headers), ...texts.map(line)].join('\n');
}

/** `addr:port` as ss prints it, IPv6 in brackets. */
export function endpoint(address: string | null, port: number | null): string {
  const host = address === null ? '*' : address.includes(':') ? `[${address}]` : address;
  return `${host}:${port === null || port === 0 ? '*' : port}`;
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}
