/**
 * PromQL's `increase`, `irate` and `histogram_quantile` as Prometheus 2.x computes them, for the
 * embedded metrics API, so it gives the numbers the same queries give against Prometheus.
 *
 * - `increase` over a range: the difference between the first and last samples, plus every value a
 *   counter dropped from when it reset, extrapolated towards the range's edges: to an edge when the
 *   first or last sample is within 1.1 average sample intervals of it (and never before the counter
 *   would have been zero), else half an interval.
 * - `irate`: the last two samples' difference per second (the last value alone after a reset).
 * - `histogram_quantile`: buckets sorted by bound, needing a `+Inf` bucket; equal bounds summed,
 *   counts forced monotonic; linear interpolation inside the bucket where the rank falls; the last
 *   finite bound when it falls in `+Inf`; NaN without observations.
 *
 * Contract: pure functions of their arguments; samples are in time order (milliseconds); a range
 * with fewer than two samples has no value (undefined), as PromQL drops the series.
 */

export interface Sample {
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly v: number;
}

export function increase(samples: readonly Sample[], rangeStart: number, rangeEnd: number): number | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || samples.length < 2) return undefined;
  let result = last.v - first.v;
  let previous = first.v;
  for (const sample of samples.slice(1)) {
    if (sample.v < previous) result += previous;
    previous = sample.v;
  }
  let durationToStart = (first.t - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  if (sampledInterval <= 0) return undefined;
  const averageInterval = sampledInterval / (samples.length - 1);
  if (result > 0 && first.v >= 0) {
    const durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageInterval * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
  return result * (extrapolateTo / sampledInterval);
}

export function irate(samples: readonly Sample[]): number | undefined {
  if (samples.length < 2) return undefined;
  const last = samples[samples.length - 1] as Sample;
  const previous = samples[samples.length - 2] as Sample;
  const seconds = (last.t - previous.t) / 1000;
  if (seconds <= 0) return undefined;
  const delta = last.v < previous.v ? last.v : last.v - previous.v;
  return delta / seconds;
}

export interface Bucket {
  /** The `le` bound; Infinity for `+Inf`. */
  readonly upperBound: number;
  readonly count: number;
}

/** An `le` label value as Prometheus reads it (`+Inf`, `1`, `0.5`); NaN when it is not a number. */
export function parseBound(le: string): number {
  if (le === '+Inf' || le === 'Inf' || le === '+inf') return Infinity;
  if (le === '-Inf') return -Infinity;
  return le.trim() === '' ? NaN : Number(le);
}

export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.length === 0 || sorted[sorted.length - 1]?.upperBound !== Infinity) return NaN;
  const buckets: { upperBound: number; count: number }[] = [];
  for (const bucket of sorted) {
    const last = buckets[buckets.length - 1];
    if (last !== undefined && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else buckets.push({ ...bucket });
  }
  let max = -Infinity;
  for (const bucket of buckets) {
    if (bucket.count > max) max = bucket.count;
    else bucket.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (!(observations > 0)) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  const bucket = buckets[b] as Bucket;
  if (b === 0 && bucket.upperBound <= 0) return bucket.upperBound;
  let start = 0;
  let count = bucket.count;
  if (b > 0) {
    const below = buckets[b - 1] as Bucket;
    start = below.upperBound;
    count -= below.count;
    rank -= below.count;
  }
  return start + (bucket.upperBound - start) * (rank / count);
}
