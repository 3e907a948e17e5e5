/**
 * The secondary indexes the reconcilers query, as pure functions of one object.
 *
 * Each entry is `(index, value)`; the store keeps `index → value → keys` and updates it from the
 * difference between an object's old and new entries, so a key never lingers under a stale value
 * (a pod IP reused by a new pod points at the new pod only once the old one is gone).
 */
import type { ProjectedObject, ResourceId } from '../informers/object.js';

export type IndexName = 'namespace' | 'podIp' | 'sliceService' | 'slicePod' | 'podOwner' | 'serviceIp' | 'label';

export interface IndexEntry {
  readonly index: IndexName;
  readonly value: string;
}

const serviceNameLabel = 'kubernetes.io/service-name';

interface WithPodIps { readonly status?: { readonly podIP?: string; readonly podIPs?: readonly { readonly ip: string }[] } }
interface WithEndpoints { readonly endpoints?: readonly { readonly targetRef?: { readonly kind?: string; readonly name?: string } }[] }
interface WithClusterIps { readonly spec?: { readonly clusterIP?: string; readonly clusterIPs?: readonly string[] } }

export function indexEntries(resource: ResourceId, object: ProjectedObject): IndexEntry[] {
  const { namespace, labels } = object.metadata;
  const entries: IndexEntry[] = [];
  if (namespace !== undefined) entries.push({ index: 'namespace', value: namespaceValue(resource, namespace) });
  for (const [key, value] of Object.entries(labels ?? {})) {
    entries.push({ index: 'label', value: labelValue(resource, namespace, key, value) });
  }
  if (resource === 'pods') {
    const status = (object as WithPodIps).status;
    const ips = new Set<string>();
    if (status?.podIP !== undefined && status.podIP !== '') ips.add(status.podIP);
    for (const { ip } of status?.podIPs ?? []) ips.add(ip);
    for (const ip of ips) entries.push({ index: 'podIp', value: ip });
  }
  if (resource === 'pods' && namespace !== undefined) {
    const owner = object.metadata.ownerReferences?.find((reference) => reference.controller === true);
    if (owner !== undefined) entries.push({ index: 'podOwner', value: `${namespace}/${owner.kind}/${owner.name}` });
  }
  if (resource === 'endpointslices.discovery.k8s.io' && namespace !== undefined) {
    const service = labels?.[serviceNameLabel];
    if (service !== undefined) entries.push({ index: 'sliceService', value: `${namespace}/${service}` });
    const pods = new Set<string>();
    for (const endpoint of (object as WithEndpoints).endpoints ?? []) {
      if (endpoint.targetRef?.kind === 'Pod' && endpoint.targetRef.name !== undefined) pods.add(endpoint.targetRef.name);
    }
    for (const pod of pods) entries.push({ index: 'slicePod', value: `${namespace}/${pod}` });
  }
  if (resource === 'services') {
    const spec = (object as WithClusterIps).spec;
    const ips = new Set([spec?.clusterIP, ...(spec?.clusterIPs ?? [])]);
    for (const ip of ips) if (ip !== undefined && ip !== '' && ip !== 'None') entries.push({ index: 'serviceIp', value: ip });
  }
  return entries;
}

export function namespaceValue(resource: ResourceId, namespace: string): string {
  return `${resource}/${namespace}`;
}

export function labelValue(resource: ResourceId, namespace: string | undefined, key: string, value: string): string {
  return `${resource}/${namespace ?? ''}/${key}=${value}`;
}
