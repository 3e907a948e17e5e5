/**
 * One client's outbound policy for one Service port, from the Service's outbound view items
 * (src/reconcilers/outbound-items.ts). Pure: the same items and target give the same message.
 *
 * As Linkerd composes it:
 * - An opaque port gets the opaque protocol with one default route (`opaq`) to the Service.
 * - Otherwise the routes that apply are those attached to this port (or to every port), from the
 *   Service's namespace (producer routes, for every client) or from the client's namespace
 *   (consumer routes, for that namespace's clients only), oldest first, then by name.
 * - If any GRPCRoute applies, the protocol is gRPC with the GRPCRoutes only (an HTTPRoute on the
 *   same parent is conflicted, per Gateway API).
 * - Otherwise the proxy detects HTTP/1 or HTTP/2 (10 s), with the HTTPRoutes of both groups, or
 *   Linkerd's default route (`http`: every path, to the Service, with its retries and timeouts)
 *   when none applies; anything else takes the opaque route.
 * - Failure accrual comes from the Service; the policy is labelled with the Service and port.
 */
import type { Metadata } from '../../gen/proto/io/linkerd/proxy/meta/Metadata.js';
import type { Backend } from '../../gen/proto/io/linkerd/proxy/outbound/Backend.js';
import type { GrpcRoute } from '../../gen/proto/io/linkerd/proxy/outbound/GrpcRoute.js';
import type { HttpRoute } from '../../gen/proto/io/linkerd/proxy/outbound/HttpRoute.js';
import type { OpaqueRoute } from '../../gen/proto/io/linkerd/proxy/outbound/OpaqueRoute.js';
import type { OutboundPolicy } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import { serviceBackend, serviceMetadata } from '../../reconcilers/outbound-backends.js';
import { protoDuration } from '../../reconcilers/outbound-durations.js';
import type { OutboundItem, OutboundRouteItem, OutboundServiceItem } from '../../reconcilers/outbound-items.js';
import { parsePortSet } from '../../reconcilers/port-set.js';

export interface OutboundTarget {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  /** The client's namespace, for consumer routes; undefined: producer routes only. */
  readonly clientNamespace: string | undefined;
}

export const detectTimeout = protoDuration(10_000);

export function clientPolicy(items: Iterable<OutboundItem>, target: OutboundTarget, clusterDomain: string): OutboundPolicy | undefined {
  let service: OutboundServiceItem | undefined;
  const routes: OutboundRouteItem[] = [];
  for (const item of items) {
    if (item.type === 'service') service = item;
    else routes.push(item);
  }
  if (service === undefined) return undefined;
  const ref = { namespace: target.namespace, name: target.name, port: target.port };
  const backend = serviceBackend(ref, clusterDomain);
  const metadata = serviceMetadata(ref);
  const opaque = { routes: [opaqueRoute(backend, { default: 'opaq' })] };
  if (parsePortSet(service.opaquePorts).has(target.port)) return { metadata, protocol: { opaque } };

  const applicable = routes
    .filter((route) => (route.ports === null || route.ports.includes(target.port))
      && (route.namespace === service.namespace || route.namespace === target.clientNamespace))
    .sort(precedence);
  const failure_accrual = service.failureAccrual;
  const grpc = applicable.flatMap((route) => (route.kind === 'GRPCRoute' ? [withBackend(route.route, backend)] : []));
  if (grpc.length > 0) return { metadata, protocol: { grpc: { routes: grpc, failure_accrual } } };
  const http = applicable.flatMap((route) => (route.kind === 'HTTPRoute' ? [withBackend(route.route, backend)] : []));
  const httpRoutes = http.length > 0 ? http : [defaultHttpRoute(service, backend)];
  return {
    metadata,
    protocol: {
      detect: {
        timeout: detectTimeout,
        opaque,
        http1: { routes: httpRoutes, failure_accrual },
        http2: { routes: httpRoutes, failure_accrual },
      },
    },
  };
}

/** Oldest first (routes without a creation time last), then by name; namespace and group break ties. */
function precedence(a: OutboundRouteItem, b: OutboundRouteItem): number {
  if (a.createdAt !== b.createdAt) {
    if (a.createdAt === null) return 1;
    if (b.createdAt === null) return -1;
    const byTime = Date.parse(a.createdAt) - Date.parse(b.createdAt);
    if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  }
  const keyOf = (route: OutboundRouteItem): string[] => [route.name, route.namespace, route.group, route.kind];
  const [left, right] = [keyOf(a), keyOf(b)];
  for (let i = 0; i < left.length; i++) {
    if (left[i] !== right[i]) return (left[i] as string) < (right[i] as string) ? -1 : 1;
  }
  return 0;
}

/** Fills in the Service itself for every rule that has no backends of its own. */
function withBackend<R extends HttpRoute | GrpcRoute>(route: R, backend: Backend): R {
  const rules = (route.rules ?? []).map((rule) => (rule.backends == null
    ? { ...rule, backends: { first_available: { backends: [{ backend, filters: [] }] } } }
    : rule));
  return { ...route, rules };
}

function defaultHttpRoute(service: OutboundServiceItem, backend: Backend): HttpRoute {
  return {
    metadata: { default: 'http' },
    hosts: [],
    rules: [{
      matches: [{ path: { prefix: '/' } }],
      filters: [],
      backends: { first_available: { backends: [{ backend, filters: [] }] } },
      requestTimeout: service.timeouts.request ?? null,
      timeouts: service.timeouts,
      retry: service.httpRetry,
      allow_l5d_request_headers: false,
    }],
  };
}

export function opaqueRoute(backend: Backend, metadata: Metadata): OpaqueRoute {
  return {
    metadata,
    rules: [{ backends: { first_available: { backends: [{ backend, filters: [] }] } }, filters: [] }],
  };
}
