/**
 * The pieces HTTPRoute and GRPCRoute share on their way to the proxy API, outbound (attached to a
 * Service) and inbound (attached to a Server): which Service ports a route is attached to, host
 * names, path, header, query and gRPC method matches, header modifiers, redirects and a rule's
 * timeouts.
 *
 * Attachment follows Linkerd: a parent reference names a Service only with `kind: Service` (kind
 * is required; Gateway API's default kind is Gateway) and group `core` or empty; its namespace
 * defaults to the route's; a `port` narrows it to that port of the Service.
 * Anything the proxy could not use (an invalid regular expression, say) throws
 * `RouteTranslationError`: the route is then not used at all, never used in part.
 */
import type { Duration } from '../gen/proto/google/protobuf/Duration.js';
import type { GrpcRouteMatch } from '../gen/proto/io/linkerd/proxy/grpc_route/GrpcRouteMatch.js';
import type { HeaderMatch } from '../gen/proto/io/linkerd/proxy/http_route/HeaderMatch.js';
import type { HostMatch } from '../gen/proto/io/linkerd/proxy/http_route/HostMatch.js';
import type { HttpRouteMatch } from '../gen/proto/io/linkerd/proxy/http_route/HttpRouteMatch.js';
import type { PathMatch } from '../gen/proto/io/linkerd/proxy/http_route/PathMatch.js';
import type { RequestRedirect } from '../gen/proto/io/linkerd/proxy/http_route/RequestRedirect.js';
import type { RequestHeaderModifier } from '../gen/proto/io/linkerd/proxy/http_route/RequestHeaderModifier.js';
import type { Timeouts } from '../gen/proto/io/linkerd/proxy/http_route/Timeouts.js';
import type { GrpcRouteMatch as SpecGrpcMatch } from '../informers/kinds/grpc-route.js';
import type {
  HeaderMatch as RouteHeaderMatch, HeaderModifier, HttpRouteFilter, HttpRouteMatch as SpecMatch, ParentRef,
} from '../informers/kinds/http-route-spec.js';
import { hasTimeouts } from './outbound-annotations.js';

export class RouteTranslationError extends Error {
  override readonly name = 'RouteTranslationError';
}

export function isServiceRef(ref: { readonly group?: string | undefined; readonly kind?: string | undefined }): boolean {
  const group = ref.group ?? '';
  return ref.kind !== undefined && ref.kind.toLowerCase() === 'service' && (group === '' || group.toLowerCase() === 'core');
}

/** The Services (`<namespace>/<name>`) a route's parent references attach it to. */
export function parentServiceKeys(parentRefs: readonly ParentRef[] | undefined, routeNamespace: string): string[] {
  return (parentRefs ?? []).filter(isServiceRef).map((ref) => `${ref.namespace ?? routeNamespace}/${ref.name}`);
}

/**
 * The ports of one Service a route is attached to: undefined when it is not attached, null when
 * attached without a port (every port).
 */
export function attachedPorts(parentRefs: readonly ParentRef[] | undefined, routeNamespace: string,
  service: { readonly namespace: string; readonly name: string }): readonly number[] | null | undefined {
  const refs = (parentRefs ?? []).filter((ref) => isServiceRef(ref) && ref.name === service.name
    && (ref.namespace ?? routeNamespace) === service.namespace);
  if (refs.length === 0) return undefined;
  if (refs.some((ref) => ref.port === undefined)) return null;
  return [...new Set(refs.map((ref) => ref.port as number))].sort((a, b) => a - b);
}

/** `*.example.com` becomes a suffix match on ["com", "example"]; anything else is exact. */
export function hostMatch(hostname: string): HostMatch {
  if (!hostname.startsWith('*.')) return { exact: hostname };
  return { suffix: { reverse_labels: hostname.slice(2).split('.').reverse() } };
}

/** Header values travel as base64 text (see outbound-items.ts). */
export function headerBytes(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

export function checkedRegex(pattern: string, where: string): string {
  try {
    new RegExp(pattern);
  } catch {
    throw new RouteTranslationError(`${where}: ${JSON.stringify(pattern)} is not a regular expression`);
  }
  return pattern;
}

export function headerMatch(match: RouteHeaderMatch, where: string): HeaderMatch {
  return match.type === 'RegularExpression'
    ? { name: match.name, regex: checkedRegex(match.value, where) }
    : { name: match.name, exact: headerBytes(match.value) };
}

/** Both header modifiers have this shape; `add` and `set` are always present, as Linkerd sends them. */
export function headerModifier(modifier: HeaderModifier): RequestHeaderModifier {
  const headers = (list: HeaderModifier['add']) => ({ headers: (list ?? []).map((header) => ({ name: header.name, value: headerBytes(header.value) })) });
  return { add: headers(modifier.add), set: headers(modifier.set), remove: [...(modifier.remove ?? [])] };
}

/**
 * A rule's timeouts: the route's annotations, with a Gateway API rule `timeouts.request` (0 means
 * none) standing in for a missing `timeout.linkerd.io/request`; if that sets nothing at all, the
 * Service's. (Per Linkerd, a route that sets any timeout replaces all of the Service's.)
 */
export function effectiveTimeouts(route: Timeouts, ruleRequest: Duration | null, service: Timeouts): Timeouts {
  const own: Timeouts = route.request == null && ruleRequest !== null ? { ...route, request: ruleRequest } : route;
  return hasTimeouts(own) ? own : service;
}

function absolute(path: string, where: string): string {
  if (!path.startsWith('/')) throw new RouteTranslationError(`${where}: ${JSON.stringify(path)} is not an absolute path`);
  return path;
}

export function httpMatch(match: SpecMatch, where: string): HttpRouteMatch {
  let path: PathMatch | null = null;
  if (match.path !== undefined) {
    const value = match.path.value ?? '/';
    if (match.path.type === 'RegularExpression') path = { regex: checkedRegex(value, `${where}.path`) };
    else if (match.path.type === 'Exact') path = { exact: absolute(value, `${where}.path`) };
    else path = { prefix: absolute(value, `${where}.path`) };
  }
  return {
    path,
    headers: (match.headers ?? []).map((header, i) => headerMatch(header, `${where}.headers[${i}]`)),
    query_params: (match.queryParams ?? []).map((param, i) => (param.type === 'RegularExpression'
      ? { name: param.name, regex: checkedRegex(param.value, `${where}.queryParams[${i}]`) }
      : { name: param.name, exact: param.value })),
    method: match.method === undefined ? null : { registered: match.method },
  };
}

/** A method match by regular expression cannot be said in the proxy API, so it makes the route unusable. */
export function grpcMatch(match: SpecGrpcMatch, where: string): GrpcRouteMatch {
  if (match.method?.type === 'RegularExpression') {
    throw new RouteTranslationError(`${where}.method: RegularExpression method matches cannot be sent to the proxy`);
  }
  return {
    rpc: match.method === undefined ? null : { service: match.method.service ?? '', method: match.method.method ?? '' },
    headers: (match.headers ?? []).map((header, i) => headerMatch(header, `${where}.headers[${i}]`)),
  };
}

export type RedirectSpec = Extract<HttpRouteFilter, { type: 'RequestRedirect' }>['requestRedirect'];

export function requestRedirect(spec: RedirectSpec): RequestRedirect {
  let path: RequestRedirect['path'] = null;
  if (spec.path !== undefined) {
    path = spec.path.type === 'ReplaceFullPath'
      ? { full: absolute(spec.path.replaceFullPath ?? '', 'requestRedirect.path') }
      : { prefix: absolute(spec.path.replacePrefixMatch ?? '', 'requestRedirect.path') };
  }
  return {
    scheme: spec.scheme === undefined ? null : { registered: spec.scheme === 'https' ? 'HTTPS' : 'HTTP' },
    host: spec.hostname ?? '',
    path,
    port: spec.port ?? 0,
    status: spec.statusCode ?? 0,
  };
}
