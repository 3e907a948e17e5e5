/**
 * Which rule of which HTTP route a request takes, inbound (routes of a Server) and outbound (routes
 * of a Service), with Linkerd's precedence:
 *
 * 1. Hostnames: a route whose hostnames match beats a route without hostnames; an exact hostname
 *    beats a suffix; longer beats shorter. A route with hostnames none of which match is skipped.
 * 2. Within the matches that apply, the path decides first: the longer matched length wins (an
 *    exact path's or a regular expression's length is the request path's, a prefix's is its own,
 *    without trailing slashes). On equal length an exact match beats a prefix and a prefix beats a
 *    regular expression (Gateway API: exact over prefix; regular expressions rank as Linkerd's
 *    proxy ranks them, by length). A rule without matches matches everything as the prefix `/`.
 * 3. Then a method match beats none, then more header matches, then more query parameter matches.
 * 4. Remaining ties go to the earlier route, then the earlier rule, then the earlier match (the
 *    control plane orders routes oldest first).
 *
 * Path prefixes match whole segments (`/foo` matches `/foo`, `/foo/` and `/foo/bar`, not
 * `/foobar`). Headers and query parameters match if any value does; regular expressions must
 * match the whole value. Compilation (regular expressions included) happens once per route message
 * and is cached on it; a lookup allocates only its result.
 */
import type { HostMatch__Output } from '../../gen/proto/io/linkerd/proxy/http_route/HostMatch.js';
import type { HttpRouteMatch__Output } from '../../gen/proto/io/linkerd/proxy/http_route/HttpRouteMatch.js';
import type { QueryParamMatch__Output } from '../../gen/proto/io/linkerd/proxy/http_route/QueryParamMatch.js';
import { compileHeaderMatch, headerMatches, wholeRegex, type CompiledHeaderMatch } from './header-match.js';
import { anyHost, compareHostScores, compileHostMatch, scoreHosts, type CompiledHostMatch, type HostScore } from './host-match.js';
import { InvalidPolicyError } from './invalid-policy.js';
import { hostOf, type HttpRequestFacts } from './request-facts.js';

export interface HttpRouteLike {
  readonly hosts: readonly HostMatch__Output[];
  readonly rules: readonly { readonly matches: readonly HttpRouteMatch__Output[] }[];
}

type CompiledPath =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'prefix'; readonly value: string; readonly all: boolean }
  | { readonly kind: 'regex'; readonly regex: RegExp };

interface CompiledQueryMatch {
  readonly name: string;
  readonly exact?: string | undefined;
  readonly regex?: RegExp | undefined;
}

interface CompiledHttpMatch {
  readonly path: CompiledPath | undefined;
  readonly method: string | undefined;
  readonly headers: readonly CompiledHeaderMatch[];
  readonly query: readonly CompiledQueryMatch[];
}

export interface CompiledHttpRoute {
  readonly hosts: readonly CompiledHostMatch[];
  /** Per rule, its matches; an empty list matches every request. */
  readonly rules: readonly (readonly CompiledHttpMatch[])[];
}

export type PathMatchKind = 'exact' | 'prefix' | 'regex';

export interface HttpMatchSummary {
  readonly host: HostScore;
  readonly pathKind: PathMatchKind;
  /** Characters matched: the whole path for exact and regex, the prefix's length for a prefix. */
  readonly pathLength: number;
  readonly method: boolean;
  readonly headers: number;
  readonly query: number;
}

export interface HttpRouteFound<R> {
  readonly route: R;
  readonly routeIndex: number;
  readonly ruleIndex: number;
  readonly summary: HttpMatchSummary;
}

const cache = new WeakMap<HttpRouteLike, CompiledHttpRoute>();

/** The route compiled (cached on the message); throws InvalidPolicyError naming `where`. */
export function compileHttpRoute(route: HttpRouteLike, where: string): CompiledHttpRoute {
  const cached = cache.get(route);
  if (cached !== undefined) return cached;
  const compiled: CompiledHttpRoute = {
    hosts: route.hosts.map((host, i) => compileHostMatch(host, `${where}.hosts[${i}]`)),
    rules: route.rules.map((rule, r) => rule.matches.map((match, m) => compileMatch(match, `${where}.rules[${r}].matches[${m}]`))),
  };
  cache.set(route, compiled);
  return compiled;
}

function compileMatch(match: HttpRouteMatch__Output, where: string): CompiledHttpMatch {
  return {
    path: match.path === null ? undefined : compilePath(match.path, `${where}.path`),
    method: match.method === null ? undefined : methodOf(match.method, `${where}.method`),
    headers: match.headers.map((header, i) => compileHeaderMatch(header, `${where}.headers[${i}]`)),
    query: match.query_params.map((param, i) => compileQueryMatch(param, `${where}.query_params[${i}]`)),
  };
}

function compilePath(path: NonNullable<HttpRouteMatch__Output['path']>, where: string): CompiledPath {
  if (path.exact !== undefined && (path.kind ?? 'exact') === 'exact') return { kind: 'exact', value: path.exact };
  if (path.prefix !== undefined && (path.kind ?? 'prefix') === 'prefix') {
    return { kind: 'prefix', value: path.prefix.replace(/\/+$/, ''), all: path.prefix === '/' };
  }
  if (path.regex !== undefined) return { kind: 'regex', regex: wholeRegex(path.regex, `${where}.regex`) };
  throw new InvalidPolicyError(`${where}: no exact, prefix or regex`);
}

function methodOf(method: NonNullable<HttpRouteMatch__Output['method']>, where: string): string {
  const name = method.type === 'unregistered' ? method.unregistered : (method.registered ?? method.unregistered);
  if (name === undefined || name === '') throw new InvalidPolicyError(`${where}: no method`);
  return String(name);
}

function compileQueryMatch(param: QueryParamMatch__Output, where: string): CompiledQueryMatch {
  if (param.name === '') throw new InvalidPolicyError(`${where}.name: empty`);
  if (param.regex !== undefined && param.value !== 'exact') return { name: param.name, regex: wholeRegex(param.regex, `${where}.regex`) };
  if (param.exact === undefined) throw new InvalidPolicyError(`${where}: no value to match`);
  return { name: param.name, exact: param.exact };
}

/** Per-lookup facts computed at most once: the lower-case host and the decoded query. */
class RequestView {
  private params: readonly (readonly [string, string])[] | undefined;
  private hostText: string | undefined | null = null;

  constructor(readonly request: HttpRequestFacts) {}

  get host(): string | undefined {
    if (this.hostText === null) this.hostText = hostOf(this.request.authority)?.toLowerCase();
    return this.hostText;
  }

  queryParams(): readonly (readonly [string, string])[] {
    this.params ??= this.request.query === undefined ? [] : [...new URLSearchParams(this.request.query)];
    return this.params;
  }
}

const everything = (host: HostScore): HttpMatchSummary => ({ host, pathKind: 'prefix', pathLength: 1, method: false, headers: 0, query: 0 });

/** The best rule for the request among `routes`, or undefined when none matches. */
export function findHttpRoute<R extends HttpRouteLike>(routes: readonly R[], request: HttpRequestFacts): HttpRouteFound<R> | undefined {
  const view = new RequestView(request);
  let best: HttpRouteFound<R> | undefined;
  for (let routeIndex = 0; routeIndex < routes.length; routeIndex++) {
    const route = routes[routeIndex] as R;
    const compiled = cache.get(route) ?? compileHttpRoute(route, `routes[${routeIndex}]`);
    const host = compiled.hosts.length === 0 ? anyHost : scoreHosts(compiled.hosts, view.host);
    if (host === undefined) continue;
    for (let ruleIndex = 0; ruleIndex < compiled.rules.length; ruleIndex++) {
      const matches = compiled.rules[ruleIndex] as readonly CompiledHttpMatch[];
      const summary = matches.length === 0 ? everything(host) : bestMatch(matches, view, host);
      if (summary !== undefined && (best === undefined || compareSummaries(summary, best.summary) > 0)) {
        best = { route, routeIndex, ruleIndex, summary };
      }
    }
  }
  return best;
}

function bestMatch(matches: readonly CompiledHttpMatch[], view: RequestView, host: HostScore): HttpMatchSummary | undefined {
  let best: HttpMatchSummary | undefined;
  for (const match of matches) {
    const summary = matchRequest(match, view, host);
    if (summary !== undefined && (best === undefined || compareSummaries(summary, best) > 0)) best = summary;
  }
  return best;
}

function matchRequest(match: CompiledHttpMatch, view: RequestView, host: HostScore): HttpMatchSummary | undefined {
  const { request } = view;
  if (match.method !== undefined && match.method !== request.method) return undefined;
  let pathKind: PathMatchKind = 'prefix';
  let pathLength = 1;
  if (match.path !== undefined) {
    const length = pathMatchLength(match.path, request.path);
    if (length === undefined) return undefined;
    pathKind = match.path.kind;
    pathLength = length;
  }
  if (!match.headers.every((header) => headerMatches(header, request.headers))) return undefined;
  if (!match.query.every((param) => queryMatches(param, view))) return undefined;
  return { host, pathKind, pathLength, method: match.method !== undefined, headers: match.headers.length, query: match.query.length };
}

function pathMatchLength(path: CompiledPath, requestPath: string): number | undefined {
  switch (path.kind) {
    case 'exact': return requestPath === path.value ? requestPath.length : undefined;
    case 'regex': return path.regex.test(requestPath) ? requestPath.length : undefined;
    case 'prefix': {
      if (path.all) return 1;
      if (!requestPath.startsWith(path.value)) return undefined;
      const rest = requestPath.slice(path.value.length);
      return rest === '' || rest.startsWith('/') ? path.value.length : undefined;
    }
  }
}

function queryMatches(param: CompiledQueryMatch, view: RequestView): boolean {
  for (const [name, value] of view.queryParams()) {
    if (name !== param.name) continue;
    if (param.regex === undefined ? value === param.exact : param.regex.test(value)) return true;
  }
  return false;
}

const pathKindRank: Readonly<Record<PathMatchKind, number>> = { exact: 2, prefix: 1, regex: 0 };

/** Positive when `a` is the more specific match. */
export function compareSummaries(a: HttpMatchSummary, b: HttpMatchSummary): number {
  return compareHostScores(a.host, b.host)
    || a.pathLength - b.pathLength
    || pathKindRank[a.pathKind] - pathKindRank[b.pathKind]
    || Number(a.method) - Number(b.method)
    || a.headers - b.headers
    || a.query - b.query;
}
