/**
 * An inbound `Server` message compiled for per-connection and per-request decisions, once per
 * message object (cached; a message the proxy cannot use compiles to its InvalidPolicyError,
 * also once). What it holds, following Linkerd's proxy:
 * - the server's authorizations, followed by one admitting anyone from localhost;
 * - for HTTP and gRPC protocols (and detect, for the requests it finds), the routes; each route's
 *   authorizations are its own followed by the server's. With no routes, one default route
 *   (`default`) matches every request and carries the server's authorizations;
 * - per rule, its filters.
 */
import type { GrpcRoute__Output } from '../../gen/proto/io/linkerd/proxy/inbound/GrpcRoute.js';
import type { HttpRoute__Output } from '../../gen/proto/io/linkerd/proxy/inbound/HttpRoute.js';
import type { Server__Output } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';
import { compileAuthorization, localhostAuthorization, type CompiledAuthorization } from './client-authorization.js';
import { compileGrpcRoute, type GrpcRouteLike } from './grpc-route-match.js';
import { compileHttpRoute, type HttpRouteLike } from './http-route-match.js';
import { InvalidPolicyError, memoizeCompile } from './invalid-policy.js';
import { defaultMeta, inboundRouteLabels, metaFromLabels, metaOf, type InboundRouteLabels, type PolicyMeta } from './policy-labels.js';
import { compileFilters, noFilters, type CompiledFilters } from './route-filters.js';

export type InboundProtocol = 'detect' | 'opaque' | 'tls' | 'http1' | 'http2' | 'grpc';

export interface InboundRoutePolicy {
  readonly labels: InboundRouteLabels;
  readonly authorizations: readonly CompiledAuthorization[];
  /** Per rule. */
  readonly filters: readonly CompiledFilters[];
}

export interface CompiledServer {
  readonly protocol: InboundProtocol;
  readonly meta: PolicyMeta;
  readonly authorizations: readonly CompiledAuthorization[];
  /** Set for detect, http1 and http2; `policies[i]` belongs to `routes[i]`. */
  readonly http?: { readonly routes: readonly HttpRouteLike[]; readonly policies: readonly InboundRoutePolicy[] } | undefined;
  /** Set for grpc. */
  readonly grpc?: { readonly routes: readonly GrpcRouteLike[]; readonly policies: readonly InboundRoutePolicy[] } | undefined;
}

const catchAll = { hosts: [], rules: [{ matches: [] }] } as const;

export const compiledServer = memoizeCompile(compileServer);

function compileServer(server: Server__Output): CompiledServer {
  const protocol = protocolOf(server);
  const meta = metaFromLabels(server.labels, 'policy.linkerd.io', 'server', 'Server');
  const own = server.authorizations.map((authz, i) => compileAuthorization(authz, `Server.authorizations[${i}]`));
  const authorizations = [...own, localhostAuthorization()];
  const proto = server.protocol;
  const defaultPolicy = { labels: inboundRouteLabels(defaultMeta('default')), authorizations, filters: [noFilters] };
  if (protocol === 'grpc') {
    const routes = proto?.grpc?.routes ?? [];
    if (routes.length === 0) return { protocol, meta, authorizations, grpc: { routes: [catchAll], policies: [defaultPolicy] } };
    return { protocol, meta, authorizations, grpc: { routes, policies: routes.map((route, i) => grpcPolicy(route, authorizations, `Server.protocol.grpc.routes[${i}]`)) } };
  }
  if (protocol === 'opaque' || protocol === 'tls') return { protocol, meta, authorizations };
  const field = protocol === 'detect' ? 'detect.http_routes' : `${protocol}.routes`;
  const routes = (protocol === 'detect' ? proto?.detect?.http_routes : proto?.[protocol]?.routes) ?? [];
  if (protocol === 'detect' && proto?.detect?.timeout == null) throw new InvalidPolicyError('Server.protocol.detect.timeout: missing');
  if (routes.length === 0) return { protocol, meta, authorizations, http: { routes: [catchAll], policies: [defaultPolicy] } };
  return { protocol, meta, authorizations, http: { routes, policies: routes.map((route, i) => httpPolicy(route, authorizations, `Server.protocol.${field}[${i}]`)) } };
}

function protocolOf(server: Server__Output): InboundProtocol {
  const proto = server.protocol;
  if (proto === null) throw new InvalidPolicyError('Server.protocol: missing');
  const kinds: readonly InboundProtocol[] = ['detect', 'opaque', 'tls', 'http1', 'http2', 'grpc'];
  const kind = proto.kind ?? kinds.find((candidate) => proto[candidate] != null);
  if (kind === undefined) throw new InvalidPolicyError('Server.protocol: no kind');
  return kind;
}

function httpPolicy(route: HttpRoute__Output, server: readonly CompiledAuthorization[], where: string): InboundRoutePolicy {
  compileHttpRoute(route, where);
  return {
    labels: inboundRouteLabels(metaOf(route.metadata, where)),
    authorizations: [...route.authorizations.map((authz, i) => compileAuthorization(authz, `${where}.authorizations[${i}]`)), ...server],
    filters: route.rules.map((rule, r) => compileFilters(rule.filters, 'http', `${where}.rules[${r}].filters`)),
  };
}

function grpcPolicy(route: GrpcRoute__Output, server: readonly CompiledAuthorization[], where: string): InboundRoutePolicy {
  compileGrpcRoute(route, where);
  return {
    labels: inboundRouteLabels(metaOf(route.metadata, where)),
    authorizations: [...route.authorizations.map((authz, i) => compileAuthorization(authz, `${where}.authorizations[${i}]`)), ...server],
    filters: route.rules.map((rule, r) => compileFilters(rule.filters, 'grpc', `${where}.rules[${r}].filters`)),
  };
}
