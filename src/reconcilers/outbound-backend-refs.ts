/**
 * A route rule's `backendRefs`, as the proxy's weighted route backends (the same for HTTPRoute and
 * GRPCRoute but for their filter types).
 *
 * Per Linkerd: a backend is a Service unless its group or kind says otherwise (group `core` or
 * empty, kind `Service` or absent); its namespace defaults to the route's; its weight to 1 (0 means
 * no traffic). A Service backend needs a port. A backend that is another kind, has no port, names
 * a Service that does not exist, or carries a filter that cannot be translated becomes an unusable
 * backend (outbound-backends.ts) with its weight and a filter that fails its share of requests
 * with the reason; the rest of the rule stays as it is.
 */
import type { Backend } from '../gen/proto/io/linkerd/proxy/outbound/Backend.js';
import type { Metadata } from '../gen/proto/io/linkerd/proxy/meta/Metadata.js';
import { invalidMetadata, serviceBackend, serviceMetadata, unusableBackend } from './outbound-backends.js';
import { isServiceRef, RouteTranslationError } from './route-parts.js';

export interface BackendContext {
  readonly routeNamespace: string;
  readonly clusterDomain: string;
  readonly serviceExists: (namespace: string, name: string) => boolean;
}

interface BackendRefLike<F> {
  readonly group?: string | undefined;
  readonly kind?: string | undefined;
  readonly name: string;
  readonly namespace?: string | undefined;
  readonly port?: number | undefined;
  readonly weight?: number | undefined;
  readonly filters?: readonly F[] | undefined;
}

/** How one route kind writes its filters: translating a route filter, and failing requests. */
export interface FilterWriter<F, P> {
  translate(filter: F): P;
  failure(message: string): P;
  /** What a backend naming a missing Service is labelled with (Linkerd differs by kind). */
  readonly missingServiceMetadata: 'service' | 'invalid';
}

export interface WeightedBackend<P> {
  readonly weight: number;
  readonly backend: { readonly backend: Backend; readonly filters: P[] };
}

export function weightedBackend<F, P>(ref: BackendRefLike<F>, context: BackendContext, writer: FilterWriter<F, P>): WeightedBackend<P> {
  const weight = ref.weight ?? 1;
  const unusable = (metadata: Metadata, message: string): WeightedBackend<P> => ({
    weight, backend: { backend: unusableBackend(metadata), filters: [writer.failure(message)] },
  });
  if (!isServiceRef({ group: ref.group, kind: ref.kind ?? 'Service' })) {
    return unusable(invalidMetadata, `unsupported backend type ${ref.group === undefined || ref.group === '' ? 'core' : ref.group} ${ref.kind ?? '<empty>'}`);
  }
  if (ref.port === undefined) return unusable(invalidMetadata, `missing port for backend Service ${ref.name}`);
  const service = { namespace: ref.namespace ?? context.routeNamespace, name: ref.name, port: ref.port };
  let filters: P[];
  try {
    filters = (ref.filters ?? []).map((filter) => writer.translate(filter));
  } catch (error) {
    if (!(error instanceof RouteTranslationError)) throw error;
    return unusable(invalidMetadata, `unsupported backend filter: ${error.message}`);
  }
  if (!context.serviceExists(service.namespace, service.name)) {
    return unusable(writer.missingServiceMetadata === 'service' ? serviceMetadata(service) : invalidMetadata, `Service not found ${service.name}`);
  }
  return { weight, backend: { backend: serviceBackend(service, context.clusterDomain), filters } };
}
