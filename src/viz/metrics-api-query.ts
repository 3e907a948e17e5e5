/**
 * The metrics API's queries as URL parameters and back, with the names Linkerd's web API used:
 * `resource_type`, `resource_name`, `namespace` (or `all_namespaces=true`), `from_type`,
 * `from_name`, `from_namespace`, `to_type`, `to_name`, `to_namespace`, `window`, `tcp_stats`.
 *
 * Contract: parsing never throws anything but BadQueryError, which names the parameter; a query
 * written by the `…Params` functions always parses back to an equal query.
 */
import {
  BadQueryError, type EdgesQuery, type Resource, type ResourceType, resourceTypes, type RoutesQuery, type StatQuery,
} from './metrics-api-types.js';

const windowPattern = /^(\d+(ms|s|m|h|d|w|y))+$/;
const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A Prometheus duration (`1m`, `30s`, `1h30m`) in milliseconds, or undefined when it is not one. */
export function windowMs(window: string): number | undefined {
  if (!windowPattern.test(window)) return undefined;
  let total = 0;
  for (const [, count, unit] of window.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(count) * (unitMs[unit as string] as number);
  return total > 0 ? total : undefined;
}

export const defaultWindow = '1m';
/** The longest window the API accepts (the embedded path keeps samples this long). */
export const maxWindowMs = 3_600_000;

export function checkWindow(parameter: string, window: string): string {
  const ms = windowMs(window);
  if (ms === undefined) throw new BadQueryError(parameter, `must be a duration such as 30s, 1m or 1h; got ${JSON.stringify(window)}`);
  if (ms < 1000 || ms > maxWindowMs) throw new BadQueryError(parameter, `must be between 1s and 1h; got ${JSON.stringify(window)}`);
  return window;
}

function resourceParams(prefix: string, resource: Resource | undefined, params: URLSearchParams): void {
  if (resource === undefined) return;
  params.set(`${prefix}type`, resource.type);
  if (resource.name !== '') params.set(`${prefix}name`, resource.name);
  if (prefix === 'resource_') {
    if (resource.namespace === '') params.set('all_namespaces', 'true');
    else params.set('namespace', resource.namespace);
  } else if (resource.namespace !== '') {
    params.set(`${prefix}namespace`, resource.namespace);
  }
}

export function statParams(query: StatQuery): URLSearchParams {
  const params = new URLSearchParams();
  resourceParams('resource_', query.resource, params);
  resourceParams('from_', query.from, params);
  resourceParams('to_', query.to, params);
  if (query.window !== undefined) params.set('window', query.window);
  if (query.tcp !== undefined) params.set('tcp_stats', String(query.tcp));
  return params;
}

export function routesParams(query: RoutesQuery): URLSearchParams {
  const params = new URLSearchParams();
  resourceParams('resource_', query.resource, params);
  resourceParams('to_', query.to, params);
  if (query.window !== undefined) params.set('window', query.window);
  return params;
}

export function edgesParams(query: EdgesQuery): URLSearchParams {
  const params = new URLSearchParams();
  resourceParams('resource_', { ...query.resource, name: '' }, params);
  return params;
}

function typeOf(parameter: string, value: string): ResourceType {
  if ((resourceTypes as readonly string[]).includes(value)) return value as ResourceType;
  throw new BadQueryError(parameter, `must be one of ${resourceTypes.join(', ')}; got ${JSON.stringify(value)}`);
}

function nameOf(parameter: string, value: string | null): string {
  if (value === null) return '';
  const namespace = parameter.endsWith('namespace');
  const pattern = namespace ? /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ : /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  if (value.length > (namespace ? 63 : 253) || !pattern.test(value)) {
    throw new BadQueryError(parameter, `must be a Kubernetes ${namespace ? 'namespace' : 'name'}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function known(params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of params.keys()) {
    if (!allowed.includes(key)) throw new BadQueryError(key, `is not a parameter of this query (they are ${allowed.join(', ')})`);
  }
}

/** The selected resource; its namespace is '' with all_namespaces=true, `defaultNamespace` when neither is given. */
function selected(params: URLSearchParams, defaultNamespace: string): Resource {
  const type = params.get('resource_type');
  if (type === null || type === '') throw new BadQueryError('resource_type', 'is required');
  const all = params.get('all_namespaces');
  if (all !== null && all !== 'true' && all !== 'false') throw new BadQueryError('all_namespaces', `must be true or false; got ${JSON.stringify(all)}`);
  const namespace = all === 'true' ? '' : nameOf('namespace', params.get('namespace') ?? defaultNamespace);
  return { type: typeOf('resource_type', type), namespace, name: nameOf('resource_name', params.get('resource_name')) };
}

function optionalResource(prefix: 'from_' | 'to_', params: URLSearchParams, namespace: string): Resource | undefined {
  const type = params.get(`${prefix}type`);
  if (type === null) {
    const stray = ['name', 'namespace'].find((part) => params.has(`${prefix}${part}`));
    if (stray !== undefined) throw new BadQueryError(`${prefix}type`, `is required with ${prefix}${stray}`);
    return undefined;
  }
  const parsed = typeOf(`${prefix}type`, type);
  if (parsed === 'namespace' && params.get(`${prefix}name`) === null) throw new BadQueryError(`${prefix}name`, 'is required for a namespace');
  return {
    type: parsed,
    name: nameOf(`${prefix}name`, params.get(`${prefix}name`)),
    namespace: nameOf(`${prefix}namespace`, params.get(`${prefix}namespace`) ?? (namespace === '' ? 'default' : namespace)),
  };
}

function windowParam(params: URLSearchParams): string {
  return checkWindow('window', params.get('window') ?? defaultWindow);
}

export function statQueryFrom(params: URLSearchParams): StatQuery {
  known(params, ['resource_type', 'resource_name', 'namespace', 'all_namespaces', 'from_type', 'from_name', 'from_namespace',
    'to_type', 'to_name', 'to_namespace', 'window', 'tcp_stats']);
  const resource = selected(params, 'default');
  const from = optionalResource('from_', params, resource.namespace);
  const to = optionalResource('to_', params, resource.namespace);
  if (from !== undefined && to !== undefined) throw new BadQueryError('to_type', 'cannot be combined with from_type');
  const tcp = params.get('tcp_stats');
  if (tcp !== null && tcp !== 'true' && tcp !== 'false') throw new BadQueryError('tcp_stats', `must be true or false; got ${JSON.stringify(tcp)}`);
  return {
    resource, window: windowParam(params),
    ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), ...(tcp === null ? {} : { tcp: tcp === 'true' }),
  };
}

export function routesQueryFrom(params: URLSearchParams): RoutesQuery {
  known(params, ['resource_type', 'resource_name', 'namespace', 'all_namespaces', 'to_type', 'to_name', 'to_namespace', 'window']);
  const resource = selected(params, 'default');
  const to = optionalResource('to_', params, resource.namespace);
  return { resource, window: windowParam(params), ...(to === undefined ? {} : { to }) };
}

export function edgesQueryFrom(params: URLSearchParams): EdgesQuery {
  known(params, ['resource_type', 'namespace', 'all_namespaces']);
  return { resource: selected(params, 'default') };
}
