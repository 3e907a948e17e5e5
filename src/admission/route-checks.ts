/**
 * The checks Linkerd's policy validator makes of HTTP and gRPC routes beyond their schemas:
 * exact and prefix paths are absolute, regular expressions compile, a backend timeout is no longer
 * than the request timeout, a Service backend names a port, and an EgressNetwork parent names a port.
 *
 * Regular expressions are compiled as JavaScript ones, Go's and Rust's `(?P<name>…)` groups being
 * read as `(?<name>…)`: an approximation of the proxies' regex dialects that catches what is
 * plainly broken (unbalanced groups, bad escapes, dangling quantifiers).
 *
 * Pure.
 */
import type { ValidGrpcRoute } from '../informers/kinds/grpc-route.js';
import type { HeaderMatch, HttpRouteMatch, HttpRouteSpec, ParentRef } from '../informers/kinds/http-route-spec.js';
import { type Problem, problemAt } from './problems.js';
import { groupKinds, refersTo } from './refs.js';

type Path = readonly PropertyKey[];

type GrpcRouteSpec = ValidGrpcRoute['spec'];

/** Why `pattern` is not a regular expression, or undefined if it is one. */
export function regexError(pattern: string): string | undefined {
  try {
    new RegExp(pattern.replaceAll('(?P<', '(?<'));
    return undefined;
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
}

function regexProblems(path: Path, type: string | undefined, pattern: string | undefined): Problem[] {
  if (type !== 'RegularExpression' || pattern === undefined) return [];
  const error = regexError(pattern);
  return error === undefined ? [] : [problemAt(path, error)];
}

function headerProblems(headers: readonly HeaderMatch[] | undefined, path: Path): Problem[] {
  return (headers ?? []).flatMap((header, index) => regexProblems([...path, index, 'value'], header.type, header.value));
}

function httpMatchProblems(match: HttpRouteMatch, path: Path): Problem[] {
  const problems: Problem[] = [];
  const type = match.path?.type ?? 'PathPrefix';
  const value = match.path?.value ?? '/';
  if (type === 'RegularExpression') problems.push(...regexProblems([...path, 'path', 'value'], type, value));
  else if (!value.startsWith('/')) problems.push(problemAt([...path, 'path', 'value'], `${type} paths must be absolute (begin with /); ${JSON.stringify(value)} is not`));
  problems.push(...headerProblems(match.headers, [...path, 'headers']));
  (match.queryParams ?? []).forEach((param, index) => problems.push(...regexProblems([...path, 'queryParams', index, 'value'], param.type, param.value)));
  return problems;
}

const durationUnitMs: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds in a Gateway API duration (`1m30s`, `500ms`); the schema has checked its form. */
export function gatewayDurationMs(text: string): number {
  let total = 0;
  for (const [, digits, unit] of text.matchAll(/(\d+)(h|ms|m|s)/g)) total += Number(digits) * (durationUnitMs[unit as string] as number);
  return total;
}

/** A backendRequest timeout must not exceed the request timeout (a zero request timeout means none). */
function timeoutProblems(timeouts: { request?: string | undefined; backendRequest?: string | undefined } | undefined, path: Path): Problem[] {
  if (timeouts?.request === undefined || timeouts.backendRequest === undefined) return [];
  const request = gatewayDurationMs(timeouts.request);
  if (request === 0 || gatewayDurationMs(timeouts.backendRequest) <= request) return [];
  return [problemAt([...path, 'backendRequest'],
    `backendRequest timeout (${timeouts.backendRequest}) must not be greater than request timeout (${timeouts.request})`)];
}

interface BackendRef {
  readonly group?: string | undefined;
  readonly kind?: string | undefined;
  readonly port?: number | undefined;
}

/** A backend that is a Service (the default group and kind) must name a port. */
function backendProblems(backends: readonly BackendRef[] | undefined, path: Path): Problem[] {
  return (backends ?? []).flatMap((backend, index) => {
    const isService = refersTo({ group: backend.group ?? '', kind: backend.kind ?? 'Service' }, groupKinds.service);
    return isService && backend.port === undefined
      ? [problemAt([...path, index, 'port'], 'cannot target a Service without specifying a port')]
      : [];
  });
}

function parentProblems(parents: readonly ParentRef[] | undefined): Problem[] {
  return (parents ?? []).flatMap((parent, index) => {
    const egress = refersTo({ group: parent.group ?? 'gateway.networking.k8s.io', kind: parent.kind ?? 'Gateway' }, groupKinds.egressNetwork);
    return egress && parent.port === undefined
      ? [problemAt(['spec', 'parentRefs', index, 'port'], 'cannot target an EgressNetwork without specifying a port')]
      : [];
  });
}

/** Linkerd's HTTPRoute and Gateway API's share these checks. */
export function httpRouteProblems(spec: HttpRouteSpec): Problem[] {
  const problems = parentProblems(spec.parentRefs);
  (spec.rules ?? []).forEach((rule, index) => {
    const path = ['spec', 'rules', index];
    (rule.matches ?? []).forEach((match, matchIndex) => problems.push(...httpMatchProblems(match, [...path, 'matches', matchIndex])));
    problems.push(...timeoutProblems(rule.timeouts, [...path, 'timeouts']));
    problems.push(...backendProblems(rule.backendRefs, [...path, 'backendRefs']));
  });
  return problems;
}

export function grpcRouteProblems(spec: GrpcRouteSpec): Problem[] {
  const problems = parentProblems(spec.parentRefs);
  (spec.rules ?? []).forEach((rule, index) => {
    const path = ['spec', 'rules', index];
    (rule.matches ?? []).forEach((match, matchIndex) => {
      const matchPath = [...path, 'matches', matchIndex];
      const method = match.method;
      if (method !== undefined) {
        problems.push(...regexProblems([...matchPath, 'method', 'service'], method.type, method.service));
        problems.push(...regexProblems([...matchPath, 'method', 'method'], method.type, method.method));
      }
      problems.push(...headerProblems(match.headers, [...matchPath, 'headers']));
    });
    problems.push(...backendProblems(rule.backendRefs, [...path, 'backendRefs']));
  });
  return problems;
}
