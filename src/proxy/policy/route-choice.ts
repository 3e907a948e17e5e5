/**
 * What the outbound router decides for one HTTP or gRPC request (outbound-router.ts): the route and
 * rule it took, with everything the data path needs to carry it out. Types only.
 */
import type { Backend, Backoff, DistributionKind } from './outbound-backends.js';
import type { OutboundRouteLabels } from './policy-labels.js';
import type { FilterAction } from './route-filters.js';

export interface Timeouts {
  /** The whole request, retries included. */
  readonly requestMs: number | undefined;
  /** One attempt's response (headers and body). */
  readonly responseMs: number | undefined;
  /** No data either way for this long. */
  readonly idleMs: number | undefined;
}

interface RetryCommon {
  readonly maxRetries: number;
  /** Requests with larger bodies are not retried. */
  readonly maxRequestBytes: number;
  /** Per attempt. */
  readonly timeoutMs: number | undefined;
  readonly backoff: Backoff | undefined;
}

export type RetryPolicy =
  | (RetryCommon & { readonly kind: 'http'; readonly statusRanges: readonly { readonly start: number; readonly end: number }[] })
  | (RetryCommon & { readonly kind: 'grpc'; readonly codes: readonly number[] });

export type RouteBackend = Backend<readonly FilterAction[]>;

export interface RouteChoice {
  readonly kind: 'route';
  /** `parent_*` (the Service or egress network) and `route_*` metric labels. */
  readonly labels: OutboundRouteLabels;
  readonly ruleIndex: number;
  readonly distribution: DistributionKind;
  /** Each with its weight, labels, dispatcher, queue and its own filters (applied after the route's). */
  readonly backends: readonly RouteBackend[];
  /** The route's filters, in order. */
  readonly filters: readonly FilterAction[];
  readonly timeouts: Timeouts;
  /** `timeouts.requestMs`, or the older `requestTimeout` field. */
  readonly requestTimeoutMs: number | undefined;
  readonly retry: RetryPolicy | undefined;
  /** Whether `l5d-*` request headers may override timeouts and retries. */
  readonly allowL5dRequestHeaders: boolean;
}
