/**
 * The embedded MetricsBackend: evaluates Linkerd's three query shapes (metric-query.ts) over the
 * samples the scraper keeps (sample-store.ts) at the present instant, with PromQL's semantics:
 * `increase` and `irate` per series over `[now - window, now]`, then `sum by` the grouping labels
 * (a label a series lacks groups as absent, and is absent from the result); `histogram_quantile`
 * over the summed buckets of each group; gauges from fresh series only.
 *
 * Contract: answers the same label sets and values (within the timing of scrapes) as Prometheus
 * would for the same samples; never throws for a well-formed query.
 */
import { BackendError, type MetricQuery, type MetricsBackend, type VectorSample } from './metric-query.js';
import { windowMs } from './metrics-api-query.js';
import { type Bucket, histogramQuantile, increase, irate, parseBound } from './promql-functions.js';
import type { Labels } from './relabel.js';
import type { SampleStore } from './sample-store.js';

function groupKey(labels: Labels, by: readonly string[]): string {
  return JSON.stringify(by.map((name) => labels[name] ?? ''));
}

function groupLabels(labels: Labels, by: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of by) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

/** `sum by (by)` of per-series values. */
function sumBy(values: readonly { labels: Labels; value: number }[], by: readonly string[]): VectorSample[] {
  const groups = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const { labels, value } of values) {
    const key = groupKey(labels, by);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { labels: groupLabels(labels, by), value });
    else group.value += value;
  }
  return [...groups.values()];
}

export function evaluate(store: SampleStore, query: MetricQuery, now: number): VectorSample[] {
  if (query.kind === 'gauge') return sumBy(store.instant(query.metric, query.matchers, now), query.by);
  const window = windowMs(query.window);
  if (window === undefined) throw new BackendError(`${JSON.stringify(query.window)} is not a window`);
  const start = now - window;
  const series = store.range(query.metric, query.matchers, start, now);
  if (query.kind === 'increase') {
    const values = series.flatMap(({ labels, samples }) => {
      const value = increase(samples, start, now);
      return value === undefined ? [] : [{ labels, value }];
    });
    return sumBy(values, query.by);
  }
  const rates = series.flatMap(({ labels, samples }) => {
    const value = irate(samples);
    return value === undefined ? [] : [{ labels, value }];
  });
  const perBucket = sumBy(rates, ['le', ...query.by]);
  const groups = new Map<string, { labels: Record<string, string>; buckets: Bucket[] }>();
  for (const sample of perBucket) {
    const key = groupKey(sample.labels, query.by);
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels: groupLabels(sample.labels, query.by), buckets: [] };
      groups.set(key, group);
    }
    const bound = parseBound(sample.labels.le ?? '');
    if (!Number.isNaN(bound)) group.buckets.push({ upperBound: bound, count: sample.value });
  }
  return [...groups.values()].map(({ labels, buckets }) => ({ labels, value: histogramQuantile(query.quantile, buckets) }));
}

export function embeddedBackend(store: SampleStore, now: () => number = Date.now): MetricsBackend {
  return {
    description: 'the embedded scraper',
    query: (query) => Promise.resolve(evaluate(store, query, now())),
  };
}
