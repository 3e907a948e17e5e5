/**
 * An `OutboundPolicy` message compiled for per-request routing, once per message object (cached;
 * a message Linkerd's proxy would refuse compiles to its InvalidPolicyError, also once).
 *
 * Per HTTP or gRPC rule: the route's labels (with the policy's parent), its backends
 * (outbound-backends.ts, the protocol's failure accrual on balancers), its filters and its
 * backends' filters, its timeouts (`timeouts`, or the older `requestTimeout` for the request
 * timeout), its retry policy (HTTP: status ranges, none listed meaning 500-599; gRPC: the listed
 * status codes) and whether `l5d-*` request headers may override it. A rule whose result does not
 * depend on the request (no redirect filter) has its RouteChoice built here, once.
 * Opaque and TLS routes keep their first rule, as Linkerd's proxy does.
 */
import type { GrpcRoute__Output } from '../../gen/proto/io/linkerd/proxy/outbound/GrpcRoute.js';
import type { HttpRoute__Output } from '../../gen/proto/io/linkerd/proxy/outbound/HttpRoute.js';
import type { OpaqueRoute__Output } from '../../gen/proto/io/linkerd/proxy/outbound/OpaqueRoute.js';
import type { OutboundPolicy__Output } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import type { TlsRoute__Output } from '../../gen/proto/io/linkerd/proxy/outbound/TlsRoute.js';
import { compileGrpcRoute, type GrpcRouteLike } from './grpc-route-match.js';
import { compileHostMatch, type CompiledHostMatch } from './host-match.js';
import { compileHttpRoute, type HttpRouteLike } from './http-route-match.js';
import { InvalidPolicyError, memoizeCompile } from './invalid-policy.js';
import { compileBackoff, compileDistribution, compileFailureAccrual, type Backend, type CompiledDistribution, type FailureAccrualParams } from './outbound-backends.js';
import { metaOf, outboundRouteLabels, type OutboundRouteLabels, type PolicyMeta } from './policy-labels.js';
import { optionalMs, requiredMs } from './proto-duration.js';
import { compileFilters, type CompiledFilters, type FilterAction, type FilterMessage } from './route-filters.js';
import { compileOpaqueFilters, type OpaqueChoice } from './opaque-route.js';
import type { RetryPolicy, RouteChoice, Timeouts } from './route-choice.js';

export type OutboundProtocol = 'detect' | 'opaque' | 'http1' | 'http2' | 'grpc' | 'tls';

export interface CompiledRule {
  readonly labels: OutboundRouteLabels;
  readonly ruleIndex: number;
  readonly distribution: CompiledDistribution<CompiledFilters>;
  readonly filters: CompiledFilters;
  readonly timeouts: Timeouts;
  readonly requestTimeoutMs: number | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly allowL5dRequestHeaders: boolean;
  /** The choice itself when nothing in it depends on the request. */
  readonly fixed: RouteChoice | undefined;
}

export interface RouteSet<R> {
  readonly routes: readonly R[];
  /** `rules[i][j]`: rule j of routes[i]. */
  readonly rules: readonly (readonly CompiledRule[])[];
}

export interface CompiledOutbound {
  readonly protocol: OutboundProtocol;
  readonly parent: PolicyMeta;
  readonly detectTimeoutMs: number | undefined;
  readonly http1?: RouteSet<HttpRouteLike> | undefined;
  readonly http2?: RouteSet<HttpRouteLike> | undefined;
  readonly grpc?: RouteSet<GrpcRouteLike> | undefined;
  readonly opaque?: OpaqueChoice | undefined;
  readonly tls?: readonly { readonly snis: readonly CompiledHostMatch[]; readonly choice: OpaqueChoice | undefined }[] | undefined;
}

export const compiledOutbound = memoizeCompile(compileOutbound);

function compileOutbound(policy: OutboundPolicy__Output): CompiledOutbound {
  const parent = metaOf(policy.metadata, 'OutboundPolicy');
  const proto = policy.protocol;
  if (proto === null) throw new InvalidPolicyError('OutboundPolicy.protocol: missing');
  const kinds: readonly OutboundProtocol[] = ['detect', 'opaque', 'http1', 'http2', 'grpc', 'tls'];
  const protocol = proto.kind ?? kinds.find((kind) => proto[kind] != null);
  const where = `OutboundPolicy.protocol.${protocol ?? ''}`;
  const base = { protocol, parent, detectTimeoutMs: undefined };
  switch (protocol) {
    case 'detect': {
      const detect = proto.detect;
      if (detect?.http1 == null || detect.http2 == null || detect.opaque == null) throw new InvalidPolicyError(`${where}: needs http1, http2 and opaque`);
      return {
        ...base, protocol, detectTimeoutMs: requiredMs(detect.timeout, `${where}.timeout`),
        http1: httpSet(detect.http1.routes, parent, compileFailureAccrual(detect.http1.failure_accrual, `${where}.http1.failure_accrual`), `${where}.http1`),
        http2: httpSet(detect.http2.routes, parent, compileFailureAccrual(detect.http2.failure_accrual, `${where}.http2.failure_accrual`), `${where}.http2`),
        opaque: opaqueChoice(detect.opaque.routes[0], parent, `${where}.opaque.routes[0]`),
      };
    }
    case 'http1': case 'http2': {
      const http = proto[protocol];
      if (http == null) throw new InvalidPolicyError(`${where}: missing`);
      const set = httpSet(http.routes, parent, compileFailureAccrual(http.failure_accrual, `${where}.failure_accrual`), where);
      return protocol === 'http1' ? { ...base, protocol, http1: set } : { ...base, protocol, http2: set };
    }
    case 'grpc': {
      const grpc = proto.grpc;
      if (grpc == null) throw new InvalidPolicyError(`${where}: missing`);
      return { ...base, protocol, grpc: grpcSet(grpc.routes, parent, compileFailureAccrual(grpc.failure_accrual, `${where}.failure_accrual`), where) };
    }
    case 'opaque': return { ...base, protocol, opaque: opaqueChoice(proto.opaque?.routes[0], parent, `${where}.routes[0]`) };
    case 'tls': return { ...base, protocol, tls: (proto.tls?.routes ?? []).map((route, i) => tlsRoute(route, parent, `${where}.routes[${i}]`)) };
    case undefined: throw new InvalidPolicyError('OutboundPolicy.protocol: no kind');
  }
}

function httpSet(routes: readonly HttpRoute__Output[], parent: PolicyMeta, accrual: FailureAccrualParams | undefined, where: string): RouteSet<HttpRouteLike> {
  return {
    routes,
    rules: routes.map((route, i) => {
      compileHttpRoute(route, `${where}.routes[${i}]`);
      const labels = outboundRouteLabels(parent, metaOf(route.metadata, `${where}.routes[${i}]`));
      return route.rules.map((rule, r) => compileRule(rule, r, labels, 'http', accrual, `${where}.routes[${i}].rules[${r}]`));
    }),
  };
}

function grpcSet(routes: readonly GrpcRoute__Output[], parent: PolicyMeta, accrual: FailureAccrualParams | undefined, where: string): RouteSet<GrpcRouteLike> {
  return {
    routes,
    rules: routes.map((route, i) => {
      compileGrpcRoute(route, `${where}.routes[${i}]`);
      const labels = outboundRouteLabels(parent, metaOf(route.metadata, `${where}.routes[${i}]`));
      return route.rules.map((rule, r) => compileRule(rule, r, labels, 'grpc', accrual, `${where}.routes[${i}].rules[${r}]`));
    }),
  };
}

type RuleMessage = HttpRoute__Output['rules'][number] | GrpcRoute__Output['rules'][number];

function compileRule(rule: RuleMessage, ruleIndex: number, labels: OutboundRouteLabels, protocol: 'http' | 'grpc', accrual: FailureAccrualParams | undefined, where: string): CompiledRule {
  const distribution = compileDistribution<FilterMessage, CompiledFilters>(rule.backends, {
    failureAccrual: accrual, compileFilters: (filters, at) => compileFilters(filters, protocol, at),
  }, `${where}.backends`);
  const timeouts: Timeouts = {
    requestMs: optionalMs(rule.timeouts?.request, `${where}.timeouts.request`),
    responseMs: optionalMs(rule.timeouts?.response, `${where}.timeouts.response`),
    idleMs: optionalMs(rule.timeouts?.idle, `${where}.timeouts.idle`),
  };
  const compiled = {
    labels, ruleIndex, distribution, timeouts,
    filters: compileFilters(rule.filters, protocol, `${where}.filters`),
    requestTimeoutMs: timeouts.requestMs ?? optionalMs(rule.requestTimeout, `${where}.requestTimeout`),
    retry: retryOf(rule, protocol, `${where}.retry`),
    allowL5dRequestHeaders: rule.allow_l5d_request_headers,
  };
  const backends = fixedBackends(distribution);
  const fixed = compiled.filters.fixed !== undefined && backends !== undefined ? choiceOf(compiled, compiled.filters.fixed, backends) : undefined;
  return { ...compiled, fixed };
}

export function fixedBackends(distribution: CompiledDistribution<CompiledFilters>): readonly Backend<readonly FilterAction[]>[] | undefined {
  const backends: Backend<readonly FilterAction[]>[] = [];
  for (const backend of distribution.backends) {
    if (backend.filters.fixed === undefined) return undefined;
    backends.push({ ...backend, filters: backend.filters.fixed });
  }
  return backends;
}

export function choiceOf(rule: Omit<CompiledRule, 'fixed'>, filters: readonly FilterAction[], backends: readonly Backend<readonly FilterAction[]>[]): RouteChoice {
  return {
    kind: 'route', labels: rule.labels, ruleIndex: rule.ruleIndex, distribution: rule.distribution.kind, backends, filters,
    timeouts: rule.timeouts, requestTimeoutMs: rule.requestTimeoutMs, retry: rule.retry, allowL5dRequestHeaders: rule.allowL5dRequestHeaders,
  };
}

const grpcCodes = { cancelled: 1, deadine_exceeded: 4, resource_exhausted: 8, internal: 13, unavailable: 14 } as const;

function retryOf(rule: RuleMessage, protocol: 'http' | 'grpc', where: string): RetryPolicy | undefined {
  const retry = rule.retry;
  if (retry === null) return undefined;
  const common = {
    maxRetries: retry.max_retries, maxRequestBytes: retry.max_request_bytes,
    timeoutMs: optionalMs(retry.timeout, `${where}.timeout`), backoff: compileBackoff(retry.backoff, `${where}.backoff`),
  };
  const conditions = retry.conditions;
  if (protocol === 'grpc') {
    const set = conditions !== null && 'cancelled' in conditions ? conditions : undefined;
    const codes = set === undefined ? [] : (Object.keys(grpcCodes) as (keyof typeof grpcCodes)[]).filter((name) => set[name]).map((name) => grpcCodes[name]);
    return { kind: 'grpc', ...common, codes };
  }
  const listed = conditions !== null && 'status_ranges' in conditions ? conditions.status_ranges : [];
  listed.forEach((range, i) => {
    if (range.start > range.end || range.start < 100 || range.end > 599) throw new InvalidPolicyError(`${where}.conditions.status_ranges[${i}]: ${range.start}-${range.end} is not a range of statuses`);
  });
  return { kind: 'http', ...common, statusRanges: listed.length === 0 ? [{ start: 500, end: 599 }] : listed.map(({ start, end }) => ({ start, end })) };
}

function opaqueChoice(route: OpaqueRoute__Output | TlsRoute__Output | undefined, parent: PolicyMeta, where: string): OpaqueChoice | undefined {
  if (route === undefined) return undefined;
  const labels = outboundRouteLabels(parent, metaOf(route.metadata, where));
  const rule = route.rules[0];
  if (rule === undefined) return undefined;
  const distribution = compileDistribution(rule.backends, { failureAccrual: undefined, compileFilters: compileOpaqueFilters }, `${where}.rules[0].backends`);
  return { kind: 'route', labels, distribution: distribution.kind, backends: distribution.backends, filters: compileOpaqueFilters(rule.filters, `${where}.rules[0].filters`) };
}

function tlsRoute(route: TlsRoute__Output, parent: PolicyMeta, where: string): { readonly snis: readonly CompiledHostMatch[]; readonly choice: OpaqueChoice | undefined } {
  return { snis: route.snis.map((sni, i) => compileHostMatch(sni, `${where}.snis[${i}]`)), choice: opaqueChoice(route, parent, where) };
}
