/**
 * An HTTPRoute (Linkerd's policy.linkerd.io or Gateway API's) attached to a Service, as the proxy
 * API's outbound `HttpRoute`.
 *
 * Matches: a path is a prefix unless it says otherwise, `/` if it has no value, and must be
 * absolute; header and query-parameter matches are exact unless they say RegularExpression; a rule
 * with no matches has none (as Linkerd sends it). Rule filters: request and response header
 * modifiers and redirects; a URLRewrite, RequestMirror or ExtensionRef filter makes the whole route
 * unusable (RouteTranslationError), as in Linkerd. Backends: outbound-backend-refs.ts; a rule
 * without backendRefs sends to the Service itself (`backends: null`, see outbound-items.ts).
 * Retries and timeouts: the route's annotations, else the Service's (route-parts.ts);
 * a Gateway API `timeouts.request` counts as a route timeout, for both kinds. `backendRequest` is
 * not translated (the proxy API's per-backend timeout is ignored by current proxies).
 */
import type { Timeouts } from '../gen/proto/io/linkerd/proxy/http_route/Timeouts.js';
import type {
  _io_linkerd_proxy_outbound_HttpRoute_Filter as RouteFilter,
  _io_linkerd_proxy_outbound_HttpRoute_Rule as RouteRule,
} from '../gen/proto/io/linkerd/proxy/outbound/HttpRoute.js';
import type { ValidGatewayHttpRoute } from '../informers/kinds/gateway-http-route.js';
import type { ValidHttpRoute } from '../informers/kinds/http-route.js';
import type { HttpRouteFilter, HttpRouteRule } from '../informers/kinds/http-route-spec.js';
import { type HttpRetry, readHttpRetry, readTimeouts } from './outbound-annotations.js';
import { type BackendContext, type FilterWriter, weightedBackend } from './outbound-backend-refs.js';
import { protoDuration } from './outbound-durations.js';
import type { OutboundHttpRouteItem, OutboundServiceItem } from './outbound-items.js';
import { effectiveTimeouts, headerModifier, hostMatch, httpMatch, requestRedirect, RouteTranslationError } from './route-parts.js';
import { parseDuration } from './go-duration.js';

type AnyHttpRoute = ValidHttpRoute | ValidGatewayHttpRoute;

export interface RouteContext extends BackendContext {
  readonly service: Pick<OutboundServiceItem, 'timeouts' | 'httpRetry' | 'grpcRetry'>;
}

export function httpRouteItem(route: AnyHttpRoute, group: string, ports: readonly number[] | null, context: RouteContext): OutboundHttpRouteItem {
  const annotations = route.metadata.annotations ?? {};
  const timeouts = readTimeouts(annotations);
  if (!timeouts.ok) throw new RouteTranslationError(timeouts.problem);
  const retry = readHttpRetry(annotations);
  if (!retry.ok) throw new RouteTranslationError(retry.problem);
  const { namespace, name } = route.metadata;
  const rules = (route.spec.rules ?? []).map((rule, i) => httpRule(rule, `spec.rules[${i}]`, {
    ...context, routeTimeouts: timeouts.value, routeRetry: retry.value,
  }));
  return {
    type: 'route', kind: 'HTTPRoute', group, namespace, name,
    createdAt: route.metadata.creationTimestamp ?? null, ports,
    route: {
      metadata: { resource: { group, kind: 'HTTPRoute', namespace, name } },
      hosts: (route.spec.hostnames ?? []).map(hostMatch),
      rules,
    },
  };
}

interface RuleContext extends RouteContext {
  readonly routeTimeouts: Timeouts;
  readonly routeRetry: HttpRetry | null;
}

const httpFilters: FilterWriter<HttpRouteFilter, RouteFilter> = {
  translate: httpFilter,
  failure: (message) => ({ failure_injector: { status: 500, message, ratio: null } }),
  missingServiceMetadata: 'service',
};

function httpRule(rule: HttpRouteRule, where: string, context: RuleContext): RouteRule {
  const requestText = rule.timeouts?.request;
  const requestMs = requestText === undefined ? undefined : parseDuration(requestText);
  const timeouts = effectiveTimeouts(context.routeTimeouts, requestMs === undefined || requestMs === 0 ? null : protoDuration(requestMs),
    context.service.timeouts);
  const refs = rule.backendRefs ?? [];
  return {
    matches: (rule.matches ?? []).map((match, i) => httpMatch(match, `${where}.matches[${i}]`)),
    filters: (rule.filters ?? []).map(httpFilter),
    backends: refs.length === 0 ? null : { random_available: { backends: refs.map((ref) => weightedBackend(ref, context, httpFilters)) } },
    requestTimeout: timeouts.request ?? null,
    timeouts,
    retry: context.routeRetry ?? context.service.httpRetry,
    allow_l5d_request_headers: false,
  };
}

function httpFilter(filter: HttpRouteFilter): RouteFilter {
  switch (filter.type) {
    case 'RequestHeaderModifier': return { request_header_modifier: headerModifier(filter.requestHeaderModifier) };
    case 'ResponseHeaderModifier': return { response_header_modifier: headerModifier(filter.responseHeaderModifier) };
    case 'RequestRedirect': return { redirect: requestRedirect(filter.requestRedirect) };
    default: throw new RouteTranslationError(`${filter.type} filter is not supported`);
  }
}
