/**
 * The HTTP numbers of a table's rows, from Linkerd's four queries run together:
 * `sum(increase(response_total{…}[W])) by (…, classification, tls)` for the success and failure
 * counts, and `histogram_quantile(0.5 | 0.95 | 0.99, sum(irate(response_latency_ms_bucket{…}[W])) by (le, …))`
 * for the latencies.
 *
 * Contract: a row appears in the result when any query returned a sample for it; counts are
 * rounded as Linkerd rounds them; `rps` is the count over the window's seconds; `successRate` and
 * the latencies are null when there is nothing to compute them from.
 */
import type { Matcher, MetricsBackend } from './metric-query.js';
import type { BasicStats } from './metrics-api-types.js';
import { windowMs } from './metrics-api-query.js';
import { countOf, latencyOf } from './query-labels.js';

export interface StatsRequest {
  readonly matchers: readonly Matcher[];
  readonly window: string;
  /** The grouping labels of a row. */
  readonly by: readonly string[];
  /** A row's key from a sample's grouping labels. */
  readonly keyOf: (labels: Readonly<Record<string, string>>) => string;
}

interface Accumulator {
  success: number;
  failure: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export const quantiles = [0.5, 0.95, 0.99] as const;

export async function basicStats(backend: MetricsBackend, request: StatsRequest): Promise<Map<string, BasicStats>> {
  const { matchers, window, by } = request;
  const [responses, ...latencies] = await Promise.all([
    backend.query({ kind: 'increase', metric: 'response_total', matchers, window, by: [...by, 'classification', 'tls'] }),
    ...quantiles.map((quantile) => backend.query({ kind: 'quantile', quantile, metric: 'response_latency_ms_bucket', matchers, window, by })),
  ]);
  const rows = new Map<string, Accumulator>();
  const row = (labels: Readonly<Record<string, string>>): Accumulator => {
    const key = request.keyOf(labels);
    let found = rows.get(key);
    if (found === undefined) {
      found = { success: 0, failure: 0 };
      rows.set(key, found);
    }
    return found;
  };
  for (const sample of responses ?? []) {
    const target = row(sample.labels);
    if (sample.labels.classification === 'success') target.success += countOf(sample.value);
    else if (sample.labels.classification === 'failure') target.failure += countOf(sample.value);
  }
  quantiles.forEach((quantile, i) => {
    for (const sample of latencies[i] ?? []) {
      const target = row(sample.labels);
      const key = quantile === 0.5 ? 'p50' : quantile === 0.95 ? 'p95' : 'p99';
      target[key] = sample.value;
    }
  });
  const seconds = (windowMs(window) ?? 60_000) / 1000;
  const out = new Map<string, BasicStats>();
  for (const [key, acc] of rows) out.set(key, finish(acc, seconds));
  return out;
}

function finish(acc: Accumulator, seconds: number): BasicStats {
  const total = acc.success + acc.failure;
  return {
    successCount: acc.success,
    failureCount: acc.failure,
    rps: total / seconds,
    successRate: total === 0 ? null : acc.success / total,
    latencyMsP50: latencyOf(acc.p50),
    latencyMsP95: latencyOf(acc.p95),
    latencyMsP99: latencyOf(acc.p99),
  };
}

/** Whether a row's stats carry anything (Linkerd leaves rows of only zeros without stats). */
export function isEmpty(stats: BasicStats): boolean {
  return stats.successCount === 0 && stats.failureCount === 0
    && (stats.latencyMsP50 ?? 0) === 0 && (stats.latencyMsP95 ?? 0) === 0 && (stats.latencyMsP99 ?? 0) === 0;
}
