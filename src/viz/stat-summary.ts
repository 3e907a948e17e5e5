/**
 * `stat`: one row per resource with its pods (meshed, running, failed), HTTP numbers and TCP
 * numbers, computed as Linkerd's metrics API computes them.
 *
 * - Without `from`/`to`: the resources' inbound metrics (`direction="inbound"`), grouped by
 *   `namespace` and the type's label; every resource of the type is a row, with or without traffic.
 * - `to`: the resources' outbound metrics towards `to` (`dst_<type>="…"`); `from`: the outbound
 *   metrics of `from` towards the resources, grouped by `dst_namespace`, `dst_<type>`. Only rows
 *   with traffic are shown.
 * - A service: outbound metrics whose `authority` starts with `NAME.NS.svc.<cluster domain>`,
 *   grouped by `dst_namespace`, `dst_service`.
 * - TCP: `sum(tcp_open_connections{…}) by (…)` and `increase` of `tcp_read_bytes_total` and
 *   `tcp_write_bytes_total` with `peer="src"` (inbound) or `peer="dst"` (from/to).
 *
 * Contract: an invalid combination throws BadQueryError naming the parameter; backend failures
 * propagate as BackendError.
 */
import { basicStats, isEmpty } from './basic-stats.js';
import { eq, type Matcher, type MetricsBackend } from './metric-query.js';
import { BadQueryError, type BasicStats, type Resource, type StatQuery, type StatResponse, type StatRow, type TcpStats } from './metrics-api-types.js';
import { defaultWindow } from './metrics-api-query.js';
import { countOf, direction, dstGroupByLabels, dstQueryLabels, groupByLabels, queryLabels, rowKeyOf } from './query-labels.js';
import type { Inventory } from './workloads.js';

export interface StatDeps {
  readonly backend: MetricsBackend;
  readonly inventory: Inventory;
  /** The cluster's DNS domain, for service authorities (default cluster.local). */
  readonly clusterDomain?: string;
}

interface Plan {
  readonly matchers: readonly Matcher[];
  readonly by: readonly string[];
  /** `peer` of the TCP byte counters. */
  readonly peer: 'src' | 'dst';
  /** Whether every resource is a row, or only those with traffic. */
  readonly allRows: boolean;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function planOf(query: StatQuery, clusterDomain: string): Plan {
  const { resource, from, to } = query;
  if (resource.type === 'authority' || from?.type === 'authority' || to?.type === 'authority') {
    throw new BadQueryError(resource.type === 'authority' ? 'resource_type' : from === undefined ? 'to_type' : 'from_type',
      'authority is not supported: Sinew proxies leave the authority off inbound metrics');
  }
  if (from?.type === 'service') throw new BadQueryError('from_type', 'a service cannot be the source of traffic; use the workload behind it');
  if (resource.type === 'service') {
    if (from === undefined && to !== undefined) throw new BadQueryError('to_type', 'a service cannot send traffic; stat its workload with --to instead');
    const name = resource.name === '' ? '[^.]+' : escapeRegex(resource.name);
    const namespace = resource.namespace === '' ? '[^.]+' : escapeRegex(resource.namespace);
    return {
      matchers: [direction('outbound'), { name: 'authority', op: '=~', value: `^${name}\\.${namespace}\\.svc\\.${escapeRegex(clusterDomain)}.+` }, ...(from === undefined ? [] : queryLabels(from))],
      by: ['dst_namespace', 'dst_service'], peer: 'dst', allRows: from === undefined,
    };
  }
  if (to !== undefined) {
    return { matchers: [...dstQueryLabels(to), ...queryLabels(resource), direction('outbound')], by: groupByLabels(resource), peer: 'dst', allRows: false };
  }
  if (from !== undefined) {
    return { matchers: [...queryLabels(from), ...dstQueryLabels(resource), direction('outbound')], by: dstGroupByLabels(resource), peer: 'dst', allRows: false };
  }
  return { matchers: [...queryLabels(resource), direction('inbound')], by: groupByLabels(resource), peer: 'src', allRows: true };
}

async function tcpStats(backend: MetricsBackend, plan: Plan, window: string): Promise<Map<string, TcpStats>> {
  const bytes = [...plan.matchers, eq('peer', plan.peer)];
  const [open, read, written] = await Promise.all([
    backend.query({ kind: 'gauge', metric: 'tcp_open_connections', matchers: plan.matchers, by: plan.by }),
    backend.query({ kind: 'increase', metric: 'tcp_read_bytes_total', matchers: bytes, window, by: plan.by }),
    backend.query({ kind: 'increase', metric: 'tcp_write_bytes_total', matchers: bytes, window, by: plan.by }),
  ]);
  const out = new Map<string, { openConnections: number; readBytesTotal: number; writeBytesTotal: number }>();
  const fill = (samples: typeof open, field: 'openConnections' | 'readBytesTotal' | 'writeBytesTotal'): void => {
    for (const sample of samples) {
      const key = rowKeyOf(sample.labels, plan.by);
      const row = out.get(key) ?? { openConnections: 0, readBytesTotal: 0, writeBytesTotal: 0 };
      row[field] = countOf(sample.value);
      out.set(key, row);
    }
  };
  fill(open, 'openConnections');
  fill(read, 'readBytesTotal');
  fill(written, 'writeBytesTotal');
  return out;
}

/** The resources that are rows: every one of the type (or the named one) in scope. */
function resourcesOf(query: StatQuery, inventory: Inventory): Resource[] {
  const { resource } = query;
  if (resource.name !== '') return [resource];
  return [...inventory.list(resource.type, resource.namespace)];
}

function podCounts(inventory: Inventory, resource: Resource): Pick<StatRow, 'meshedPodCount' | 'runningPodCount' | 'failedPodCount' | 'status'> {
  const pods = inventory.podsOf(resource);
  const failed = pods.filter((pod) => pod.phase === 'Failed');
  const running = pods.filter((pod) => pod.phase !== 'Failed');
  const status = resource.type === 'pod' ? pods[0]?.phase : undefined;
  return {
    meshedPodCount: running.filter((pod) => pod.meshed).length, runningPodCount: running.length, failedPodCount: failed.length,
    ...(status === undefined ? {} : { status }),
  };
}

export async function statSummary(deps: StatDeps, query: StatQuery): Promise<StatResponse> {
  const window = query.window ?? defaultWindow;
  const plan = planOf(query, deps.clusterDomain ?? 'cluster.local');
  const keyOf = (labels: Readonly<Record<string, string>>): string => rowKeyOf(labels, plan.by);
  const [stats, tcp] = await Promise.all([
    basicStats(deps.backend, { matchers: plan.matchers, window, by: plan.by, keyOf }),
    query.tcp === false || query.resource.type === 'service' ? Promise.resolve(new Map<string, TcpStats>()) : tcpStats(deps.backend, plan, window),
  ]);
  const keyOfResource = (resource: Resource): string => (query.resource.type === 'namespace' ? `/${resource.name}` : `${resource.namespace}/${resource.name}`);
  let resources: Resource[];
  if (plan.allRows) {
    resources = resourcesOf(query, deps.inventory);
  } else {
    const keys = new Set([...stats.keys(), ...tcp.keys()]);
    resources = [...keys].map((key) => {
      const [namespace = '', name = ''] = key.split('/');
      return { type: query.resource.type, namespace: query.resource.type === 'namespace' ? name : namespace, name };
    }).filter((resource) => resource.name !== '');
  }
  const rows = resources.map((resource): StatRow => {
    const key = keyOfResource(resource);
    const found: BasicStats | undefined = stats.get(key);
    return {
      resource, timeWindow: window, ...podCounts(deps.inventory, resource),
      stats: found === undefined || isEmpty(found) ? null : found,
      tcp: tcp.get(key) ?? null,
    };
  });
  rows.sort((a, b) => (a.resource.namespace + '/' + a.resource.name).localeCompare(b.resource.namespace + '/' + b.resource.name));
  return { rows };
}
