/**
 * The sp-validator webhook: Linkerd's validation of ServiceProfiles (linkerd.io v1alpha2, and
 * v1alpha1, which has the same shape) before the API server stores them.
 *
 * Contract, as Linkerd's sp-validator behaves:
 * - Only ServiceProfiles are validated; any other kind is denied as an unsupported resource type.
 * - The object is parsed with the informers' ServiceProfile schema at full strictness: an unknown
 *   field anywhere in the spec is denied (Linkerd unmarshals strictly).
 * - Then Linkerd's checks: the name is a DNS-1123 subdomain; there is at least one route; every
 *   route has a name, a condition with a field set (recursively) and a Go-duration timeout if any;
 *   every response class has a condition with a field set and status ranges within 100-599 whose
 *   maximum is not below the minimum; a retry budget's ttl is a Go duration.
 * - A denial names each field and its problem, up to ten of them.
 * - CREATE and UPDATE are validated; DELETE and CONNECT are allowed (there is no new object).
 *
 * Pure: no state is read. The informers stay lenient: a profile this webhook would deny but that
 * is already stored still parses there, or falls back to the default profile.
 */
import { z } from 'zod';
import type { RequestMatch, ResponseMatch } from '../informers/kinds/service-profile.js';
import { strictServiceProfileSchema } from '../informers/kinds/service-profile.js';
import { parseDuration } from '../reconcilers/go-duration.js';
import { type AdmissionRequest, type AdmissionValidator, type AdmissionVerdict, allow, deny, screenRequest, unsupportedKind } from './admission-review.js';
import { admittedMetadataSchema, withRequestNamespace } from './admitted-object.js';
import { denialMessage, type Problem, problemAt, zodProblems } from './problems.js';
import { groupKinds, refersTo } from './refs.js';

type Path = readonly PropertyKey[];

export const admittedServiceProfileSchema = strictServiceProfileSchema.extend({
  apiVersion: z.literal(['linkerd.io/v1alpha2', 'linkerd.io/v1alpha1']),
  metadata: admittedMetadataSchema,
});

type AdmittedServiceProfile = z.infer<typeof admittedServiceProfileSchema>;

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const minStatus = 100;
const maxStatus = 599;

function nameProblems(name: string | undefined): Problem[] {
  if (name !== undefined && name.length <= 253 && dns1123Subdomain.test(name)) return [];
  return [problemAt(['metadata', 'name'],
    'a ServiceProfile is named after its authority and must be a DNS-1123 subdomain (lower-case letters, digits, - and .), such as web.shop.svc.cluster.local')];
}

/** A request condition must set at least one of all, any, not, method and pathRegex; so must each nested one. */
function requestMatchProblems(match: RequestMatch, path: Path): Problem[] {
  const nested: [RequestMatch, Path][] = [
    ...(match.all ?? []).map((child, index): [RequestMatch, Path] => [child, [...path, 'all', index]]),
    ...(match.any ?? []).map((child, index): [RequestMatch, Path] => [child, [...path, 'any', index]]),
    ...(Array.isArray(match.not)
      ? match.not.map((child, index): [RequestMatch, Path] => [child, [...path, 'not', index]])
      : match.not === undefined ? [] : [[match.not, [...path, 'not']] as [RequestMatch, Path]]),
  ];
  const set = match.all !== undefined || match.any !== undefined || match.not !== undefined
    || (match.method ?? '') !== '' || (match.pathRegex ?? '') !== '';
  const own = set ? [] : [problemAt(path, 'a request match must have a field set (all, any, not, method or pathRegex)')];
  return [...own, ...nested.flatMap(([child, childPath]) => requestMatchProblems(child, childPath))];
}

function statusProblems(status: NonNullable<ResponseMatch['status']>, path: Path): Problem[] {
  const { min = 0, max = 0 } = status;
  if (min !== 0 && (min < minStatus || min > maxStatus)) return [problemAt([...path, 'min'], `range minimum must be between ${minStatus} and ${maxStatus}, inclusive`)];
  if (max !== 0 && (max < minStatus || max > maxStatus)) return [problemAt([...path, 'max'], `range maximum must be between ${minStatus} and ${maxStatus}, inclusive`)];
  if (min !== 0 && max !== 0 && max < min) return [problemAt([...path, 'max'], 'range maximum cannot be smaller than minimum')];
  return [];
}

/** A response condition must set at least one of all, any, not and status; status ranges must be HTTP statuses. */
function responseMatchProblems(match: ResponseMatch, path: Path): Problem[] {
  const set = match.all !== undefined || match.any !== undefined || match.not !== undefined || match.status !== undefined;
  return [
    ...(set ? [] : [problemAt(path, 'a response match must have a field set (all, any, not or status)')]),
    ...(match.status === undefined ? [] : statusProblems(match.status, [...path, 'status'])),
    ...(match.all ?? []).flatMap((child, index) => responseMatchProblems(child, [...path, 'all', index])),
    ...(match.any ?? []).flatMap((child, index) => responseMatchProblems(child, [...path, 'any', index])),
    ...(match.not === undefined ? [] : responseMatchProblems(match.not, [...path, 'not'])),
  ];
}

function durationProblems(text: string | undefined, path: Path): Problem[] {
  if (text === undefined || parseDuration(text) !== undefined) return [];
  return [problemAt(path, `expected a Go duration such as 300ms or 1m30s, not ${JSON.stringify(text)}`)];
}

function specProblems(spec: AdmittedServiceProfile['spec']): Problem[] {
  const routes = spec.routes ?? [];
  const problems = routes.length === 0 ? [problemAt(['spec', 'routes'], 'a ServiceProfile must have at least one route')] : [];
  routes.forEach((route, index) => {
    const path = ['spec', 'routes', index];
    if (route.name === '') problems.push(problemAt([...path, 'name'], 'a route must have a name'));
    problems.push(...durationProblems(route.timeout, [...path, 'timeout']));
    problems.push(...requestMatchProblems(route.condition, [...path, 'condition']));
    (route.responseClasses ?? []).forEach((responseClass, classIndex) => {
      problems.push(...responseMatchProblems(responseClass.condition, [...path, 'responseClasses', classIndex, 'condition']));
    });
  });
  if (spec.retryBudget !== undefined) problems.push(...durationProblems(spec.retryBudget.ttl, ['spec', 'retryBudget', 'ttl']));
  return problems;
}

/** Every problem with a ServiceProfile under admission; none means it is admitted. */
export function serviceProfileProblems(object: unknown): Problem[] {
  const parsed = admittedServiceProfileSchema.safeParse(object);
  if (!parsed.success) return zodProblems(parsed.error);
  return [...nameProblems(parsed.data.metadata.name), ...specProblems(parsed.data.spec)];
}

/** A validator for the sp-validator webhook. */
export function spValidator(): AdmissionValidator {
  return (request: AdmissionRequest): AdmissionVerdict => {
    const early = screenRequest(request);
    if (early !== undefined) return early;
    if (!refersTo(request.kind, groupKinds.serviceProfile)) return unsupportedKind(request);
    const problems = serviceProfileProblems(withRequestNamespace(request.object, request.namespace));
    return problems.length === 0 ? allow : deny(denialMessage(problems));
  };
}
