/**
 * What a proxy needs to know about one pod as the endpoint of a port: Linkerd's metric labels,
 * the TLS identity to require (meshed pods only) and the protocol hint.
 *
 * - Meshed: the pod's `linkerd.io/control-plane-ns` label names our control plane.
 * - Identity: `<sa>.<ns>.serviceaccount.identity.<cp-ns>.<trust-domain>`, unless the port is in
 *   the pod's `config.linkerd.io/skip-inbound-ports` (the proxy does not handle it: no TLS, no hint).
 * - Hint: opaque (with opaque transport on the proxy's inbound port) when the port is opaque; h2
 *   for other ports of meshed pods. Opaque ports come from the pod's `config.linkerd.io/opaque-ports`,
 *   else its namespace's, else the default list; the Service's annotation adds its own ports.
 */
import { objectKey } from '../informers/kind.js';
import type { Namespace } from '../informers/kinds/namespace.js';
import type { Pod } from '../informers/kinds/pod.js';
import type { ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import { type MeshConfig, serviceAccountIdentity } from './mesh-config.js';
import { parsePortSet } from './port-set.js';
import { workloadOwner } from './workload-owner.js';

export const controlPlaneNsLabel = 'linkerd.io/control-plane-ns';
export const opaquePortsAnnotation = 'config.linkerd.io/opaque-ports';
export const skipInboundPortsAnnotation = 'config.linkerd.io/skip-inbound-ports';

export interface PodEndpoint {
  readonly labels: Readonly<Record<string, string>>;
  readonly identity?: string;
  readonly protocol?: 'h2' | 'opaque';
  readonly opaqueTransportPort?: number;
}

const namespaces = 'namespaces' as ResourceId;

export function podEndpoint(view: StoreView, config: MeshConfig, pod: Pod, port: number, serviceOpaque: boolean): PodEndpoint {
  const { namespace, name, labels = {}, annotations = {} } = pod.metadata;
  const metricLabels: Record<string, string> = { pod: name };
  const owner = workloadOwner(view, pod);
  if (owner !== undefined) metricLabels[owner.kind] = owner.name;
  const serviceAccount = pod.spec.serviceAccountName ?? 'default';
  metricLabels.serviceaccount = serviceAccount;
  const templateHash = labels['pod-template-hash'];
  if (templateHash !== undefined) metricLabels.pod_template_hash = templateHash;
  const meshed = labels[controlPlaneNsLabel] === config.controllerNamespace;
  if (meshed) metricLabels.control_plane_ns = config.controllerNamespace;

  const portName = containerPortName(pod, port);
  const opaque = serviceOpaque || opaquePortsOf(view, config, pod).has(port, portName);
  if (!meshed || parsePortSet(annotations[skipInboundPortsAnnotation] ?? '').has(port, portName)) {
    return { labels: metricLabels, ...(opaque ? { protocol: 'opaque' as const } : {}) };
  }
  const identity = serviceAccountIdentity(config, namespace, serviceAccount);
  return opaque
    ? { labels: metricLabels, identity, protocol: 'opaque', opaqueTransportPort: config.proxyInboundPort }
    : { labels: metricLabels, identity, protocol: 'h2' };
}

function opaquePortsOf(view: StoreView, config: MeshConfig, pod: Pod): ReturnType<typeof parsePortSet> {
  const own = pod.metadata.annotations?.[opaquePortsAnnotation];
  if (own !== undefined) return parsePortSet(own);
  const inherited = view.get<Namespace>(objectKey(namespaces, undefined, pod.metadata.namespace))?.metadata.annotations?.[opaquePortsAnnotation];
  return parsePortSet(inherited ?? config.defaultOpaquePorts);
}

function containerPortName(pod: Pod, port: number): string | undefined {
  for (const container of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    const match = container.ports?.find((candidate) => candidate.containerPort === port);
    if (match?.name !== undefined) return match.name;
  }
  return undefined;
}
