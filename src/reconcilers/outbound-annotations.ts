/**
 * Linkerd's client-policy annotations, in the proxy API's terms. They sit on a Service (for all of
 * its traffic) or on an HTTPRoute or GRPCRoute (for that route's):
 * - retries: `retry.linkerd.io/limit` (default 1; 0 means unset), `retry.linkerd.io/timeout` (per
 *   attempt; 0 means unset), and `retry.linkerd.io/http` (`5xx`, `gateway-error`, `429`,
 *   `500-504`, comma-separated) or `retry.linkerd.io/grpc` (`cancelled`, `deadline-exceeded`,
 *   `internal`, `resource-exhausted`, `unavailable`). Any of them turns retries on; a retry carries
 *   Linkerd's fixed body limit (64 KiB) and backoff (25 ms to 250 ms, full jitter).
 * - timeouts: `timeout.linkerd.io/request`, `/response` and `/idle`.
 * - failure accrual (Service only): `balancer.linkerd.io/failure-accrual: consecutive`, with
 *   `…-consecutive-max-failures` (7), `…-min-penalty` (1s), `…-max-penalty` (60s) and
 *   `…-jitter-ratio` (0.5).
 *
 * Each reader returns its value or, if any one of its annotations cannot be read, a problem naming
 * it. The caller decides what a problem means: on a Service the reader's default applies (as
 * Linkerd does); on a route the route is not used. A reader never returns half of its annotations.
 */
import type { Timeouts } from '../gen/proto/io/linkerd/proxy/http_route/Timeouts.js';
import type { FailureAccrual } from '../gen/proto/io/linkerd/proxy/outbound/FailureAccrual.js';
import type { _io_linkerd_proxy_outbound_GrpcRoute_Retry as GrpcRetry } from '../gen/proto/io/linkerd/proxy/outbound/GrpcRoute.js';
import type { _io_linkerd_proxy_outbound_HttpRoute_Retry as HttpRetry } from '../gen/proto/io/linkerd/proxy/outbound/HttpRoute.js';
import type { ExponentialBackoff } from '../gen/proto/io/linkerd/proxy/outbound/ExponentialBackoff.js';
import { parseAnnotationDuration, protoDuration } from './outbound-durations.js';

export type { GrpcRetry, HttpRetry };

export type Annotations = Readonly<Record<string, string>>;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const problem = <T>(text: string): Parsed<T> => ({ ok: false, problem: text });

export const retryBodyLimitBytes = 64 * 1024;
const retryBackoff: ExponentialBackoff = { min_backoff: protoDuration(25), max_backoff: protoDuration(250), jitter_ratio: 1 };

/** Timeouts with nothing set: the value that means "no timeouts here, use the parent's". */
export const noTimeouts: Timeouts = { response: null, request: null, idle: null };

export function hasTimeouts(timeouts: Timeouts): boolean {
  return timeouts.response != null || timeouts.request != null || timeouts.idle != null;
}

export function readTimeouts(annotations: Annotations): Parsed<Timeouts> {
  const out: Record<'response' | 'request' | 'idle', Timeouts['response']> = { response: null, request: null, idle: null };
  for (const field of ['response', 'request', 'idle'] as const) {
    const name = `timeout.linkerd.io/${field}`;
    const text = annotations[name];
    if (text === undefined) continue;
    const ms = parseAnnotationDuration(text);
    if (ms === undefined) return problem(`${name}: ${JSON.stringify(text)} is not a duration`);
    out[field] = protoDuration(ms);
  }
  return ok(out);
}

interface RetryLimits {
  readonly limit: number | undefined;
  readonly timeoutMs: number | undefined;
}

function readRetryLimits(annotations: Annotations): Parsed<RetryLimits> {
  const limitText = annotations['retry.linkerd.io/limit'];
  let limit: number | undefined;
  if (limitText !== undefined) {
    if (!/^\+?\d{1,5}$/.test(limitText) || Number(limitText) > 65535) {
      return problem(`retry.linkerd.io/limit: ${JSON.stringify(limitText)} is not a number from 0 to 65535`);
    }
    limit = Number(limitText) === 0 ? undefined : Number(limitText);
  }
  const timeoutText = annotations['retry.linkerd.io/timeout'];
  let timeoutMs: number | undefined;
  if (timeoutText !== undefined) {
    const ms = parseAnnotationDuration(timeoutText);
    if (ms === undefined) return problem(`retry.linkerd.io/timeout: ${JSON.stringify(timeoutText)} is not a duration`);
    timeoutMs = ms === 0 ? undefined : ms;
  }
  return ok({ limit, timeoutMs });
}

function statusCode(text: string): number | undefined {
  if (!/^\+?\d+$/.test(text)) return undefined;
  const code = Number(text);
  return code >= 100 && code <= 599 ? code : undefined;
}

function statusRange(condition: string): { start: number; end: number } | undefined {
  if (condition.toLowerCase() === '5xx') return { start: 500, end: 599 };
  if (condition.toLowerCase() === 'gateway-error') return { start: 502, end: 504 };
  const single = statusCode(condition);
  if (single !== undefined) return { start: single, end: single };
  const dash = condition.indexOf('-');
  if (dash < 0) return undefined;
  const start = statusCode(condition.slice(0, dash));
  const end = statusCode(condition.slice(dash + 1));
  return start !== undefined && end !== undefined && start <= end ? { start, end } : undefined;
}

export function readHttpRetry(annotations: Annotations): Parsed<HttpRetry | null> {
  const limits = readRetryLimits(annotations);
  if (!limits.ok) return limits;
  const text = annotations['retry.linkerd.io/http'];
  let ranges: { start: number; end: number }[] | undefined;
  if (text !== undefined) {
    ranges = [];
    for (const condition of text.split(',')) {
      const range = statusRange(condition);
      if (range === undefined) return problem(`retry.linkerd.io/http: ${JSON.stringify(condition)} is not a status, a range or 5xx/gateway-error`);
      ranges.push(range);
    }
  }
  const { limit, timeoutMs } = limits.value;
  if (limit === undefined && timeoutMs === undefined && ranges === undefined) return ok(null);
  return ok({
    max_retries: limit ?? 1,
    max_request_bytes: retryBodyLimitBytes,
    conditions: { status_ranges: ranges ?? [] },
    timeout: timeoutMs === undefined ? null : protoDuration(timeoutMs),
    backoff: retryBackoff,
  });
}

const grpcConditions: Readonly<Record<string, 'cancelled' | 'deadine_exceeded' | 'internal' | 'resource_exhausted' | 'unavailable'>> = {
  cancelled: 'cancelled', 'deadline-exceeded': 'deadine_exceeded', internal: 'internal',
  'resource-exhausted': 'resource_exhausted', unavailable: 'unavailable',
};

export function readGrpcRetry(annotations: Annotations): Parsed<GrpcRetry | null> {
  const limits = readRetryLimits(annotations);
  if (!limits.ok) return limits;
  const text = annotations['retry.linkerd.io/grpc'];
  let conditions: Set<string> | undefined;
  if (text !== undefined) {
    conditions = new Set();
    for (const condition of text.split(',')) {
      const field = grpcConditions[condition.toLowerCase()];
      if (field === undefined) return problem(`retry.linkerd.io/grpc: ${JSON.stringify(condition)} is not a gRPC status Linkerd retries`);
      conditions.add(field);
    }
  }
  const { limit, timeoutMs } = limits.value;
  if (limit === undefined && timeoutMs === undefined && conditions === undefined) return ok(null);
  const has = (field: string): boolean => conditions?.has(field) ?? false;
  return ok({
    max_retries: limit ?? 1,
    max_request_bytes: retryBodyLimitBytes,
    conditions: {
      cancelled: has('cancelled'), deadine_exceeded: has('deadine_exceeded'), internal: has('internal'),
      resource_exhausted: has('resource_exhausted'), unavailable: has('unavailable'),
    },
    timeout: timeoutMs === undefined ? null : protoDuration(timeoutMs),
    backoff: retryBackoff,
  });
}

const accrualPrefix = 'balancer.linkerd.io/failure-accrual';

export function readFailureAccrual(annotations: Annotations): Parsed<FailureAccrual | null> {
  const mode = annotations[accrualPrefix];
  if (mode === undefined) return ok(null);
  if (mode !== 'consecutive') return problem(`${accrualPrefix}: ${JSON.stringify(mode)} is not a mode Linkerd has (consecutive)`);
  const read = (suffix: string, fallback: number, parse: (text: string) => number | undefined): Parsed<number> => {
    const name = `${accrualPrefix}-consecutive-${suffix}`;
    const text = annotations[name];
    if (text === undefined) return ok(fallback);
    const value = parse(text);
    return value === undefined ? problem(`${name}: ${JSON.stringify(text)} cannot be read`) : ok(value);
  };
  const maxFailures = read('max-failures', 7, (text) => (/^\+?\d{1,10}$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : undefined));
  const maxPenalty = read('max-penalty', 60_000, parseAnnotationDuration);
  const minPenalty = read('min-penalty', 1000, parseAnnotationDuration);
  const jitter = read('jitter-ratio', 0.5, (text) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined));
  for (const part of [maxFailures, maxPenalty, minPenalty, jitter]) if (!part.ok) return part;
  const [max, min, ratio] = [maxPenalty, minPenalty, jitter].map((part) => (part.ok ? part.value : 0)) as [number, number, number];
  if (min > max) return problem(`${accrualPrefix}-consecutive-min-penalty is larger than the max-penalty`);
  if (max === 0) return problem(`${accrualPrefix}-consecutive-max-penalty cannot be zero`);
  if (ratio < 0 || ratio > 100) return problem(`${accrualPrefix}-consecutive-jitter-ratio must be from 0 to 100`);
  return ok({
    consecutive_failures: {
      max_failures: maxFailures.ok ? maxFailures.value : 7,
      backoff: { min_backoff: protoDuration(min), max_backoff: protoDuration(max), jitter_ratio: ratio },
    },
  });
}
