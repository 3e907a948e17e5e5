/**
 * Route and route-backend filters, as the actions the data path carries out in order: modify the
 * request's (or, outbound, the response's) headers, answer with a redirect, fail the request
 * (with the given probability: sample once per request; the first failure that fires ends it), or
 * fail it with a 500 because the policy asked for something the proxy cannot do (an unknown filter
 * kind; a prefix redirect after a non-prefix match).
 *
 * Filters are compiled once per message. Resolving them for a request returns the compiled list
 * itself unless it holds a redirect, whose location depends on the request. Header values are
 * latin1 text (what Node writes for a string header). Pure.
 */
import type { GrpcFailureInjector__Output } from '../../gen/proto/io/linkerd/proxy/grpc_route/GrpcFailureInjector.js';
import type { HttpFailureInjector__Output } from '../../gen/proto/io/linkerd/proxy/http_route/HttpFailureInjector.js';
import type { Ratio__Output } from '../../gen/proto/io/linkerd/proxy/http_route/Ratio.js';
import type { RequestHeaderModifier__Output } from '../../gen/proto/io/linkerd/proxy/http_route/RequestHeaderModifier.js';
import type { RequestRedirect__Output } from '../../gen/proto/io/linkerd/proxy/http_route/RequestRedirect.js';
import type { HttpMatchSummary } from './http-route-match.js';
import { InvalidPolicyError } from './invalid-policy.js';
import { compileRedirect, redirectOutcome, type CompiledRedirect } from './request-redirect.js';
import type { HttpRequestFacts } from './request-facts.js';

export interface HeaderModification {
  readonly set: readonly (readonly [name: string, value: string])[];
  readonly add: readonly (readonly [name: string, value: string])[];
  readonly remove: readonly string[];
}

export type FilterAction =
  | { readonly kind: 'request-headers'; readonly headers: HeaderModification }
  | { readonly kind: 'response-headers'; readonly headers: HeaderModification }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | { readonly kind: 'fail-http'; readonly status: number; readonly message: string; readonly probability: number }
  | { readonly kind: 'fail-grpc'; readonly code: number; readonly message: string; readonly probability: number }
  | { readonly kind: 'internal-error'; readonly message: string };

type CompiledFilter = FilterAction | { readonly kind: 'redirect-spec'; readonly redirect: CompiledRedirect };

export interface CompiledFilters {
  readonly items: readonly CompiledFilter[];
  /** The actions when no item depends on the request. */
  readonly fixed: readonly FilterAction[] | undefined;
}

/** The union of the HTTP and gRPC filter messages, inbound and outbound. */
export interface FilterMessage {
  readonly kind?: string | undefined;
  readonly failure_injector?: HttpFailureInjector__Output | GrpcFailureInjector__Output | null | undefined;
  readonly request_header_modifier?: RequestHeaderModifier__Output | null | undefined;
  readonly response_header_modifier?: RequestHeaderModifier__Output | null | undefined;
  readonly redirect?: RequestRedirect__Output | null | undefined;
}

export const noFilters: CompiledFilters = { items: [], fixed: [] };

export function compileFilters(filters: readonly FilterMessage[], protocol: 'http' | 'grpc', where: string): CompiledFilters {
  if (filters.length === 0) return noFilters;
  const items = filters.map((filter, i) => compileFilter(filter, protocol, `${where}[${i}]`));
  const fixed = items.every((item): item is FilterAction => item.kind !== 'redirect-spec') ? items : undefined;
  return { items, fixed };
}

function compileFilter(filter: FilterMessage, protocol: 'http' | 'grpc', where: string): CompiledFilter {
  if (filter.failure_injector != null) return failure(filter.failure_injector, protocol, `${where}.failure_injector`);
  if (filter.request_header_modifier != null) return { kind: 'request-headers', headers: modification(filter.request_header_modifier, `${where}.request_header_modifier`) };
  if (filter.response_header_modifier != null) return { kind: 'response-headers', headers: modification(filter.response_header_modifier, `${where}.response_header_modifier`) };
  if (filter.redirect != null) return { kind: 'redirect-spec', redirect: compileRedirect(filter.redirect, `${where}.redirect`) };
  return { kind: 'internal-error', message: 'policy configured with an unknown filter' };
}

function failure(injector: HttpFailureInjector__Output | GrpcFailureInjector__Output, protocol: 'http' | 'grpc', where: string): FilterAction {
  const probability = probabilityOf(injector.ratio, `${where}.ratio`);
  if ('code' in injector && protocol === 'grpc') {
    if (injector.code > 0xffff) throw new InvalidPolicyError(`${where}.code: ${injector.code} is not a gRPC status`);
    return { kind: 'fail-grpc', code: injector.code, message: injector.message, probability };
  }
  const status = 'status' in injector ? injector.status : 500;
  if (status < 100 || status > 999) throw new InvalidPolicyError(`${where}.status: ${status} is not an HTTP status`);
  return { kind: 'fail-http', status, message: injector.message, probability };
}

function probabilityOf(ratio: Ratio__Output | null, where: string): number {
  if (ratio === null) return 1;
  if (ratio.denominator === 0) throw new InvalidPolicyError(`${where}: the denominator is 0`);
  if (ratio.numerator > ratio.denominator) throw new InvalidPolicyError(`${where}: ${ratio.numerator}/${ratio.denominator} is more than 1`);
  return ratio.numerator / ratio.denominator;
}

const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function modification(modifier: RequestHeaderModifier__Output, where: string): HeaderModification {
  const pairs = (list: RequestHeaderModifier__Output['set'], field: string): [string, string][] => (list?.headers ?? []).map((header, i) => {
    if (!headerName.test(header.name)) throw new InvalidPolicyError(`${where}.${field}[${i}].name: ${JSON.stringify(header.name)} is not a header name`);
    const value = Buffer.from(header.value).toString('latin1');
    if (/[\0\r\n]/.test(value)) throw new InvalidPolicyError(`${where}.${field}[${i}].value: contains a control character`);
    return [header.name.toLowerCase(), value];
  });
  modifier.remove.forEach((name, i) => {
    if (!headerName.test(name)) throw new InvalidPolicyError(`${where}.remove[${i}]: ${JSON.stringify(name)} is not a header name`);
  });
  return { set: pairs(modifier.set, 'set'), add: pairs(modifier.add, 'add'), remove: modifier.remove.map((name) => name.toLowerCase()) };
}

/** The actions for one request that matched with `summary` (undefined for gRPC routes, which have no redirects). */
export function resolveFilters(filters: CompiledFilters, request: HttpRequestFacts, summary: HttpMatchSummary | undefined): readonly FilterAction[] {
  if (filters.fixed !== undefined) return filters.fixed;
  const actions: FilterAction[] = [];
  for (const item of filters.items) {
    if (item.kind !== 'redirect-spec') {
      actions.push(item);
      continue;
    }
    const outcome = redirectOutcome(item.redirect, request, summary);
    if (outcome.kind === 'redirect') actions.push({ kind: 'redirect', status: outcome.status, location: outcome.location });
    else if (outcome.kind === 'invalid') actions.push({ kind: 'internal-error', message: `invalid redirect: ${outcome.message}` });
  }
  return actions;
}
