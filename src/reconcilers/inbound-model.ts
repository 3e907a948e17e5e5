/**
 * What inbound policy is made of, independent of the wire: the server a pod's port gets, its
 * authorizations and routes, and where each came from. The inbound reconciler produces these, the
 * InboundServerPolicies service turns them into `io.linkerd.proxy.inbound.Server` messages, and
 * `--explain` evaluates a client against them. Everything here is plain, JSON-serializable data.
 */
import type { HttpRouteMatch, HeaderModifier } from '../informers/kinds/http-route-spec.js';
import type { GrpcRouteMatch } from '../informers/kinds/grpc-route.js';
import type { RedirectSpec } from './route-parts.js';

/** Linkerd's default inbound policies. */
export const defaultPolicyNames = [
  'all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit',
] as const;

export type DefaultPolicyName = typeof defaultPolicyNames[number];

export function isDefaultPolicyName(value: string): value is DefaultPolicyName {
  return (defaultPolicyNames as readonly string[]).includes(value);
}

/** Where a piece of policy came from: a built-in default, or a cluster resource. */
export type PolicyRef =
  | { readonly kind: 'default'; readonly name: string }
  | { readonly kind: 'resource'; readonly group: string; readonly resource: string; readonly namespace: string; readonly name: string };

/** Which clients an authorization admits, by how they authenticated. */
export type Authentication =
  /** Any client: plaintext or mesh TLS, with or without an identity. */
  | { readonly kind: 'unauthenticated' }
  /** Mesh TLS is required, a client identity is not. */
  | { readonly kind: 'tls' }
  /** Mesh TLS with an identity that is one of `identities` or ends with one of `suffixes` (`[]` = any identity). */
  | { readonly kind: 'identities'; readonly identities: readonly string[]; readonly suffixes: readonly (readonly string[])[] };

/** A client network: an address block less some sub-blocks. */
export interface NetworkRule {
  readonly net: string;
  readonly except: readonly string[];
}

export interface Authorization {
  readonly ref: PolicyRef;
  readonly networks: readonly NetworkRule[];
  readonly authentication: Authentication;
}

export type InboundHttpFilter =
  | { readonly kind: 'requestHeaderModifier'; readonly modifier: HeaderModifier }
  | { readonly kind: 'redirect'; readonly redirect: RedirectSpec };

export interface InboundHttpRule {
  /** Gateway API matches; an empty list matches every request. */
  readonly matches: readonly HttpRouteMatch[];
  readonly filters: readonly InboundHttpFilter[];
}

export interface InboundGrpcRule {
  readonly matches: readonly GrpcRouteMatch[];
  readonly filters: readonly InboundHttpFilter[];
}

export interface InboundRoute<Rule> {
  readonly ref: PolicyRef;
  /** Host names the route applies to; empty means any. */
  readonly hosts: readonly string[];
  readonly rules: readonly Rule[];
  /** Added to the server's authorizations for requests on this route. */
  readonly authorizations: readonly Authorization[];
}

export type InboundHttpRoute = InboundRoute<InboundHttpRule>;
export type InboundGrpcRoute = InboundRoute<InboundGrpcRule>;

export type InboundProtocol = 'detect' | 'opaque' | 'tls' | 'http1' | 'http2' | 'grpc';

/** Why a resource did or did not contribute to a server: the raw material of `--explain`. */
export interface PolicyNote {
  readonly ref: PolicyRef;
  readonly applied: boolean;
  readonly reason: string;
}

export interface InboundServer {
  /** The Server resource, or `default:<policy>` for a synthesized server. */
  readonly ref: PolicyRef;
  readonly protocol: InboundProtocol;
  /** For `detect`: how long to wait for the protocol before treating the connection as opaque. */
  readonly detectTimeoutMs: number;
  /** Every connection must match one (for HTTP, one of these or of the matched route's). */
  readonly authorizations: readonly Authorization[];
  /** For detect, http1 and http2. A request matching no route is refused. */
  readonly httpRoutes: readonly InboundHttpRoute[];
  /** For grpc. */
  readonly grpcRoutes: readonly InboundGrpcRoute[];
  /** How this server was chosen, and which resources were considered and why they did (not) apply. */
  readonly notes: readonly PolicyNote[];
}

export function refText(ref: PolicyRef): string {
  return ref.kind === 'default' ? `${ref.name} (built-in)` : `${ref.resource} ${ref.namespace}/${ref.name}`;
}
