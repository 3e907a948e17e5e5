/**
 * Linkerd's CLI tables and number formats: columns separated by three spaces, the leading
 * (name) columns left-aligned and the numbers right-aligned; `100.00%`, `1.5rps`, `3ms`,
 * `12.0B/s`, and `-` where there is no data.
 *
 * Contract: pure; every line of a table has the same width per column; no trailing spaces.
 */

export const noData = '-';

/** `90.00%` for 0.9; `-` for null. */
export function formatSuccess(rate: number | null): string {
  return rate === null ? noData : `${(rate * 100).toFixed(2)}%`;
}

/** `1.5rps`. */
export function formatRps(rps: number): string {
  return `${rps.toFixed(1)}rps`;
}

/** `3ms` (rounded to whole milliseconds as Linkerd's API rounds them); `-` for null. */
export function formatLatency(ms: number | null): string {
  return ms === null ? noData : `${Math.round(ms)}ms`;
}

/** `12.0B/s`. */
export function formatByteRate(bytesPerSecond: number): string {
  return `${bytesPerSecond.toFixed(1)}B/s`;
}

export interface TableOptions {
  /** How many leading columns are left-aligned (the rest are right-aligned). */
  readonly leftColumns: number;
}

export function renderTable(rows: readonly (readonly string[])[], options: TableOptions): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  const lines = rows.map((row) => row.map((cell, i) => (i < options.leftColumns ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ').trimEnd());
  return lines.map((line) => `${line}\n`).join('');
}
