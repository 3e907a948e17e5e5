/**
 * A route rule's backends (`Distribution`) as the data path dispatches to them, following
 * Linkerd's proxy:
 * - `empty` has no backends; `first_available` and `random_available` must list at least one;
 *   weights (random only) are kept as given, 0 included (such a backend gets no traffic);
 * - a backend is a balancer (endpoints from Destination.Get of `path`, PeakEWMA load, and the
 *   protocol's failure accrual), a forward to one address, or, when the message names neither,
 *   one that fails its requests ("backend for <kind> <ns>/<name> has no dispatcher");
 * - metadata and queue are required; so are a balancer's discovery and load.
 * Each route backend keeps its own filters, compiled by the caller's `compileFilters`. Pure.
 */
import type { WeightedAddr__Output } from '../../gen/proto/io/linkerd/proxy/destination/WeightedAddr.js';
import type { Backend__Output } from '../../gen/proto/io/linkerd/proxy/outbound/Backend.js';
import type { ExponentialBackoff__Output } from '../../gen/proto/io/linkerd/proxy/outbound/ExponentialBackoff.js';
import type { FailureAccrual__Output } from '../../gen/proto/io/linkerd/proxy/outbound/FailureAccrual.js';
import { fromIpAddress } from '../../streams/destination/ip-address.js';
import { InvalidPolicyError } from './invalid-policy.js';
import { backendLabels, metaOf, type BackendLabels } from './policy-labels.js';
import { requiredMs } from './proto-duration.js';

export interface Backoff {
  readonly minMs: number;
  readonly maxMs: number;
  readonly jitterRatio: number;
}

export interface FailureAccrualParams {
  readonly kind: 'consecutive-failures';
  readonly maxFailures: number;
  readonly backoff: Backoff;
}

export type Dispatcher =
  | { readonly kind: 'balancer'; readonly path: string; readonly load: { readonly kind: 'peak-ewma'; readonly defaultRttMs: number; readonly decayMs: number }; readonly failureAccrual: FailureAccrualParams | undefined }
  | { readonly kind: 'forward'; readonly addr: string; readonly ip: string; readonly port: number; readonly endpoint: WeightedAddr__Output }
  | { readonly kind: 'fail'; readonly message: string };

export interface Queue {
  readonly capacity: number;
  readonly failfastTimeoutMs: number;
}

export interface Backend<F> {
  readonly weight: number;
  readonly labels: BackendLabels;
  readonly dispatcher: Dispatcher;
  readonly queue: Queue;
  readonly filters: F;
}

export type DistributionKind = 'empty' | 'first-available' | 'random-available';

export interface CompiledDistribution<F> {
  readonly kind: DistributionKind;
  readonly backends: readonly Backend<F>[];
}

interface RouteBackendMessage<M> {
  readonly backend: Backend__Output | null;
  readonly filters: readonly M[];
}

/** The shape every route kind's `Distribution` shares. */
export interface DistributionMessage<M> {
  readonly kind?: string | undefined;
  readonly empty?: object | null | undefined;
  readonly first_available?: { readonly backends: readonly RouteBackendMessage<M>[] } | null | undefined;
  readonly random_available?: { readonly backends: readonly { readonly backend: RouteBackendMessage<M> | null; readonly weight: number }[] } | null | undefined;
}

export interface BackendContext<M, F> {
  readonly failureAccrual: FailureAccrualParams | undefined;
  readonly compileFilters: (filters: readonly M[], where: string) => F;
}

export function compileDistribution<M, F>(distribution: DistributionMessage<M> | null, context: BackendContext<M, F>, where: string): CompiledDistribution<F> {
  if (distribution === null) throw new InvalidPolicyError(`${where}: missing`);
  if (distribution.random_available != null && distribution.kind !== 'first_available') {
    const list = distribution.random_available.backends;
    if (list.length === 0) throw new InvalidPolicyError(`${where}.random_available: no backends`);
    return {
      kind: 'random-available',
      backends: list.map((weighted, i) => {
        if (weighted.backend === null) throw new InvalidPolicyError(`${where}.random_available.backends[${i}].backend: missing`);
        return routeBackend(weighted.backend, weighted.weight, context, `${where}.random_available.backends[${i}].backend`);
      }),
    };
  }
  if (distribution.first_available != null) {
    const list = distribution.first_available.backends;
    if (list.length === 0) throw new InvalidPolicyError(`${where}.first_available: no backends`);
    return { kind: 'first-available', backends: list.map((backend, i) => routeBackend(backend, 1, context, `${where}.first_available.backends[${i}]`)) };
  }
  if (distribution.empty != null) return { kind: 'empty', backends: [] };
  throw new InvalidPolicyError(`${where}: no distribution kind`);
}

function routeBackend<M, F>(message: RouteBackendMessage<M>, weight: number, context: BackendContext<M, F>, where: string): Backend<F> {
  const backend = message.backend;
  if (backend === null) throw new InvalidPolicyError(`${where}.backend: missing`);
  const meta = metaOf(backend.metadata, `${where}.backend`);
  if (backend.queue === null) throw new InvalidPolicyError(`${where}.backend.queue: missing`);
  return {
    weight,
    labels: backendLabels(meta),
    dispatcher: dispatcherOf(backend, context.failureAccrual, `${where}.backend`, `${meta.kind} ${meta.namespace}${meta.namespace === '' ? '' : '/'}${meta.name}`),
    queue: { capacity: backend.queue.capacity, failfastTimeoutMs: requiredMs(backend.queue.failfast_timeout, `${where}.backend.queue.failfast_timeout`) },
    filters: context.compileFilters(message.filters, `${where}.filters`),
  };
}

function dispatcherOf(backend: Backend__Output, failureAccrual: FailureAccrualParams | undefined, where: string, name: string): Dispatcher {
  if (backend.balancer != null && backend.kind !== 'forward') {
    const path = backend.balancer.discovery?.dst?.path;
    if (path === undefined) throw new InvalidPolicyError(`${where}.balancer.discovery: missing`);
    const ewma = backend.balancer.peak_ewma;
    if (ewma == null) throw new InvalidPolicyError(`${where}.balancer.load: missing`);
    return {
      kind: 'balancer', path, failureAccrual,
      load: { kind: 'peak-ewma', defaultRttMs: requiredMs(ewma.default_rtt, `${where}.balancer.peak_ewma.default_rtt`), decayMs: requiredMs(ewma.decay, `${where}.balancer.peak_ewma.decay`) },
    };
  }
  if (backend.forward != null) {
    const endpoint = backend.forward;
    const ip = fromIpAddress(endpoint.addr?.ip);
    const port = endpoint.addr?.port ?? 0;
    if (ip === undefined || port === 0 || port > 65535) throw new InvalidPolicyError(`${where}.forward.addr: not an address and port`);
    return { kind: 'forward', ip, port, addr: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`, endpoint };
  }
  return { kind: 'fail', message: `backend for ${name} has no dispatcher` };
}

export function compileBackoff(backoff: ExponentialBackoff__Output | null, where: string): Backoff | undefined {
  if (backoff === null) return undefined;
  const minMs = requiredMs(backoff.min_backoff, `${where}.min_backoff`);
  const maxMs = requiredMs(backoff.max_backoff, `${where}.max_backoff`);
  if (minMs > maxMs) throw new InvalidPolicyError(`${where}: min_backoff is longer than max_backoff`);
  if (!Number.isFinite(backoff.jitter_ratio) || backoff.jitter_ratio < 0) throw new InvalidPolicyError(`${where}.jitter_ratio: ${backoff.jitter_ratio} is not a ratio`);
  return { minMs, maxMs, jitterRatio: backoff.jitter_ratio };
}

/** Undefined: endpoints never become unavailable because of failures. */
export function compileFailureAccrual(accrual: FailureAccrual__Output | null | undefined, where: string): FailureAccrualParams | undefined {
  if (accrual == null) return undefined;
  const consecutive = accrual.consecutive_failures;
  if (consecutive == null) throw new InvalidPolicyError(`${where}: no kind`);
  const backoff = compileBackoff(consecutive.backoff, `${where}.consecutive_failures.backoff`);
  if (backoff === undefined) throw new InvalidPolicyError(`${where}.consecutive_failures.backoff: missing`);
  return { kind: 'consecutive-failures', maxFailures: consecutive.max_failures, backoff };
}

