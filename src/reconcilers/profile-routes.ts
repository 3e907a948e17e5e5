/**
 * A ServiceProfile spec in the proxy API's terms: routes (request conditions, response classes,
 * retryability, timeouts), the retry budget and traffic-split overrides.
 *
 * Conditions: several fields on one condition all have to match (`all`); Linkerd's docs write
 * `not` as one condition and its CRD as a list, and both are read (a list means none may match).
 * Weights are Kubernetes quantities counted in thousandths (`500m` → 500, `1` → 1000), as Linkerd
 * does. A duration Sinew cannot read makes the whole profile unusable (it is skipped and the
 * default applies), never a route without its timeout.
 */
import type { RequestMatch as SpRequestMatch, ResponseMatch as SpResponseMatch, ServiceProfile } from '../informers/kinds/service-profile.js';
import type { Duration } from '../gen/proto/google/protobuf/Duration.js';
import type { RequestMatch } from '../gen/proto/io/linkerd/proxy/destination/RequestMatch.js';
import type { ResponseMatch } from '../gen/proto/io/linkerd/proxy/destination/ResponseMatch.js';
import type { RetryBudget } from '../gen/proto/io/linkerd/proxy/destination/RetryBudget.js';
import type { Route } from '../gen/proto/io/linkerd/proxy/destination/Route.js';
import type { WeightedDst } from '../gen/proto/io/linkerd/proxy/destination/WeightedDst.js';
import { parseDuration } from './go-duration.js';

export interface ProfileSpec {
  readonly name: string;
  readonly routes: readonly Route[];
  readonly retry_budget: RetryBudget | null;
  readonly dst_overrides: readonly WeightedDst[];
}

export class ProfileTranslationError extends Error {
  override readonly name = 'ProfileTranslationError';
}

const registeredMethods = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'HEAD', 'TRACE']);

export function profileSpec(profile: ServiceProfile): ProfileSpec {
  const { spec } = profile;
  return {
    name: profile.metadata.name,
    routes: (spec.routes ?? []).map((route) => ({
      condition: requestMatch(route.condition),
      response_classes: (route.responseClasses ?? []).map((klass) => ({ condition: responseMatch(klass.condition), is_failure: klass.isFailure ?? false })),
      metrics_labels: { route: route.name },
      is_retryable: route.isRetryable ?? false,
      timeout: route.timeout === undefined ? null : duration(route.timeout, `route ${route.name} timeout`),
    })),
    retry_budget: spec.retryBudget === undefined ? null : {
      retry_ratio: spec.retryBudget.retryRatio,
      min_retries_per_second: spec.retryBudget.minRetriesPerSecond,
      ttl: duration(spec.retryBudget.ttl, 'retryBudget.ttl'),
    },
    dst_overrides: (spec.dstOverrides ?? []).map((dst) => ({ authority: dst.authority, weight: milliQuantity(dst.weight) })),
  };
}

function requestMatch(match: SpRequestMatch): RequestMatch {
  const parts: RequestMatch[] = [];
  if (match.all !== undefined) parts.push({ all: { matches: match.all.map(requestMatch) } });
  if (match.any !== undefined) parts.push({ any: { matches: match.any.map(requestMatch) } });
  if (match.not !== undefined) {
    const negated = Array.isArray(match.not) ? { any: { matches: match.not.map(requestMatch) } } : requestMatch(match.not);
    parts.push({ not: negated });
  }
  if (match.pathRegex !== undefined) parts.push({ path: { regex: match.pathRegex } });
  if (match.method !== undefined) {
    const method = match.method.toUpperCase();
    parts.push({ method: registeredMethods.has(method) ? { registered: method as 'GET' } : { unregistered: match.method } });
  }
  return parts.length === 1 ? parts[0] as RequestMatch : { all: { matches: parts } };
}

function responseMatch(match: SpResponseMatch): ResponseMatch {
  const parts: ResponseMatch[] = [];
  if (match.all !== undefined) parts.push({ all: { matches: match.all.map(responseMatch) } });
  if (match.any !== undefined) parts.push({ any: { matches: match.any.map(responseMatch) } });
  if (match.not !== undefined) parts.push({ not: responseMatch(match.not) });
  if (match.status !== undefined) {
    const min = match.status.min ?? match.status.max ?? 0;
    parts.push({ status: { min, max: match.status.max ?? min } });
  }
  return parts.length === 1 ? parts[0] as ResponseMatch : { all: { matches: parts } };
}

function duration(text: string, what: string): Duration {
  const ms = parseDuration(text);
  if (ms === undefined) throw new ProfileTranslationError(`${what}: ${JSON.stringify(text)} is not a duration`);
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

const quantitySuffix: Readonly<Record<string, number>> = { m: 1e-3, '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

function milliQuantity(value: number | string): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const match = /^\+?(\d+(?:\.\d*)?|\.\d+)([a-zA-Z]*)$/.exec(value);
  const factor = match === null ? undefined : quantitySuffix[match[2] as string];
  if (match === null || factor === undefined) throw new ProfileTranslationError(`weight ${JSON.stringify(value)} is not a quantity Sinew reads`);
  return Math.round(Number(match[1]) * factor * 1000);
}
