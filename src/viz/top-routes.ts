/**
 * `routes`: per resource, one row per route with its success, RPS and latencies.
 *
 * Sinew's proxies name inbound routes with the policy's `route_name` (HTTPRoute or the default
 * routes of a Server; `srv_name` is the Server), where Linkerd's ServiceProfile routes carried
 * `rt_route`: inbound rows group `response_total` and `response_latency_ms` by `route_name` and
 * `srv_name`. With `to`, the resource's outbound traffic towards `to` is grouped by `authority`
 * (outbound series carry no route), each authority one `[DEFAULT]` row, as Linkerd shows requests
 * no route matched.
 *
 * Contract: one table per resource that had traffic, named `deployment/web`; rows sorted by
 * route then target; an empty answer when nothing matched.
 */
import { basicStats } from './basic-stats.js';
import type { MetricsBackend } from './metric-query.js';
import { BadQueryError, type RouteTable, type RoutesQuery, type RoutesResponse } from './metrics-api-types.js';
import { defaultWindow } from './metrics-api-query.js';
import { direction, dstQueryLabels, groupByLabels, queryLabels } from './query-labels.js';

export const defaultRouteName = '[DEFAULT]';

export async function topRoutes(backend: MetricsBackend, query: RoutesQuery): Promise<RoutesResponse> {
  const { resource, to } = query;
  if (resource.type === 'service' || resource.type === 'authority') {
    throw new BadQueryError('resource_type', `routes of a ${resource.type} are not supported; ask for the workload behind it`);
  }
  if (to?.type === 'authority') throw new BadQueryError('to_type', 'authority is not supported');
  const window = query.window ?? defaultWindow;
  const rowBy = groupByLabels(resource);
  const routeBy = to === undefined ? ['route_name', 'srv_name'] : ['authority'];
  const by = [...rowBy, ...routeBy];
  const matchers = to === undefined
    ? [...queryLabels(resource), direction('inbound')]
    : [...queryLabels(resource), ...dstQueryLabels(to), direction('outbound')];
  const keyOf = (labels: Readonly<Record<string, string>>): string => JSON.stringify(by.map((name) => labels[name] ?? ''));
  const stats = await basicStats(backend, { matchers, window, by, keyOf });
  const tables = new Map<string, RouteTable>();
  for (const [key, value] of stats) {
    const values = JSON.parse(key) as string[];
    const name = resource.type === 'namespace' ? values[0] : values[1];
    if (name === undefined || name === '') continue;
    const tableName = `${resource.type}/${name}`;
    const [route = '', target = ''] = values.slice(rowBy.length);
    const table = tables.get(tableName) ?? { resource: tableName, rows: [] };
    table.rows.push({ route: to === undefined && route !== '' ? route : defaultRouteName, target: to === undefined ? target : route, timeWindow: window, stats: value });
    tables.set(tableName, table);
  }
  const sorted = [...tables.values()].sort((a, b) => a.resource.localeCompare(b.resource));
  for (const table of sorted) table.rows.sort((a, b) => a.route.localeCompare(b.route) || a.target.localeCompare(b.target));
  return { tables: sorted };
}
