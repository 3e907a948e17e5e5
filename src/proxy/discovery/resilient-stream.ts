/**
 * A server-streaming gRPC call to the control plane that never stays down: opened through a
 * factory, and reopened after it ends, for as long as someone is subscribed.
 *
 * - Events: `message` for each message received, with `first` set on the first one since the call
 *   was (re)opened (the control plane's streams start with a full snapshot, so `first` means
 *   "reset your state to this"); `disconnected` when a call ended, with its status as a
 *   ControlStreamError and the delay before the next call. Messages of one call arrive in order;
 *   nothing from a call is delivered after it ended.
 * - Retryable vs terminal: a call that ends with a status in `terminal` (default INVALID_ARGUMENT
 *   and FAILED_PRECONDITION, what Linkerd's proxy treats as "discovery rejected") makes the
 *   Observable error with a DiscoveryRejectedError and no call is reopened. Every other ending
 *   (UNAVAILABLE, RESOURCE_EXHAUSTED when the server dropped a slow client, NOT_FOUND, a clean
 *   end, …) is retried after the backoff (backoff.ts), which grows while calls keep failing and
 *   starts over after a healthy call.
 * - Limits (Linkerd's LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT, _IDLE_TIMEOUT, _LIFETIME), all
 *   optional: no first message within `initialTimeoutMs` is a failure (DEADLINE_EXCEEDED, with
 *   backoff); `idleTimeoutMs` without a message, or `lifetimeMs` since it opened, recycles the
 *   call: it is cancelled and reopened at once, with no `disconnected` event.
 * - Unsubscribing cancels the current call (the server sees it end) and every timer.
 * - Overflow: none here; grpc-js reads as the subscriber consumes, synchronously.
 */
import { type ClientReadableStream, status, type StatusObject } from '@grpc/grpc-js';
import { Observable, type Subscriber } from 'rxjs';
import { type Backoff, type BackoffPolicy, backoffAfter, controlBackoff, defaultHealthyMs, nextDelay, startBackoff } from './backoff.js';
import { ControlStreamError, DiscoveryRejectedError, DiscoveryTargetError } from './discovery-errors.js';
import { type DiscoveryMetrics, type DiscoveryRpc, noDiscoveryMetrics } from './discovery-metrics.js';

export type StreamEvent<T> =
  | { readonly kind: 'message'; readonly message: T; readonly first: boolean }
  | { readonly kind: 'disconnected'; readonly error: ControlStreamError; readonly retryInMs: number };

export interface StreamLimits {
  readonly initialTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly lifetimeMs?: number;
}

/** Statuses that end a watch for good by default. */
export const rejectedStatuses: ReadonlySet<status> = new Set([status.INVALID_ARGUMENT, status.FAILED_PRECONDITION]);

export interface StreamSettings {
  readonly backoff?: BackoffPolicy;
  readonly healthyMs?: number;
  readonly limits?: StreamLimits;
  readonly metrics?: DiscoveryMetrics;
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface ResilientStreamOptions extends StreamSettings {
  readonly rpc: DiscoveryRpc;
  /** What the call asks about, for error messages (an authority, `ip:port`, a workload's port). */
  readonly target: string;
  readonly terminal?: ReadonlySet<status>;
}

/** How a call ended: with a status (the server's, or DEADLINE_EXCEEDED for our initial timeout), or recycled by us. */
type Ending = { readonly kind: 'status'; readonly status: Pick<StatusObject, 'code' | 'details'>; readonly cancel: boolean } | { readonly kind: 'recycle' };

interface Attempt {
  cancel(): void;
}

export function resilientStream<T>(open: () => ClientReadableStream<T>, options: ResilientStreamOptions): Observable<StreamEvent<T>> {
  return new Observable<StreamEvent<T>>((subscriber) => {
    const metrics = options.metrics ?? noDiscoveryMetrics;
    const now = options.now ?? Date.now;
    let backoff: Backoff = startBackoff(options.backoff ?? controlBackoff);
    let attempt: Attempt | undefined;
    let retry: NodeJS.Timeout | undefined;

    const connect = (): void => {
      retry = undefined;
      attempt = startAttempt(open, options, subscriber, (ending, firstMessageAt) => {
        attempt = undefined;
        backoff = backoffAfter(backoff, { firstMessageAt, endedAt: now() }, options.healthyMs ?? defaultHealthyMs);
        if (ending.kind === 'recycle') {
          metrics.onReconnect(options.rpc);
          connect();
          return;
        }
        const { code, details } = ending.status;
        metrics.onResponse(options.rpc, code);
        if ((options.terminal ?? rejectedStatuses).has(code)) {
          subscriber.error(new DiscoveryRejectedError(options.rpc, options.target, code, details));
          return;
        }
        const { delayMs, next } = nextDelay(backoff, options.random);
        backoff = next;
        subscriber.next({ kind: 'disconnected', error: new ControlStreamError(options.rpc, options.target, code, details), retryInMs: delayMs });
        retry = setTimeout(() => {
          metrics.onReconnect(options.rpc);
          connect();
        }, delayMs);
      });
    };

    connect();
    return () => {
      clearTimeout(retry);
      attempt?.cancel();
    };
  });
}

/** One call: delivers its messages, and reports once how it ended (never after `cancel`). */
function startAttempt<T>(open: () => ClientReadableStream<T>, options: ResilientStreamOptions, subscriber: Subscriber<StreamEvent<T>>,
  ended: (ending: Ending, firstMessageAt: number | undefined) => void): Attempt | undefined {
  const now = options.now ?? Date.now;
  const limits = options.limits ?? {};
  const call = tryOpen(open, options, subscriber);
  if (call === undefined) return undefined;
  let live = true;
  let firstMessageAt: number | undefined;
  const timers = new Map<'initial' | 'idle' | 'lifetime', NodeJS.Timeout>();
  const arm = (name: 'initial' | 'idle' | 'lifetime', ms: number | undefined, ending: Ending): void => {
    clearTimeout(timers.get(name));
    if (ms !== undefined && ms > 0) timers.set(name, setTimeout(() => finish(ending), ms));
  };
  const stop = (): void => {
    live = false;
    for (const timer of timers.values()) clearTimeout(timer);
  };
  const finish = (ending: Ending): void => {
    if (!live) return;
    stop();
    if (ending.kind === 'recycle' || ending.cancel) call.cancel();
    ended(ending, firstMessageAt);
  };

  call.on('data', (message: T) => {
    if (!live) return;
    const first = firstMessageAt === undefined;
    if (first) {
      firstMessageAt = now();
      clearTimeout(timers.get('initial'));
    }
    arm('idle', limits.idleTimeoutMs, { kind: 'recycle' });
    subscriber.next({ kind: 'message', message, first });
  });
  // The status event carries how the call ended; an error listener keeps grpc-js from throwing.
  call.on('error', () => undefined);
  call.on('status', (ended: StatusObject) => finish({ kind: 'status', status: ended, cancel: false }));
  const silence = { code: status.DEADLINE_EXCEEDED, details: `no message within ${limits.initialTimeoutMs} ms` };
  arm('initial', limits.initialTimeoutMs, { kind: 'status', status: silence, cancel: true });
  arm('idle', limits.idleTimeoutMs, { kind: 'recycle' });
  arm('lifetime', limits.lifetimeMs, { kind: 'recycle' });
  return {
    cancel() {
      if (!live) return;
      stop();
      call.cancel();
    },
  };
}

/** Opens a call and counts it; a client that cannot open calls (it was closed) ends the watch. */
function tryOpen<T>(open: () => ClientReadableStream<T>, options: ResilientStreamOptions, subscriber: Subscriber<StreamEvent<T>>): ClientReadableStream<T> | undefined {
  try {
    const call = open();
    (options.metrics ?? noDiscoveryMetrics).onRequest(options.rpc);
    return call;
  } catch (error) {
    subscriber.error(new DiscoveryTargetError(`${options.rpc} ${options.target}: cannot open a call: ${(error as Error).message}`));
    return undefined;
  }
}
