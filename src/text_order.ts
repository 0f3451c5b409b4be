/**
 * Code-unit order for strings: the same input always sorts the same way, whatever the locale,
 * and without localeCompare, whose first call loads ICU collation data (~2.6 MiB resident).
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
