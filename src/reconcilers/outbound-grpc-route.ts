/**
 * A GRPCRoute attached to a Service, as the proxy API's outbound `GrpcRoute`.
 *
 * Matches: an exact service and/or method (an empty one matches any), and header matches. Rule
 * filters: request header modifiers. What the proxy API cannot say for gRPC — a RegularExpression
 * method match, a ResponseHeaderModifier, RequestMirror or ExtensionRef filter — makes the whole
 * route unusable (RouteTranslationError) rather than quietly different. Backends as for HTTP
 * (outbound-backend-refs.ts), failing an unusable backend's share with gRPC code 500 as Linkerd
 * does. Retries and timeouts: the route's annotations (`retry.linkerd.io/grpc`), else the Service's.
 */
import type {
  _io_linkerd_proxy_outbound_GrpcRoute_Filter as RouteFilter,
  _io_linkerd_proxy_outbound_GrpcRoute_Rule as RouteRule,
} from '../gen/proto/io/linkerd/proxy/outbound/GrpcRoute.js';
import type { GrpcRouteFilter, ValidGrpcRoute } from '../informers/kinds/grpc-route.js';
import { readGrpcRetry, readTimeouts } from './outbound-annotations.js';
import { type FilterWriter, weightedBackend } from './outbound-backend-refs.js';
import type { RouteContext } from './outbound-http-route.js';
import type { OutboundGrpcRouteItem } from './outbound-items.js';
import { effectiveTimeouts, grpcMatch, headerModifier, hostMatch, RouteTranslationError } from './route-parts.js';

const grpcFilters: FilterWriter<GrpcRouteFilter, RouteFilter> = {
  translate: grpcFilter,
  failure: (message) => ({ failure_injector: { code: 500, message, ratio: null } }),
  missingServiceMetadata: 'invalid',
};

export const grpcRouteGroup = 'gateway.networking.k8s.io';

export function grpcRouteItem(route: ValidGrpcRoute, ports: readonly number[] | null, context: RouteContext): OutboundGrpcRouteItem {
  const annotations = route.metadata.annotations ?? {};
  const timeouts = readTimeouts(annotations);
  if (!timeouts.ok) throw new RouteTranslationError(timeouts.problem);
  const retry = readGrpcRetry(annotations);
  if (!retry.ok) throw new RouteTranslationError(retry.problem);
  const { namespace, name } = route.metadata;
  const rules = (route.spec.rules ?? []).map((rule, i): RouteRule => {
    const refs = rule.backendRefs ?? [];
    const ruleTimeouts = effectiveTimeouts(timeouts.value, null, context.service.timeouts);
    return {
      matches: (rule.matches ?? []).map((match, j) => grpcMatch(match, `spec.rules[${i}].matches[${j}]`)),
      filters: (rule.filters ?? []).map(grpcFilter),
      backends: refs.length === 0 ? null : { random_available: { backends: refs.map((ref) => weightedBackend(ref, context, grpcFilters)) } },
      requestTimeout: ruleTimeouts.request ?? null,
      timeouts: ruleTimeouts,
      retry: retry.value ?? context.service.grpcRetry,
      allow_l5d_request_headers: false,
    };
  });
  return {
    type: 'route', kind: 'GRPCRoute', group: grpcRouteGroup, namespace, name,
    createdAt: route.metadata.creationTimestamp ?? null, ports,
    route: {
      metadata: { resource: { group: grpcRouteGroup, kind: 'GRPCRoute', namespace, name } },
      hosts: (route.spec.hostnames ?? []).map(hostMatch),
      rules,
    },
  };
}

function grpcFilter(filter: GrpcRouteFilter): RouteFilter {
  if (filter.type === 'RequestHeaderModifier') return { request_header_modifier: headerModifier(filter.requestHeaderModifier) };
  throw new RouteTranslationError(`${filter.type} filter is not supported on gRPC routes`);
}
