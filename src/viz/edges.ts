/**
 * `edges`: which resources talk to which, with the identities on each side, from the sources'
 * outbound metrics: Linkerd's `sum(tcp_open_connections{direction="outbound", <type>!="",
 * dst_<type>!=""}) by (<type>, dst_<type>, pod, server_id, namespace, dst_namespace, no_tls_reason)`,
 * and the same grouping of `increase(request_total{…}[1m])`, because Sinew's proxies count the
 * pooled HTTP connections to endpoints only through their requests.
 *
 * Contract: an edge per (source, destination) pair with a non-zero value, within the requested
 * namespace when one is given (either end in it); the client identity is the source pod's
 * service account identity (`<sa>.<ns>.serviceaccount.identity.<control plane ns>.<trust domain>`),
 * taken from a source pod that still exists when another one's samples are in the window;
 * `noIdentityMsg` is Linkerd's wording of `no_tls_reason`. Sorted by namespaces then names.
 */
import { type Matcher, type MetricsBackend, type VectorSample } from './metric-query.js';
import { BadQueryError, type Edge, type EdgesQuery, type EdgesResponse } from './metrics-api-types.js';
import { direction } from './query-labels.js';
import { promLabelOf } from './resource-args.js';
import type { Inventory } from './workloads.js';

export interface EdgesDeps {
  readonly backend: MetricsBackend;
  readonly inventory: Inventory;
  /** Identity names' suffix after `serviceaccount.identity.`: `<control plane ns>.<trust domain>` (default linkerd.cluster.local). */
  readonly identitySuffix?: string;
}

const noIdentityMessages: Readonly<Record<string, string>> = {
  disabled: 'Disabled',
  loopback: 'Loopback',
  no_authority_in_http_request: 'No Authority In HTTP Request',
  not_http: 'Not HTTP',
  not_provided_by_remote: 'Not Provided By Remote',
  not_provided_by_service_discovery: 'Not Provided By Service Discovery',
};

export const edgesWindow = '1m';

export async function edges(deps: EdgesDeps, query: EdgesQuery): Promise<EdgesResponse> {
  const { resource } = query;
  if (resource.type === 'service' || resource.type === 'authority') {
    throw new BadQueryError('resource_type', `edges between ${resource.type} resources are not supported; ask for deployment, pod, …`);
  }
  const label = promLabelOf(resource.type);
  const dstLabel = `dst_${label}`;
  const matchers: Matcher[] = [direction('outbound'), { name: label, op: '!=', value: '' }, { name: dstLabel, op: '!=', value: '' }];
  const by = [...new Set([label, dstLabel, 'pod', 'server_id', 'namespace', 'dst_namespace', 'no_tls_reason'])];
  const [connections, requests] = await Promise.all([
    deps.backend.query({ kind: 'gauge', metric: 'tcp_open_connections', matchers, by }),
    deps.backend.query({ kind: 'increase', metric: 'request_total', matchers, window: edgesWindow, by }),
  ]);
  const found = new Map<string, Edge>();
  for (const sample of [...connections, ...requests]) {
    const edge = edgeOf(deps, sample, label, dstLabel, resource.type);
    if (edge === undefined) continue;
    if (resource.namespace !== '' && edge.src.namespace !== resource.namespace && edge.dst.namespace !== resource.namespace) continue;
    const key = JSON.stringify([edge.src.namespace, edge.src.name, edge.dst.namespace, edge.dst.name]);
    // A pod that is gone (rolled out within the window) cannot name the client identity; another
    // pod of the same source can.
    if (!found.has(key) || (found.get(key)?.clientId === '' && edge.clientId !== '')) found.set(key, edge);
  }
  const sortKey = (edge: Edge): string => edge.src.namespace + edge.dst.namespace + edge.src.name + edge.dst.name;
  return { edges: [...found.values()].sort((a, b) => sortKey(a).localeCompare(sortKey(b))) };
}

function edgeOf(deps: EdgesDeps, sample: VectorSample, label: string, dstLabel: string, type: EdgesQuery['resource']['type']): Edge | undefined {
  if (!(sample.value > 0)) return undefined;
  const { labels } = sample;
  const srcNamespace = labels.namespace ?? '';
  const dstNamespace = labels.dst_namespace ?? '';
  const src = labels[label] ?? '';
  const dst = labels[dstLabel] ?? '';
  if (src === '' || dst === '') return undefined;
  const pod = deps.inventory.pods(srcNamespace).find((each) => each.name === labels.pod);
  const suffix = deps.identitySuffix ?? 'linkerd.cluster.local';
  return {
    src: { type, namespace: srcNamespace, name: src },
    dst: { type, namespace: dstNamespace, name: dst },
    clientId: pod === undefined ? '' : `${pod.serviceAccount}.${pod.namespace}.serviceaccount.identity.${suffix}`,
    serverId: labels.server_id ?? '',
    noIdentityMsg: noIdentityMessages[labels.no_tls_reason ?? ''] ?? '',
  };
}
