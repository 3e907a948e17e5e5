/**
 * HTTP route redirects (`RequestRedirect`), as Linkerd's proxy answers them:
 * - the scheme is the filter's, else the request's, else `http`;
 * - a host and a port replace the authority; a host alone keeps the request's port unless it is
 *   the scheme's default; a port alone keeps the request's host and is left out when it is the
 *   scheme's default;
 * - a full path replaces the path and query; a prefix replaces the part of the path the rule's
 *   prefix matched and keeps the rest and the query (only after a prefix match: otherwise the
 *   redirect is invalid and the request fails with a 500);
 * - the status is the filter's, else 301; a location equal to the request's own is no redirect.
 * Pure.
 */
import type { RequestRedirect__Output } from '../../gen/proto/io/linkerd/proxy/http_route/RequestRedirect.js';
import type { HttpMatchSummary } from './http-route-match.js';
import { InvalidPolicyError } from './invalid-policy.js';
import { hostOf, portOf, type HttpRequestFacts } from './request-facts.js';

export interface CompiledRedirect {
  readonly scheme: string | undefined;
  readonly authority:
    | { readonly kind: 'exact'; readonly authority: string }
    | { readonly kind: 'host'; readonly host: string }
    | { readonly kind: 'port'; readonly port: number }
    | undefined;
  readonly path: { readonly kind: 'full' | 'prefix'; readonly value: string } | undefined;
  readonly status: number;
}

export type RedirectOutcome =
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly message: string };

export function compileRedirect(redirect: RequestRedirect__Output, where: string): CompiledRedirect {
  const scheme = redirect.scheme === null ? undefined
    : redirect.scheme.type === 'unregistered' ? redirect.scheme.unregistered : String(redirect.scheme.registered ?? 'HTTP').toLowerCase();
  if (redirect.port > 65535) throw new InvalidPolicyError(`${where}.port: ${redirect.port} is not a port`);
  if (redirect.status !== 0 && (redirect.status < 100 || redirect.status > 999)) throw new InvalidPolicyError(`${where}.status: ${redirect.status} is not an HTTP status`);
  const { host, port } = redirect;
  const authority = host === '' ? (port === 0 ? undefined : { kind: 'port' as const, port })
    : port === 0 ? { kind: 'host' as const, host } : { kind: 'exact' as const, authority: `${host}:${port}` };
  let path: CompiledRedirect['path'];
  if (redirect.path !== null) {
    const value = redirect.path.full ?? redirect.path.prefix;
    if (value === undefined) throw new InvalidPolicyError(`${where}.path: neither full nor prefix`);
    if (!value.startsWith('/')) throw new InvalidPolicyError(`${where}.path: ${JSON.stringify(value)} is not an absolute path`);
    path = { kind: redirect.path.full !== undefined && redirect.path.replace !== 'prefix' ? 'full' : 'prefix', value };
  }
  return { scheme: scheme?.toLowerCase(), authority, path, status: redirect.status === 0 ? 301 : redirect.status };
}

const defaultPort = (scheme: string, port: number): boolean => (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);

export function redirectOutcome(redirect: CompiledRedirect, request: HttpRequestFacts, summary: HttpMatchSummary | undefined): RedirectOutcome {
  const scheme = redirect.scheme ?? request.scheme ?? 'http';
  const authority = authorityOf(redirect, request, scheme);
  if (authority === undefined) return { kind: 'invalid', message: 'no authority to redirect to' };
  const target = pathAndQuery(redirect, request, summary);
  if (target === undefined) return { kind: 'invalid', message: 'redirects may only replace the path prefix when a path prefix match applied' };
  const location = `${scheme}://${authority}${target}`;
  const original = `${request.scheme ?? 'http'}://${request.authority ?? ''}${request.path}${request.query === undefined ? '' : `?${request.query}`}`;
  return location === original ? { kind: 'none' } : { kind: 'redirect', status: redirect.status, location };
}

function authorityOf(redirect: CompiledRedirect, request: HttpRequestFacts, scheme: string): string | undefined {
  const override = redirect.authority;
  const original = request.authority === '' ? undefined : request.authority;
  if (override === undefined) return original;
  if (override.kind === 'exact') return override.authority;
  const originalPort = portOf(original);
  if (override.kind === 'host') {
    return originalPort !== undefined && !defaultPort(scheme, originalPort) ? `${override.host}:${originalPort}` : override.host;
  }
  const host = hostOf(original);
  if (host === undefined) return undefined;
  if (!defaultPort(scheme, override.port)) return override.port !== originalPort ? `${host}:${override.port}` : original;
  return originalPort !== undefined ? host : original;
}

function pathAndQuery(redirect: CompiledRedirect, request: HttpRequestFacts, summary: HttpMatchSummary | undefined): string | undefined {
  const query = request.query === undefined ? '' : `?${request.query}`;
  if (redirect.path === undefined) return `${request.path}${query}`;
  if (redirect.path.kind === 'full') return redirect.path.value;
  if (summary === undefined || summary.pathKind !== 'prefix' || summary.pathLength > request.path.length) return undefined;
  const rest = request.path.slice(summary.pathLength);
  return `${redirect.path.value}${rest !== '' && !rest.startsWith('/') ? '/' : ''}${rest}${query}`;
}
