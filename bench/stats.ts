/**
 * Summary statistics for benchmark runs: the median (what BENCHMARKS.md reports, as it shrugs off
 * one noisy run), the spread, and number formatting for tables. Measures nothing itself.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** (max - min) / median, as a percentage: how noisy the runs were. */
export function spreadPercent(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return ((Math.max(...values) - Math.min(...values)) / median(values)) * 100;
}

/** A number with thousands separators and at most `digits` decimals (`21,345`, `0.62`). */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatList(values: readonly number[], digits = 0): string {
  return values.map((value) => formatNumber(value, digits)).join(', ');
}

export function megabytes(bytes: number): number {
  return bytes / (1024 * 1024);
}
