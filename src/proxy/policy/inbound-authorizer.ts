/**
 * The inbound proxy's policy decisions, from the `Server` message the policy controller sent for
 * the port a client connected to (compiled once per message, see compiled-server.ts).
 *
 * - authorizeConnection: for opaque and TLS servers, and for a detect server's connection that
 *   turned out not to be HTTP. The first of the server's authorizations that admits the client
 *   (client-authorization.ts) allows it; none denies it. HTTP, HTTP/2 and gRPC servers authorize
 *   each request instead (`per-request`).
 * - authorizeRequest: for HTTP requests (on detect, http1, http2 and grpc servers). The request
 *   first finds its route (http-route-match.ts, grpc-route-match.ts); no route is `no-route`
 *   (Linkerd answers 404, gRPC NOT_FOUND). Then the first of the route's authorizations (its own,
 *   then the server's) that admits the client allows the request, with the matched rule's filters
 *   to apply in order; none is `unauthorized` (403, gRPC PERMISSION_DENIED).
 * - A message the proxy cannot use denies everything, with the reason (Linkerd's proxy fails such
 *   requests with a 500); `validateServer` lets the caller reject it when it arrives.
 *
 * Verdicts carry Linkerd's metric labels (`srv_*`, `route_*`, `authz_*`). Pure and synchronous;
 * nothing here throws for any message or client.
 */
import type { Server__Output } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';
import { admits, clientAddress, type ClientFacts, type ClientTls, type CompiledAuthorization } from './client-authorization.js';
import { compiledServer, type CompiledServer, type InboundRoutePolicy } from './compiled-server.js';
import { findGrpcRoute } from './grpc-route-match.js';
import { findHttpRoute, type HttpMatchSummary } from './http-route-match.js';
import { unwrap } from './invalid-policy.js';
import {
  connectionLabels, defaultMeta, requestLabels, routeLabelsOf, serverLabels, type AuthzLabels, type InboundRouteLabels, type ServerLabels,
} from './policy-labels.js';
import { resolveFilters, type FilterAction } from './route-filters.js';
import type { HttpRequestFacts } from './request-facts.js';

export type { ClientFacts, ClientTls } from './client-authorization.js';

export type ConnectionVerdict =
  | { readonly kind: 'allow'; readonly allowed: true; readonly labels: ServerLabels & AuthzLabels }
  | { readonly kind: 'deny'; readonly allowed: false; readonly labels: ServerLabels; readonly reason: string }
  | { readonly kind: 'per-request'; readonly allowed: true; readonly labels: ServerLabels };

export type RequestVerdict =
  | { readonly kind: 'allow'; readonly allowed: true; readonly labels: ServerLabels & InboundRouteLabels & AuthzLabels; readonly filters: readonly FilterAction[] }
  | { readonly kind: 'unauthorized'; readonly allowed: false; readonly labels: ServerLabels & InboundRouteLabels; readonly reason: string }
  | { readonly kind: 'no-route'; readonly allowed: false; readonly labels: ServerLabels; readonly reason: string }
  | { readonly kind: 'invalid-policy'; readonly allowed: false; readonly labels: ServerLabels; readonly reason: string };

/** Throws InvalidPolicyError (naming the field) if the proxy cannot use this message. */
export function validateServer(server: Server__Output): void {
  unwrap(compiledServer(server));
}

export function authorizeConnection(server: Server__Output, client: ClientFacts): ConnectionVerdict {
  const compiled = compiledServer(server);
  if (!compiled.ok) return { kind: 'deny', allowed: false, labels: serverLabels(defaultMeta('invalid'), client.serverPort), reason: `invalid server policy: ${compiled.error.message}` };
  const { value } = compiled;
  const labels = serverLabels(value.meta, client.serverPort);
  if (value.protocol === 'http1' || value.protocol === 'http2' || value.protocol === 'grpc') return { kind: 'per-request', allowed: true, labels };
  const authorization = firstAdmitting(value.authorizations, client);
  if (authorization === undefined) return { kind: 'deny', allowed: false, labels, reason: `no authorization on ${describe(value)} admits ${describeClient(client)}` };
  return { kind: 'allow', allowed: true, labels: connectionLabels(labels, authorization.labels) };
}

export function authorizeRequest(server: Server__Output, client: ClientFacts, request: HttpRequestFacts): RequestVerdict {
  const compiled = compiledServer(server);
  if (!compiled.ok) return { kind: 'invalid-policy', allowed: false, labels: serverLabels(defaultMeta('invalid'), client.serverPort), reason: `invalid server policy: ${compiled.error.message}` };
  const { value } = compiled;
  const labels = serverLabels(value.meta, client.serverPort);
  const found = findRoute(value, request);
  if (found === undefined) {
    const why = value.http === undefined && value.grpc === undefined ? `${describe(value)} is ${value.protocol}, not HTTP` : `no route on ${describe(value)} matches`;
    return { kind: 'no-route', allowed: false, labels, reason: `${why}: ${request.method} ${request.path}` };
  }
  const { policy, ruleIndex, summary } = found;
  const authorization = firstAdmitting(policy.authorizations, client);
  if (authorization === undefined) {
    return { kind: 'unauthorized', allowed: false, labels: routeLabelsOf(labels, policy.labels), reason: `no authorization on route ${policy.labels.route_kind} ${policy.labels.route_name} admits ${describeClient(client)}` };
  }
  const filters = policy.filters[ruleIndex];
  return {
    kind: 'allow',
    allowed: true,
    labels: requestLabels(labels, policy.labels, authorization.labels),
    filters: filters === undefined ? [] : resolveFilters(filters, request, summary),
  };
}

interface FoundRoute {
  readonly policy: InboundRoutePolicy;
  readonly ruleIndex: number;
  readonly summary: HttpMatchSummary | undefined;
}

function findRoute(server: CompiledServer, request: HttpRequestFacts): FoundRoute | undefined {
  if (server.http !== undefined) {
    const found = findHttpRoute(server.http.routes, request);
    const policy = found === undefined ? undefined : server.http.policies[found.routeIndex];
    return found === undefined || policy === undefined ? undefined : { policy, ruleIndex: found.ruleIndex, summary: found.summary };
  }
  if (server.grpc !== undefined) {
    const found = findGrpcRoute(server.grpc.routes, request);
    const policy = found === undefined ? undefined : server.grpc.policies[found.routeIndex];
    return found === undefined || policy === undefined ? undefined : { policy, ruleIndex: found.ruleIndex, summary: undefined };
  }
  return undefined;
}

function firstAdmitting(authorizations: readonly CompiledAuthorization[], client: ClientFacts): CompiledAuthorization | undefined {
  const address = clientAddress(client.ip);
  return authorizations.find((authorization) => admits(authorization, address, client.tls));
}

function describe(server: CompiledServer): string {
  return `${server.meta.kind} ${server.meta.name}`;
}

function describeClient(client: ClientFacts): string {
  const tls: ClientTls = client.tls;
  const how = tls.kind === 'mesh' ? `mesh TLS as ${tls.identity}` : tls.kind === 'tls' ? 'TLS without a mesh identity' : 'plaintext';
  return `${client.ip} (${how})`;
}
