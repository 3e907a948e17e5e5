/**
 * Endpoints: for each Service port, the ready addresses behind it.
 *
 * Key: `<namespace>/<service>:<port>` (the Service's port number). Items are named `<ip>:<port>`
 * with the target port from the EndpointSlice whose port name matches the Service port's name.
 * An endpoint counts as ready unless `conditions.ready` is false (Kubernetes: unset means ready).
 * FQDN slices carry no addresses and are ignored. A Service or port that does not exist has no view.
 */
import { objectKey } from '../informers/kind.js';
import type { EndpointSlice } from '../informers/kinds/endpoint-slice.js';
import type { Service } from '../informers/kinds/service.js';
import type { ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import { type Snapshot, snapshotOf } from '../streams/snapshot.js';
import type { Reconciler } from './reconciler.js';

export interface EndpointAddress {
  readonly address: string;
  readonly port: number;
  readonly pod?: string;
  readonly node?: string;
  readonly zone?: string;
  readonly hostname?: string;
}

const services = 'services' as ResourceId;
const slices = 'endpointslices.discovery.k8s.io' as ResourceId;
const serviceNameLabel = 'kubernetes.io/service-name';

export const endpointsReconciler: Reconciler<EndpointAddress> = {
  name: 'endpoints',

  *affected(change, view) {
    if (change.resource === services) {
      for (const object of [change.before, change.after]) yield* serviceKeys(object as Service | undefined);
    } else if (change.resource === slices) {
      const names = new Set<string>();
      for (const object of [change.before, change.after]) {
        const name = object?.metadata.labels?.[serviceNameLabel];
        if (name !== undefined && object?.metadata.namespace !== undefined) names.add(`${object.metadata.namespace}/${name}`);
      }
      for (const name of names) {
        const [namespace = '', service = ''] = name.split('/');
        yield* serviceKeys(view.get<Service>(objectKey(services, namespace, service)));
      }
    }
  },

  reconcile(view, key) {
    const parsed = parseKey(key);
    if (parsed === undefined) return undefined;
    const service = view.get<Service>(objectKey(services, parsed.namespace, parsed.name));
    const servicePort = service?.spec.ports?.find((port) => port.port === parsed.port);
    if (servicePort === undefined) return undefined;
    return readyAddresses(view, `${parsed.namespace}/${parsed.name}`, servicePort.name ?? '');
  },

  *keys(view) {
    for (const service of view.list<Service>(services)) yield* serviceKeys(service);
  },
};

function readyAddresses(view: StoreView, service: string, portName: string): Snapshot<EndpointAddress> {
  const entries: (readonly [string, EndpointAddress])[] = [];
  for (const slice of view.byIndex<EndpointSlice>('sliceService', service)) {
    if (slice.addressType === 'FQDN') continue;
    const port = slice.ports.find((candidate) => (candidate.name ?? '') === portName)?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints) {
      if (endpoint.conditions?.ready === false) continue;
      for (const address of endpoint.addresses) {
        entries.push([`${address}:${port}`, compact({
          address, port,
          pod: endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined,
          node: endpoint.nodeName, zone: endpoint.zone, hostname: endpoint.hostname,
        })]);
      }
    }
  }
  return snapshotOf(entries);
}

function* serviceKeys(service: Service | undefined): Generator<string> {
  if (service === undefined) return;
  for (const port of service.spec.ports ?? []) yield `${service.metadata.namespace}/${service.metadata.name}:${port.port}`;
}

function parseKey(key: string): { namespace: string; name: string; port: number } | undefined {
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

