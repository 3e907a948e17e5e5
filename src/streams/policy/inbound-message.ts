/**
 * An inbound server (reconcilers/inbound-model.ts) as the proxy API's `inbound.Server` message.
 *
 * Labels and metadata name the policy as Linkerd does: a Server resource is
 * `{group: policy.linkerd.io, kind: server, name}`, a default `{group: "", kind: default, name:
 * <policy>}`; each authorization and route carries `meta.Metadata` (a resource, or a default
 * such as `probe`). Matches, filters and redirects are converted by the code outbound routes use
 * (route-parts.ts); the inbound reconciler has already dropped any route they cannot carry.
 * Networks that are not valid CIDRs cannot occur (the projections reject them), but one that did
 * would be dropped from its authorization, never widened.
 */
import type { Authz } from '../../gen/proto/io/linkerd/proxy/inbound/Authz.js';
import type { GrpcRoute } from '../../gen/proto/io/linkerd/proxy/inbound/GrpcRoute.js';
import type { HttpRoute } from '../../gen/proto/io/linkerd/proxy/inbound/HttpRoute.js';
import type { Server } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';
import type { IPNetwork } from '../../gen/proto/io/linkerd/proxy/net/IPNetwork.js';
import type { Metadata } from '../../gen/proto/io/linkerd/proxy/meta/Metadata.js';
import { parseNetwork } from '../../informers/ip-network.js';
import type { Authorization, InboundHttpFilter, InboundServer, NetworkRule, PolicyRef } from '../../reconcilers/inbound-model.js';
import { grpcMatch, headerModifier, hostMatch, httpMatch, requestRedirect } from '../../reconcilers/route-parts.js';
import { toIpAddress } from '../destination/ip-address.js';

export function serverMessage(server: InboundServer): Server {
  return {
    protocol: protocolMessage(server),
    server_ips: [],
    authorizations: authzMessages(server.authorizations),
    labels: labelsOf(server.ref),
  };
}

function protocolMessage(server: InboundServer): Server['protocol'] {
  const httpRoutes = (): HttpRoute[] => server.httpRoutes.map((route) => ({
    metadata: metadataOf(route.ref),
    hosts: route.hosts.map(hostMatch),
    authorizations: authzMessages(route.authorizations),
    rules: route.rules.map((rule, r) => ({ matches: rule.matches.map((match, m) => httpMatch(match, `rules[${r}].matches[${m}]`)), filters: rule.filters.map(httpFilter) })),
  }));
  switch (server.protocol) {
    case 'detect': return { detect: { timeout: duration(server.detectTimeoutMs), http_routes: httpRoutes() } };
    case 'opaque': return { opaque: {} };
    case 'tls': return { tls: {} };
    case 'http1': return { http1: { routes: httpRoutes() } };
    case 'http2': return { http2: { routes: httpRoutes() } };
    case 'grpc': return {
      grpc: {
        routes: server.grpcRoutes.map((route): GrpcRoute => ({
          metadata: metadataOf(route.ref),
          hosts: route.hosts.map(hostMatch),
          authorizations: authzMessages(route.authorizations),
          rules: route.rules.map((rule, r) => ({
            matches: rule.matches.map((match, m) => grpcMatch(match, `rules[${r}].matches[${m}]`)),
            filters: rule.filters.flatMap((filter) => (filter.kind === 'requestHeaderModifier' ? [{ request_header_modifier: headerModifier(filter.modifier) }] : [])),
          })),
        })),
      },
    };
  }
}

function duration(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** Linkerd's label set: group, kind (lower case) and name. */
function labelsOf(ref: PolicyRef): Record<string, string> {
  return ref.kind === 'default' ? { group: '', kind: 'default', name: ref.name } : { group: ref.group, kind: ref.resource.toLowerCase(), name: ref.name };
}

/** Routes keep their kind's spelling (`HTTPRoute`); authorizations are lower case, as Linkerd sends them (the proxy's `authz_kind` label). */
function metadataOf(ref: PolicyRef, lowerCaseKind = false): Metadata {
  if (ref.kind === 'default') return { default: ref.name };
  return { resource: { group: ref.group, kind: lowerCaseKind ? ref.resource.toLowerCase() : ref.resource, name: ref.name, namespace: ref.namespace } };
}

/**
 * The authorizations as the proxy takes them. One left with no network (none given, or none that
 * could be encoded) is dropped: a proxy refuses a whole Server over such an authorization and then
 * falls back to its default policy, which would widen access.
 */
export function authzMessages(authorizations: readonly Authorization[]): Authz[] {
  return authorizations.flatMap((authorization) => {
    const message = authzMessage(authorization);
    return message === undefined ? [] : [message];
  });
}

function authzMessage(authorization: Authorization): Authz | undefined {
  const { authentication } = authorization;
  const networks = authorization.networks.flatMap((network) => {
    const message = networkMessage(network);
    return message === undefined ? [] : [message];
  });
  if (networks.length === 0) return undefined;
  return {
    networks,
    authentication: authentication.kind === 'unauthenticated' ? { unauthenticated: {} }
      : authentication.kind === 'tls' ? { meshTLS: { unauthenticated: {} } }
        : {
          meshTLS: {
            identities: {
              identities: authentication.identities.map((name) => ({ name })),
              suffixes: authentication.suffixes.map((parts) => ({ parts: [...parts] })),
            },
          },
        },
    labels: labelsOf(authorization.ref),
    metadata: metadataOf(authorization.ref, true),
  };
}

function networkMessage(network: NetworkRule): { net: IPNetwork; except: IPNetwork[] } | undefined {
  const net = ipNetwork(network.net);
  if (net === undefined) return undefined;
  const except: IPNetwork[] = [];
  for (const text of network.except) {
    const excluded = ipNetwork(text);
    if (excluded === undefined) return undefined;
    except.push(excluded);
  }
  return { net, except };
}

function ipNetwork(text: string): IPNetwork | undefined {
  const network = parseNetwork(text);
  const ip = network === undefined ? undefined : toIpAddress(network.address);
  return network === undefined || ip === undefined ? undefined : { ip, prefix_len: network.prefix };
}

function httpFilter(filter: InboundHttpFilter): NonNullable<HttpRoute['rules']>[number]['filters'] extends (infer F)[] | undefined ? F : never {
  return filter.kind === 'requestHeaderModifier' ? { request_header_modifier: headerModifier(filter.modifier) } : { redirect: requestRedirect(filter.redirect) };
}
