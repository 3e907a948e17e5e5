/**
 * Outbound policy: per Service, what OutboundPolicies answers for it are made of (outbound-items.ts
 * describes the items; src/streams/policy/outbound-lens.ts turns them into one client's policy).
 *
 * Key: `<namespace>/<service>`; a Service that does not exist has no view. Items: `service`, and one
 * per usable route attached to the Service: HTTPRoutes of both groups (policy.linkerd.io and
 * gateway.networking.k8s.io) and GRPCRoutes, from any namespace (a route in another namespace is a
 * consumer route: the lens applies it to clients in that namespace only).
 *
 * Fail closed, the Linkerd way: a route that is not accepted is ignored as a whole, never applied in
 * part. Not accepted here: a route whose spec did not parse (the informer keeps it as invalid; with
 * no spec it cannot even be tied to a Service), and a route that cannot be translated — an
 * unsupported filter or match, an unreadable regular expression, a relative path, or retry and
 * timeout annotations that cannot be read. The Service then keeps its other routes, or its default
 * route. Malformed annotations on the Service itself are ignored with their defaults (no retries,
 * no timeouts, no failure accrual), as in Linkerd. Both cases are listed in the service item's
 * `problems`.
 *
 * What makes a key due: its Service (and, when a Service appears or goes, the Services whose routes
 * name it as a backend), its namespace (opaque-ports default), and any route whose parent
 * references name it, before or after the change. Level-based: everything is read afresh.
 */
import { objectKey } from '../informers/kind.js';
import { isInvalid } from '../informers/fail-closed.js';
import type { GatewayHttpRoute } from '../informers/kinds/gateway-http-route.js';
import type { GrpcRoute } from '../informers/kinds/grpc-route.js';
import type { HttpRoute } from '../informers/kinds/http-route.js';
import type { Namespace } from '../informers/kinds/namespace.js';
import type { Service } from '../informers/kinds/service.js';
import type { ProjectedObject, ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import { snapshotOf } from '../streams/snapshot.js';
import type { MeshConfig } from './mesh-config.js';
import { type Annotations, noTimeouts, type Parsed, readFailureAccrual, readGrpcRetry, readHttpRetry, readTimeouts } from './outbound-annotations.js';
import { grpcRouteItem } from './outbound-grpc-route.js';
import { httpRouteItem, type RouteContext } from './outbound-http-route.js';
import type { OutboundItem, OutboundServiceItem } from './outbound-items.js';
import { attachedPorts, parentServiceKeys, RouteTranslationError } from './route-parts.js';
import { opaquePortsAnnotation } from './pod-endpoint.js';
import type { Reconciler } from './reconciler.js';

const services = 'services' as ResourceId;
const namespaces = 'namespaces' as ResourceId;
export const linkerdHttpRoutes = 'httproutes.policy.linkerd.io' as ResourceId;
export const gatewayHttpRoutes = 'httproutes.gateway.networking.k8s.io' as ResourceId;
export const grpcRoutes = 'grpcroutes.gateway.networking.k8s.io' as ResourceId;
const routeResources: readonly ResourceId[] = [linkerdHttpRoutes, gatewayHttpRoutes, grpcRoutes];

type AnyRoute = HttpRoute | GatewayHttpRoute | GrpcRoute;

export function outboundPolicyReconciler(config: MeshConfig): Reconciler<OutboundItem> {
  return {
    name: 'outbound',

    *affected(change, view) {
      const objects = [change.before, change.after].filter((object): object is ProjectedObject => object !== undefined);
      if (change.resource === services) {
        for (const object of objects) yield `${object.metadata.namespace}/${object.metadata.name}`;
        const appeared = (change.before === undefined) !== (change.after === undefined);
        if (appeared && objects[0] !== undefined) yield* keysNamingBackend(view, objects[0].metadata.namespace ?? '', objects[0].metadata.name);
      } else if (change.resource === namespaces) {
        for (const service of view.list(services, objects[0]?.metadata.name)) yield `${service.metadata.namespace}/${service.metadata.name}`;
      } else if (routeResources.includes(change.resource)) {
        for (const route of objects as AnyRoute[]) {
          if (!isInvalid(route)) yield* parentServiceKeys(route.spec.parentRefs, route.metadata.namespace);
        }
      }
    },

    reconcile(view, key) {
      const [namespace = '', name = ''] = key.split('/');
      const service = view.get<Service>(objectKey(services, namespace, name));
      if (service === undefined) return undefined;
      const problems: string[] = [];
      const item = serviceItem(view, config, service, problems);
      const context: RouteContext = {
        routeNamespace: '', clusterDomain: config.clusterDomain, service: item,
        serviceExists: (ns, svc) => view.get(objectKey(services, ns, svc)) !== undefined,
      };
      const entries: (readonly [string, OutboundItem])[] = [];
      for (const resource of routeResources) {
        for (const route of view.list<AnyRoute>(resource)) {
          if (isInvalid(route)) continue;
          const ports = attachedPorts(route.spec.parentRefs, route.metadata.namespace, { namespace, name });
          if (ports === undefined) continue;
          const routeContext = { ...context, routeNamespace: route.metadata.namespace };
          const where = `${route.kind} ${route.metadata.namespace}/${route.metadata.name}`;
          try {
            if (route.kind === 'GRPCRoute') entries.push([`grpc:${route.metadata.namespace}/${route.metadata.name}`, grpcRouteItem(route, ports, routeContext)]);
            else {
              const group = route.apiVersion.slice(0, route.apiVersion.indexOf('/'));
              entries.push([`http:${group}/${route.metadata.namespace}/${route.metadata.name}`, httpRouteItem(route, group, ports, routeContext)]);
            }
          } catch (error) {
            if (!(error instanceof RouteTranslationError)) throw error;
            problems.push(`${where} is not used: ${error.message}`);
          }
        }
      }
      entries.push(['service', { ...item, problems: problems.sort() }]);
      return snapshotOf(entries);
    },

    *keys(view) {
      for (const service of view.list(services)) yield `${service.metadata.namespace}/${service.metadata.name}`;
    },
  };
}

function serviceItem(view: StoreView, config: MeshConfig, service: Service, problems: string[]): OutboundServiceItem {
  const annotations: Annotations = service.metadata.annotations ?? {};
  const where = `Service ${service.metadata.namespace}/${service.metadata.name}`;
  const orDefault = <T>(parsed: Parsed<T>, fallback: T, consequence: string): T => {
    if (parsed.ok) return parsed.value;
    problems.push(`${where}: ${parsed.problem}; ${consequence}`);
    return fallback;
  };
  return {
    type: 'service',
    namespace: service.metadata.namespace,
    name: service.metadata.name,
    opaquePorts: annotations[opaquePortsAnnotation]
      ?? view.get<Namespace>(objectKey(namespaces, undefined, service.metadata.namespace))?.metadata.annotations?.[opaquePortsAnnotation]
      ?? config.defaultOpaquePorts,
    failureAccrual: orDefault(readFailureAccrual(annotations), null, 'no failure accrual'),
    httpRetry: orDefault(readHttpRetry(annotations), null, 'no HTTP retries'),
    grpcRetry: orDefault(readGrpcRetry(annotations), null, 'no gRPC retries'),
    timeouts: orDefault(readTimeouts(annotations), noTimeouts, 'no timeouts'),
    problems: [],
  };
}

/** The Services whose routes send to `<namespace>/<name>` (its existence decides their backends). */
function* keysNamingBackend(view: StoreView, namespace: string, name: string): Iterable<string> {
  for (const resource of routeResources) {
    for (const route of view.list<AnyRoute>(resource)) {
      if (isInvalid(route)) continue;
      const names = (route.spec.rules ?? []).some((rule) => (rule.backendRefs ?? [])
        .some((ref) => ref.name === name && (ref.namespace ?? route.metadata.namespace) === namespace));
      if (names) yield* parentServiceKeys(route.spec.parentRefs, route.metadata.namespace);
    }
  }
}
