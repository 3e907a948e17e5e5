/**
 * The outbound proxy's routing decisions, from the `OutboundPolicy` message the policy controller
 * sent for a destination (compiled once per message, see compiled-outbound.ts).
 *
 * - policyKind: what the proxy does with a connection: `http` (the policy says HTTP/1, HTTP/2 or
 *   gRPC), `detect` (detect HTTP, else opaque), `opaque`, or `tls` (route by SNI).
 * - routeRequest: the HTTP or gRPC route and rule a request takes (http-route-match.ts,
 *   grpc-route-match.ts; a detect policy uses its http1 or http2 routes by the request's
 *   protocol), with its backends, filters, timeouts and retry policy; `no-route` when no rule
 *   matches (the data path answers 404, gRPC NOT_FOUND) or the policy is not HTTP.
 * - opaqueRoute: the route an opaque connection takes (an opaque policy's, or a detect policy's
 *   opaque fallback), or for a TLS policy the route whose SNI matches best.
 * - pickBackend: one backend of a choice. `first-available` takes the first available one;
 *   `random-available` picks at random among the available backends in proportion to their
 *   weights, never one of weight 0. When none is available the same rule applies to all of them
 *   (requests then wait in that backend's queue). No backend (an empty distribution, or every
 *   weight 0) is undefined: the data path fails the request.
 * - A message the proxy cannot use yields `invalid-policy` with the reason (Linkerd's proxy fails
 *   such requests with a 500); `validateOutboundPolicy` lets the caller reject it on arrival.
 * Pure and synchronous; nothing here throws for any message or request.
 */
import type { OutboundPolicy__Output } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import { compiledOutbound, type CompiledOutbound, type CompiledRule } from './compiled-outbound.js';
import { findGrpcRoute } from './grpc-route-match.js';
import { compareHostScores, scoreHosts, type HostScore } from './host-match.js';
import { findHttpRoute, type HttpMatchSummary } from './http-route-match.js';
import { unwrap } from './invalid-policy.js';
import type { DistributionKind } from './outbound-backends.js';
import type { OpaqueChoice } from './opaque-route.js';
import { resolveFilters } from './route-filters.js';
import type { RouteChoice } from './route-choice.js';
import type { HttpRequestFacts } from './request-facts.js';

export type { OpaqueChoice, OpaqueFilterAction } from './opaque-route.js';
export type { RetryPolicy, RouteBackend, RouteChoice, Timeouts } from './route-choice.js';
export type { Dispatcher, FailureAccrualParams, Queue } from './outbound-backends.js';

export type OutboundPolicyKind = 'http' | 'opaque' | 'detect' | 'tls';

export interface OutboundRequest extends HttpRequestFacts {
  /** Which of a detect policy's route lists applies; http1 unless said. */
  readonly protocol?: 'http1' | 'http2' | undefined;
}

export type NoRoute = { readonly kind: 'no-route'; readonly reason: string } | { readonly kind: 'invalid-policy'; readonly reason: string };

export function validateOutboundPolicy(policy: OutboundPolicy__Output): void {
  unwrap(compiledOutbound(policy));
}

/** From the message itself, so that it answers for a message that does not compile too. */
export function policyKind(policy: OutboundPolicy__Output): OutboundPolicyKind {
  const proto = policy.protocol;
  const kind = proto?.kind ?? (['detect', 'opaque', 'tls', 'http1', 'http2', 'grpc'] as const).find((candidate) => proto?.[candidate] != null);
  switch (kind) {
    case 'http1': case 'http2': case 'grpc': return 'http';
    case 'opaque': case 'tls': return kind;
    default: return 'detect';
  }
}

export function routeRequest(policy: OutboundPolicy__Output, request: OutboundRequest): RouteChoice | NoRoute {
  const compiled = compiledOutbound(policy);
  if (!compiled.ok) return { kind: 'invalid-policy', reason: `invalid outbound policy: ${compiled.error.message}` };
  const { value } = compiled;
  const found = findRule(value, request);
  if (found === undefined) {
    const why = value.protocol === 'opaque' || value.protocol === 'tls' ? `the policy for ${describe(value)} is ${value.protocol}` : `no route of ${describe(value)} matches`;
    return { kind: 'no-route', reason: `${why}: ${request.method} ${request.path}` };
  }
  const { rule, summary } = found;
  if (rule.fixed !== undefined) return rule.fixed;
  return {
    kind: 'route', labels: rule.labels, ruleIndex: rule.ruleIndex, distribution: rule.distribution.kind,
    backends: rule.distribution.backends.map((backend) => ({ ...backend, filters: resolveFilters(backend.filters, request, summary) })),
    filters: resolveFilters(rule.filters, request, summary),
    timeouts: rule.timeouts, requestTimeoutMs: rule.requestTimeoutMs, retry: rule.retry, allowL5dRequestHeaders: rule.allowL5dRequestHeaders,
  };
}

function findRule(policy: CompiledOutbound, request: OutboundRequest): { readonly rule: CompiledRule; readonly summary: HttpMatchSummary | undefined } | undefined {
  if (policy.grpc !== undefined) {
    const found = findGrpcRoute(policy.grpc.routes, request);
    const rule = found === undefined ? undefined : policy.grpc.rules[found.routeIndex]?.[found.ruleIndex];
    return rule === undefined ? undefined : { rule, summary: undefined };
  }
  const set = request.protocol === 'http2' ? (policy.http2 ?? policy.http1) : (policy.http1 ?? policy.http2);
  if (set === undefined) return undefined;
  const found = findHttpRoute(set.routes, request);
  const rule = found === undefined ? undefined : set.rules[found.routeIndex]?.[found.ruleIndex];
  return rule === undefined || found === undefined ? undefined : { rule, summary: found.summary };
}

/** `sni` (the ClientHello's server name) picks among a TLS policy's routes; others ignore it. */
export function opaqueRoute(policy: OutboundPolicy__Output, sni?: string): OpaqueChoice | NoRoute {
  const compiled = compiledOutbound(policy);
  if (!compiled.ok) return { kind: 'invalid-policy', reason: `invalid outbound policy: ${compiled.error.message}` };
  const { value } = compiled;
  if (value.tls !== undefined) {
    let best: { readonly score: HostScore; readonly choice: OpaqueChoice } | undefined;
    for (const route of value.tls) {
      const score = scoreHosts(route.snis, sni?.toLowerCase());
      if (score !== undefined && route.choice !== undefined && (best === undefined || compareHostScores(score, best.score) > 0)) best = { score, choice: route.choice };
    }
    return best?.choice ?? { kind: 'no-route', reason: `no TLS route of ${describe(value)} matches SNI ${sni ?? '(none)'}` };
  }
  return value.opaque ?? { kind: 'no-route', reason: `the policy for ${describe(value)} has no opaque route` };
}

export function pickBackend<B extends { readonly weight: number }>(
  choice: { readonly distribution: DistributionKind; readonly backends: readonly B[] },
  random: () => number,
  available?: (backend: B) => boolean,
): B | undefined {
  const { backends } = choice;
  if (choice.distribution === 'first-available') return (available === undefined ? undefined : backends.find(available)) ?? backends[0];
  if (choice.distribution === 'empty') return undefined;
  const ready = available === undefined ? backends : backends.filter((backend) => backend.weight > 0 && available(backend));
  const pool = ready.length > 0 ? ready : backends;
  let total = 0;
  for (const backend of pool) total += backend.weight;
  if (total <= 0) return undefined;
  let point = Math.min(Math.max(random(), 0), 1 - Number.EPSILON) * total;
  for (const backend of pool) {
    if (backend.weight <= 0) continue;
    if (point < backend.weight) return backend;
    point -= backend.weight;
  }
  return pool.findLast((backend) => backend.weight > 0);
}

function describe(policy: CompiledOutbound): string {
  const { parent } = policy;
  return `${parent.kind} ${parent.namespace === '' ? '' : `${parent.namespace}/`}${parent.name}${parent.port === 0 ? '' : `:${parent.port}`}`;
}
