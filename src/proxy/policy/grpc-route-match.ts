/**
 * Which rule of which gRPC route a request takes, with Linkerd's precedence: hostnames as for HTTP
 * routes (see host-match.ts), then the longer matched service name, then the longer matched
 * method name, then more header matches; ties go to the earlier route, rule and match.
 *
 * A gRPC match applies only to a POST whose path is `/<service>/<method>`; an empty service or
 * method in the match accepts any. A rule without matches matches every request. Compiled once
 * per route message and cached on it. Pure.
 */
import type { GrpcRouteMatch__Output } from '../../gen/proto/io/linkerd/proxy/grpc_route/GrpcRouteMatch.js';
import type { HostMatch__Output } from '../../gen/proto/io/linkerd/proxy/http_route/HostMatch.js';
import { compileHeaderMatch, headerMatches, type CompiledHeaderMatch } from './header-match.js';
import { compareHostScores, compileHostMatch, scoreHosts, type CompiledHostMatch, type HostScore } from './host-match.js';
import { hostOf, type HttpRequestFacts } from './request-facts.js';

export interface GrpcRouteLike {
  readonly hosts: readonly HostMatch__Output[];
  readonly rules: readonly { readonly matches: readonly GrpcRouteMatch__Output[] }[];
}

interface CompiledGrpcMatch {
  /** Undefined: any service (or method). */
  readonly service: string | undefined;
  readonly method: string | undefined;
  readonly headers: readonly CompiledHeaderMatch[];
}

export interface CompiledGrpcRoute {
  readonly hosts: readonly CompiledHostMatch[];
  readonly rules: readonly (readonly CompiledGrpcMatch[])[];
}

export interface GrpcMatchSummary {
  readonly host: HostScore;
  readonly service: number;
  readonly method: number;
  readonly headers: number;
}

export interface GrpcRouteFound<R> {
  readonly route: R;
  readonly routeIndex: number;
  readonly ruleIndex: number;
  readonly summary: GrpcMatchSummary;
}

const cache = new WeakMap<GrpcRouteLike, CompiledGrpcRoute>();

export function compileGrpcRoute(route: GrpcRouteLike, where: string): CompiledGrpcRoute {
  const cached = cache.get(route);
  if (cached !== undefined) return cached;
  const compiled: CompiledGrpcRoute = {
    hosts: route.hosts.map((host, i) => compileHostMatch(host, `${where}.hosts[${i}]`)),
    rules: route.rules.map((rule, r) => rule.matches.map((match, m) => ({
      service: match.rpc === null || match.rpc.service === '' ? undefined : match.rpc.service,
      method: match.rpc === null || match.rpc.method === '' ? undefined : match.rpc.method,
      headers: match.headers.map((header, i) => compileHeaderMatch(header, `${where}.rules[${r}].matches[${m}].headers[${i}]`)),
    }))),
  };
  cache.set(route, compiled);
  return compiled;
}

/** `/<service>/<method>` split, or undefined when the path is not shaped so. */
function rpcOf(path: string): { readonly service: string; readonly method: string } | undefined {
  if (!path.startsWith('/')) return undefined;
  const slash = path.indexOf('/', 1);
  if (slash === -1) return undefined;
  const end = path.indexOf('/', slash + 1);
  return { service: path.slice(1, slash), method: path.slice(slash + 1, end === -1 ? undefined : end) };
}

export function findGrpcRoute<R extends GrpcRouteLike>(routes: readonly R[], request: HttpRequestFacts): GrpcRouteFound<R> | undefined {
  const host = hostOf(request.authority)?.toLowerCase();
  const rpc = request.method === 'POST' ? rpcOf(request.path) : undefined;
  let best: GrpcRouteFound<R> | undefined;
  for (let routeIndex = 0; routeIndex < routes.length; routeIndex++) {
    const route = routes[routeIndex] as R;
    const compiled = cache.get(route) ?? compileGrpcRoute(route, `routes[${routeIndex}]`);
    const hostScore = scoreHosts(compiled.hosts, host);
    if (hostScore === undefined) continue;
    for (let ruleIndex = 0; ruleIndex < compiled.rules.length; ruleIndex++) {
      const matches = compiled.rules[ruleIndex] as readonly CompiledGrpcMatch[];
      const summary = matches.length === 0 ? { host: hostScore, service: 0, method: 0, headers: 0 } : bestMatch(matches, rpc, request, hostScore);
      if (summary !== undefined && (best === undefined || compareGrpcSummaries(summary, best.summary) > 0)) {
        best = { route, routeIndex, ruleIndex, summary };
      }
    }
  }
  return best;
}

function bestMatch(matches: readonly CompiledGrpcMatch[], rpc: ReturnType<typeof rpcOf>, request: HttpRequestFacts, host: HostScore): GrpcMatchSummary | undefined {
  if (rpc === undefined) return undefined;
  let best: GrpcMatchSummary | undefined;
  for (const match of matches) {
    if (match.service !== undefined && match.service !== rpc.service) continue;
    if (match.method !== undefined && match.method !== rpc.method) continue;
    if (!match.headers.every((header) => headerMatches(header, request.headers))) continue;
    const summary = { host, service: match.service?.length ?? 0, method: match.method?.length ?? 0, headers: match.headers.length };
    if (best === undefined || compareGrpcSummaries(summary, best) > 0) best = summary;
  }
  return best;
}

export function compareGrpcSummaries(a: GrpcMatchSummary, b: GrpcMatchSummary): number {
  return compareHostScores(a.host, b.host) || a.service - b.service || a.method - b.method || a.headers - b.headers;
}
