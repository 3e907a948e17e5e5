/**
 * How Linkerd's metrics API turns resources into label matchers and groupings: a named resource
 * matches its type's label (`deployment="web"`, `k8s_job="x"`) and `namespace`; as a destination
 * the same with `dst_` in front; rows group by `namespace` and the type's label (or `dst_…` for
 * `--from` queries, which read the sources' outbound metrics).
 *
 * Contract: pure; the matchers and groupings are exactly those of Linkerd's queries, so the same
 * PromQL runs against Sinew's Prometheus and Linkerd's.
 */
import { eq, type Matcher } from './metric-query.js';
import type { Resource } from './metrics-api-types.js';
import { promLabelOf } from './resource-args.js';

/** Matchers for a resource on its own metrics. A service is matched by authority elsewhere. */
export function queryLabels(resource: Resource): Matcher[] {
  const out: Matcher[] = [];
  if (resource.name !== '' && resource.type !== 'service') out.push(eq(promLabelOf(resource.type), resource.name));
  if (resource.type !== 'namespace' && resource.namespace !== '') out.push(eq('namespace', resource.namespace));
  return out;
}

/** Matchers for a resource as the destination of outbound metrics (`dst_deployment="web"`). */
export function dstQueryLabels(resource: Resource): Matcher[] {
  if (resource.name === '') return [];
  const out = [eq(`dst_${promLabelOf(resource.type)}`, resource.name)];
  if (resource.type !== 'namespace' && resource.namespace !== '') out.push(eq('dst_namespace', resource.namespace));
  return out;
}

export function groupByLabels(resource: Resource): string[] {
  return resource.type === 'namespace' ? ['namespace'] : ['namespace', promLabelOf(resource.type)];
}

export function dstGroupByLabels(resource: Resource): string[] {
  return resource.type === 'namespace' ? ['dst_namespace'] : ['dst_namespace', `dst_${promLabelOf(resource.type)}`];
}

export const direction = (value: 'inbound' | 'outbound'): Matcher => eq('direction', value);

/** The (namespace, name) a result row belongs to, read from its grouping labels (namespace first, name last). */
export function rowKeyOf(labels: Readonly<Record<string, string>>, by: readonly string[]): string {
  const name = labels[by[by.length - 1] as string] ?? '';
  const namespace = by.length === 2 ? labels[by[0] as string] ?? '' : '';
  return `${namespace}/${name}`;
}

/** A sample value as Linkerd's API reports counts: rounded, 0 for NaN. */
export function countOf(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0;
}

/** A latency in milliseconds, or null where PromQL gave NaN or infinity (no traffic). */
export function latencyOf(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : Math.max(0, value);
}
