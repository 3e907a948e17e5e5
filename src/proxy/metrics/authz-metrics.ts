/**
 * Authorization metrics as Linkerd's proxy exports them: `inbound_http_authz_allow_total`,
 * `inbound_http_authz_deny_total`, `inbound_http_route_not_found_total`,
 * `inbound_tcp_authz_allow_total`, `inbound_tcp_authz_deny_total` and
 * `inbound_tcp_authz_terminate_total`, labelled by target address, the policy objects involved
 * (`srv_*`, `route_*`, `authz_*`) and TLS as accepted (`tls`, `client_id`).
 *
 * Contract: `httpAllow` returns a lease to keep per connection and route (allowed requests are the
 * hot path); the other events resolve their series on each call, which is bounded work and a
 * capped family even when a client provokes denials on purpose.
 */
import type { CounterLease } from './bounded-family.js';
import { joinLabels, type LabelText } from './label-set.js';
import {
  type AcceptTls, acceptTlsLabels, authzLabels, type PolicyRef, routeLabels, serverLabels, type ServerRef, type SocketTarget,
  targetLabels,
} from './linkerd-labels.js';
import type { MetricRegistry } from './metric-registry.js';

export interface ServerDecision {
  readonly target: SocketTarget;
  readonly server: ServerRef;
  readonly tls: AcceptTls;
}

export interface RouteDecision extends ServerDecision {
  readonly route: PolicyRef;
}

export interface AuthzMetrics {
  /** A lease on the allow counter of one route and authorization; `inc()` per allowed request. */
  httpAllow(decision: RouteDecision & { readonly authz: PolicyRef }): CounterLease;
  httpDeny(decision: RouteDecision): void;
  httpRouteNotFound(decision: ServerDecision): void;
  tcpAllow(decision: ServerDecision & { readonly authz: PolicyRef }): void;
  tcpDeny(decision: ServerDecision): void;
  /** A connection closed because a policy change no longer authorizes it. */
  tcpTerminate(decision: ServerDecision): void;
}

export function createAuthzMetrics(registry: MetricRegistry): AuthzMetrics {
  const httpAllow = registry.counter('inbound_http_authz_allow_total', 'Inbound HTTP requests authorized');
  const httpDeny = registry.counter('inbound_http_authz_deny_total', 'Inbound HTTP requests refused by authorization policy');
  const routeNotFound = registry.counter('inbound_http_route_not_found_total', 'Inbound HTTP requests that matched no route of their server');
  const tcpAllow = registry.counter('inbound_tcp_authz_allow_total', 'Inbound TCP connections authorized');
  const tcpDeny = registry.counter('inbound_tcp_authz_deny_total', 'Inbound TCP connections refused by authorization policy');
  const tcpTerminate = registry.counter('inbound_tcp_authz_terminate_total', 'Inbound TCP connections closed because a policy change no longer authorized them');
  return {
    httpAllow: (d) => httpAllow.lease(decisionLabels(d, routeLabels(d.route), authzLabels(d.authz))),
    httpDeny: (d) => httpDeny.add(decisionLabels(d, routeLabels(d.route))),
    httpRouteNotFound: (d) => routeNotFound.add(decisionLabels(d)),
    tcpAllow: (d) => tcpAllow.add(decisionLabels(d, authzLabels(d.authz))),
    tcpDeny: (d) => tcpDeny.add(decisionLabels(d)),
    tcpTerminate: (d) => tcpTerminate.add(decisionLabels(d)),
  };
}

function decisionLabels(decision: ServerDecision, ...policy: readonly LabelText[]): LabelText {
  return joinLabels(targetLabels(decision.target), serverLabels(decision.server), ...policy, acceptTlsLabels(decision.tls));
}
