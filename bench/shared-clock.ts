/**
 * Latency across processes on one machine: a clock every process reads the same, and the
 * percentiles a latency distribution is reported by. Measures nothing itself.
 *
 * `sharedClockMs` is `process.hrtime`, i.e. Linux's CLOCK_MONOTONIC: one system-wide clock that
 * is not moved by NTP steps, so a time stamped by one process can be subtracted from a time read
 * by another with sub-microsecond resolution. (`performance.timeOrigin` differs per process and
 * is derived from the wall clock, so it is not used.)
 */
export function sharedClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The nearest-rank percentile (`p` in 0..100) of values sorted ascending; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}
