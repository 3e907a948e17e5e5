/**
 * Endpoints: for each Service port, the ready addresses behind it, with everything a proxy needs
 * to reach each one (what Destination.Get streams).
 *
 * Key: `<namespace>/<service>:<port>` (the Service's port number). Items are named `<ip>:<port>`
 * with the target port from the EndpointSlice whose port name matches the Service port's name.
 * An endpoint counts as ready unless `conditions.ready` is false (Kubernetes: unset means ready).
 * FQDN slices carry no addresses and are ignored. A Service or port that does not exist has no view.
 * Each item carries its pod's metric labels, TLS identity and protocol hint (pod-endpoint.ts), and
 * the hostname, node and zone hints that per-subscriber filters need.
 *
 * What makes a key due: its Service, its EndpointSlices, the pods they point at, those pods'
 * ReplicaSets and Jobs (owner names are labels), and its namespace (opaque-ports default).
 */
import { objectKey } from '../informers/kind.js';
import type { EndpointSlice } from '../informers/kinds/endpoint-slice.js';
import type { Pod } from '../informers/kinds/pod.js';
import type { Service } from '../informers/kinds/service.js';
import type { ProjectedObject, ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import { type Snapshot, snapshotOf } from '../streams/snapshot.js';
import type { MeshConfig } from './mesh-config.js';
import { opaquePortsAnnotation, podEndpoint, type PodEndpoint } from './pod-endpoint.js';
import { parsePortSet } from './port-set.js';
import type { Reconciler } from './reconciler.js';

export interface EndpointAddress extends Partial<PodEndpoint> {
  readonly address: string;
  readonly port: number;
  readonly pod?: string;
  readonly node?: string;
  readonly zone?: string;
  readonly hostname?: string;
  /** Topology hints: the zones this endpoint should serve. */
  readonly forZones?: readonly string[];
}

const services = 'services' as ResourceId;
const slices = 'endpointslices.discovery.k8s.io' as ResourceId;
const pods = 'pods' as ResourceId;
const namespaces = 'namespaces' as ResourceId;
const owners: ReadonlyMap<string, string> = new Map([['replicasets.apps', 'ReplicaSet'], ['jobs.batch', 'Job']]);
const serviceNameLabel = 'kubernetes.io/service-name';

export function endpointsReconciler(config: MeshConfig): Reconciler<EndpointAddress> {
  return {
    name: 'endpoints',

    *affected(change, view) {
      const objects = [change.before, change.after].filter((object): object is ProjectedObject => object !== undefined);
      if (change.resource === services) {
        for (const object of objects) yield* serviceKeys(object as Service);
      } else if (change.resource === slices) {
        yield* keysOfSlices(view, objects as EndpointSlice[]);
      } else if (change.resource === pods) {
        for (const pod of objects) yield* keysOfSlices(view, view.byIndex<EndpointSlice>('slicePod', `${pod.metadata.namespace}/${pod.metadata.name}`));
      } else if (change.resource === namespaces) {
        for (const service of view.list<Service>(services, objects[0]?.metadata.name)) yield* serviceKeys(service);
      } else if (owners.has(change.resource)) {
        for (const owner of objects) {
          for (const pod of view.byIndex('podOwner', `${owner.metadata.namespace}/${owners.get(change.resource)}/${owner.metadata.name}`)) {
            yield* keysOfSlices(view, view.byIndex<EndpointSlice>('slicePod', `${pod.metadata.namespace}/${pod.metadata.name}`));
          }
        }
      }
    },

    reconcile(view, key) {
      const parsed = parseEndpointsKey(key);
      if (parsed === undefined) return undefined;
      const service = view.get<Service>(objectKey(services, parsed.namespace, parsed.name));
      const servicePort = service?.spec.ports?.find((port) => port.port === parsed.port);
      if (service === undefined || servicePort === undefined) return undefined;
      const serviceOpaque = parsePortSet(service.metadata.annotations?.[opaquePortsAnnotation] ?? '').has(servicePort.port, servicePort.name);
      return readyAddresses(view, config, service, servicePort.name ?? '', serviceOpaque);
    },

    *keys(view) {
      for (const service of view.list<Service>(services)) yield* serviceKeys(service);
    },
  };
}

function readyAddresses(view: StoreView, config: MeshConfig, service: Service, portName: string, serviceOpaque: boolean): Snapshot<EndpointAddress> {
  const { namespace } = service.metadata;
  const entries: (readonly [string, EndpointAddress])[] = [];
  for (const slice of view.byIndex<EndpointSlice>('sliceService', `${namespace}/${service.metadata.name}`)) {
    if (slice.addressType === 'FQDN') continue;
    const port = slice.ports.find((candidate) => (candidate.name ?? '') === portName)?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints) {
      if (endpoint.conditions?.ready === false) continue;
      const podName = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined;
      const pod = podName === undefined ? undefined : view.get<Pod>(objectKey(pods, namespace, podName));
      const meta = pod === undefined ? undefined : podEndpoint(view, config, pod, port, serviceOpaque);
      for (const address of endpoint.addresses) {
        entries.push([`${address}:${port}`, compact({
          address, port, pod: podName, node: endpoint.nodeName, zone: endpoint.zone, hostname: endpoint.hostname,
          forZones: endpoint.hints?.forZones?.map((zone) => zone.name),
          labels: meta?.labels, identity: meta?.identity, protocol: meta?.protocol ?? (serviceOpaque ? 'opaque' : undefined),
          opaqueTransportPort: meta?.opaqueTransportPort,
        })]);
      }
    }
  }
  return snapshotOf(entries);
}

function* keysOfSlices(view: StoreView, objects: readonly EndpointSlice[]): Generator<string> {
  const names = new Set<string>();
  for (const object of objects) {
    const name = object.metadata.labels?.[serviceNameLabel];
    if (name !== undefined) names.add(`${object.metadata.namespace}/${name}`);
  }
  for (const name of names) {
    const [namespace = '', service = ''] = name.split('/');
    const found = view.get<Service>(objectKey(services, namespace, service));
    if (found !== undefined) yield* serviceKeys(found);
  }
}

function* serviceKeys(service: Service): Generator<string> {
  for (const port of service.spec.ports ?? []) yield `${service.metadata.namespace}/${service.metadata.name}:${port.port}`;
}

export function parseEndpointsKey(key: string): { namespace: string; name: string; port: number } | undefined {
  const match = /^([^/]+)\/([^/:]+):(\d+)$/.exec(key);
  if (match === null) return undefined;
  return { namespace: match[1] as string, name: match[2] as string, port: Number(match[3]) };
}

/** Drops undefined fields, so equal addresses hash to equal versions however they were built. */
function compact(address: { [K in keyof EndpointAddress]: EndpointAddress[K] | undefined }): EndpointAddress {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(address)) if (value !== undefined) out[name] = value;
  return out as unknown as EndpointAddress;
}
