/**
 * The resources a fake API server serves: group, version, plural, kind and scope of each.
 *
 * Contract: a resource is known by its resource id (`pods`, `endpointslices.discovery.k8s.io`, the
 * same ids `resourceId()` in src/informers/kind.ts makes) and by its API path segments. Registering
 * a resource twice replaces the first registration; nothing is ever unregistered. A `KindSpec` is a
 * `FakeResource`, so a test can register the kinds Sinew watches directly.
 */
import { apiVersionOf, resourceId } from '../../src/informers/kind.js';
import type { ResourceId } from '../../src/informers/object.js';

export interface FakeResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** A resource as the server holds it: with its id and apiVersion worked out once. */
export interface ServedResource extends FakeResource {
  readonly id: ResourceId;
  readonly apiVersion: string;
}

/** A resource named by id (`'pods'`) or by anything carrying its plural and group (a `KindSpec`). */
export type ResourceRef = string | { readonly plural: string; readonly group: string };

export const DEFAULT_RESOURCES: readonly FakeResource[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
];

export function refId(ref: ResourceRef): ResourceId {
  return typeof ref === 'string' ? (ref as ResourceId) : resourceId(ref);
}

export class ResourceRegistry {
  private readonly byId = new Map<ResourceId, ServedResource>();

  constructor(resources: readonly FakeResource[]) {
    for (const r of resources) this.add(r);
  }

  add(r: FakeResource): ServedResource {
    const served: ServedResource = {
      group: r.group, version: r.version, plural: r.plural, kind: r.kind, namespaced: r.namespaced,
      id: resourceId(r), apiVersion: apiVersionOf(r),
    };
    this.byId.set(served.id, served);
    return served;
  }

  /** The resource with this id, or undefined. */
  find(ref: ResourceRef): ServedResource | undefined {
    return this.byId.get(refId(ref));
  }

  /** The resource served at `/api[s]/{group}/{version}/.../{plural}`, or undefined. */
  atPath(group: string, version: string, plural: string): ServedResource | undefined {
    const r = this.byId.get(resourceId({ group, plural }));
    return r !== undefined && r.version === version ? r : undefined;
  }

  all(): readonly ServedResource[] {
    return [...this.byId.values()];
  }
}
