/**
 * Evaluates a client against an inbound server the way a proxy enforces it, and says why.
 *
 * - HTTP (a path is given and the server speaks HTTP or detects it): the most specific matching
 *   route wins (exact path over prefix, longer prefix, then method, then the route's order); no
 *   route means refused. A match on headers or query parameters never matches here (an explained
 *   request has none), and a refusal says so. The route's authorizations are added to the
 *   server's.
 * - Otherwise the connection is checked against the server's authorizations.
 * - An authorization admits a client whose address is in one of its networks (and in none of that
 *   network's exceptions) and whose authentication satisfies it. Without a client address only a
 *   network that covers every address can be said to match.
 * - The first authorization that admits the client decides; none means deny. `audit` admits and
 *   is reported as such.
 */
import { networkHolds } from '../informers/ip-network.js';
import type { HttpRouteMatch } from '../informers/kinds/http-route-spec.js';
import type { Authentication, Authorization, InboundHttpRoute, InboundServer, NetworkRule, PolicyRef } from './inbound-model.js';
import { refText } from './inbound-model.js';

export interface InboundClient {
  readonly ip?: string;
  /** Whether the connection is mesh TLS. */
  readonly tls: boolean;
  /** The client's mesh identity (implies TLS). */
  readonly identity?: string;
  /** An HTTP request path; absent means a connection is evaluated. */
  readonly path?: string;
  readonly method?: string;
}

export interface ConsideredAuthorization {
  readonly ref: PolicyRef;
  readonly admits: boolean;
  readonly reason: string;
}

export interface InboundDecision {
  readonly allowed: boolean;
  /** `allow`, `audit` (allowed by an audit policy, flagged) or `deny`. */
  readonly verdict: 'allow' | 'audit' | 'deny';
  readonly route?: PolicyRef;
  readonly authorization?: PolicyRef;
  readonly summary: string;
  readonly considered: readonly ConsideredAuthorization[];
}

export function decide(server: InboundServer, client: InboundClient): InboundDecision {
  const http = client.path !== undefined && (server.protocol === 'detect' || server.protocol === 'http1' || server.protocol === 'http2');
  let authorizations = server.authorizations;
  let route: InboundHttpRoute | undefined;
  if (http) {
    route = matchRoute(server.httpRoutes, client.path ?? '/', client.method ?? 'GET');
    if (route === undefined) {
      const unchecked = server.httpRoutes.some((candidate) => candidate.rules.some((rule) => rule.matches.some((match) => (match.headers ?? []).length > 0 || (match.queryParams ?? []).length > 0)));
      const caveat = unchecked ? ' (matches on headers or query parameters were not evaluated: they can match no explained request)' : '';
      return { allowed: false, verdict: 'deny', summary: `no route on ${refText(server.ref)} matches ${client.method ?? 'GET'} ${client.path ?? '/'}, so the request is refused${caveat}`, considered: [] };
    }
    authorizations = [...server.authorizations, ...route.authorizations];
  }
  const considered = authorizations.map((authorization) => consider(authorization, client));
  const admitting = considered.find((entry) => entry.admits);
  const subject = http ? `the request ${client.method ?? 'GET'} ${client.path ?? '/'} on route ${refText(route?.ref ?? server.ref)}` : `the connection to ${refText(server.ref)}`;
  if (admitting === undefined) {
    const why = considered.length === 0 ? 'there are no authorizations' : 'no authorization admits this client';
    return { allowed: false, verdict: 'deny', ...(route === undefined ? {} : { route: route.ref }), summary: `${subject} is denied: ${why}`, considered };
  }
  const audit = admitting.ref.kind === 'default' && admitting.ref.name === 'audit';
  return {
    allowed: true,
    verdict: audit ? 'audit' : 'allow',
    ...(route === undefined ? {} : { route: route.ref }),
    authorization: admitting.ref,
    summary: `${subject} is allowed by ${refText(admitting.ref)}${audit ? ' (audit: it would be denied, and is logged)' : ''}`,
    considered,
  };
}

function consider(authorization: Authorization, client: InboundClient): ConsideredAuthorization {
  const network = networkVerdict(authorization.networks, client.ip);
  if (network !== undefined) return { ref: authorization.ref, admits: false, reason: network };
  const authn = authenticationVerdict(authorization.authentication, client);
  if (authn !== undefined) return { ref: authorization.ref, admits: false, reason: authn };
  return { ref: authorization.ref, admits: true, reason: `client ${describeClient(client)} is in its networks and authenticated as it requires` };
}

function describeClient(client: InboundClient): string {
  const who = client.identity !== undefined ? client.identity : client.tls ? '(mesh TLS, no identity)' : '(no mesh TLS)';
  return client.ip === undefined ? who : `${client.ip} ${who}`;
}

/** Undefined when a network admits the address; otherwise why not. */
function networkVerdict(networks: readonly NetworkRule[], ip: string | undefined): string | undefined {
  if (networks.length === 0) return 'it lists no networks';
  if (ip === undefined) {
    return networks.some((network) => isEverything(network.net) && network.except.length === 0) ? undefined
      : `it admits only ${networks.map((network) => network.net).join(', ')}, and no --client-ip was given`;
  }
  for (const network of networks) {
    if (!networkHolds(network.net, ip)) continue;
    const except = network.except.find((excluded) => networkHolds(excluded, ip));
    if (except === undefined) return undefined;
    return `${ip} is in ${network.net} but excepted by ${except}`;
  }
  return `${ip} is not in ${networks.map((network) => network.net).join(', ')}`;
}

function isEverything(net: string): boolean {
  return net === '0.0.0.0/0' || net === '::/0';
}

function authenticationVerdict(authentication: Authentication, client: InboundClient): string | undefined {
  switch (authentication.kind) {
    case 'unauthenticated': return undefined;
    case 'tls': return client.tls || client.identity !== undefined ? undefined : 'it requires mesh TLS and the client is not meshed';
    case 'identities': {
      if (client.identity === undefined) return `it requires a mesh identity (${describeIdentities(authentication)}) and the client has none`;
      const { identity } = client;
      if (authentication.identities.includes(identity)) return undefined;
      const parts = identity.split('.');
      const suffix = authentication.suffixes.find((candidate) => candidate.length < parts.length && candidate.every((part, index) => parts[parts.length - candidate.length + index] === part));
      if (suffix !== undefined) return undefined;
      return `identity ${identity} is not ${describeIdentities(authentication)}`;
    }
  }
}

function describeIdentities(authentication: { readonly identities: readonly string[]; readonly suffixes: readonly (readonly string[])[] }): string {
  const names = [...authentication.identities, ...authentication.suffixes.map((suffix) => (suffix.length === 0 ? '*' : `*.${suffix.join('.')}`))];
  return names.length === 1 ? names[0] ?? '' : `one of ${names.join(', ')}`;
}

/** The route of the most specific matching rule; earlier routes win ties. */
function matchRoute(routes: readonly InboundHttpRoute[], path: string, method: string): InboundHttpRoute | undefined {
  let best: { route: InboundHttpRoute; score: readonly number[] } | undefined;
  for (const route of routes) {
    for (const rule of route.rules) {
      const matches = rule.matches.length === 0 ? [{}] : rule.matches;
      for (const match of matches) {
        const score = matchScore(match, path, method);
        if (score !== undefined && (best === undefined || compareScores(score, best.score) > 0)) best = { route, score };
      }
    }
  }
  return best?.route;
}

/** Undefined when the match fails; otherwise its specificity, compared left to right. */
function matchScore(match: HttpRouteMatch, path: string, method: string): readonly number[] | undefined {
  if ((match.headers ?? []).length > 0 || (match.queryParams ?? []).length > 0) return undefined;
  if (match.method !== undefined && match.method !== method.toUpperCase()) return undefined;
  const type = match.path?.type ?? 'PathPrefix';
  const value = match.path?.value ?? '/';
  let exact = 0;
  let length = value.length;
  if (type === 'Exact') {
    if (path !== value) return undefined;
    exact = 1;
  } else if (type === 'PathPrefix') {
    const prefix = value.endsWith('/') ? value.slice(0, -1) : value;
    if (!(path === prefix || path.startsWith(`${prefix}/`) || prefix === '')) return undefined;
  } else {
    if (!safeRegex(value).test(path)) return undefined;
    length = 0;
  }
  return [exact, length, match.method === undefined ? 0 : 1];
}

function safeRegex(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return /(?!)/;
  }
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < a.length; index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
