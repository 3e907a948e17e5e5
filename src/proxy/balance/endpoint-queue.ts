/**
 * The request queue in front of a balancer, with Linkerd's outbound queue semantics.
 *
 * Contract:
 * - A request gets an endpoint at once when the balancer has one available and nobody is waiting.
 *   Otherwise it waits, first come first served, in a queue of at most `capacity` (100) requests; a
 *   request that finds the queue full fails with QueueFullError.
 * - Waiters are released, in FIFO order, as soon as the balancer reports a change that makes an
 *   endpoint available (an update, a recovered endpoint) or a penalized endpoint's backoff ends.
 * - The fail-fast clock starts when a request first has to wait since an endpoint was last
 *   available. After `failfastMs` (3 s) of that, the queue is in fail-fast: every waiter and every
 *   new request fails at once with FailFastError, until the balancer has an available endpoint again.
 * - A waiter whose AbortSignal fires leaves the queue and rejects with the signal's reason.
 * - A timer runs only while requests wait; an idle queue holds none. `close()` rejects the waiters
 *   with QueueClosedError and detaches from the balancer.
 */
import type { P2cBalancer, Pick } from './p2c-balancer.js';

export interface EndpointQueueOptions {
  readonly capacity?: number;
  readonly failfastMs?: number;
  /** Names the target in error messages. */
  readonly name?: string;
}

export const defaultQueueCapacity = 100;
export const defaultFailfastMs = 3_000;

/** The clock and timers the queue uses; injected so tests control time. */
export interface Timers {
  now(): number;
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => performance.now(),
  set: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class FailFastError extends Error {
  override readonly name = 'FailFastError';
  constructor(readonly target: string, readonly failfastMs: number) {
    super(`${target} is in fail-fast: no endpoint has been available for ${failfastMs} ms`);
  }
}

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(readonly target: string, readonly capacity: number) {
    super(`${target} has ${capacity} requests waiting for an endpoint, the most its queue holds`);
  }
}

export class QueueClosedError extends Error {
  override readonly name = 'QueueClosedError';
  constructor(readonly target: string) {
    super(`${target} stopped balancing while the request waited for an endpoint`);
  }
}

export type QueueState = 'open' | 'waiting' | 'failfast' | 'closed';

interface Waiter<E> {
  readonly resolve: (pick: Pick<E>) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class EndpointQueue<E> {
  private readonly waiters = new Set<Waiter<E>>();
  private readonly capacity: number;
  private readonly failfastMs: number;
  private readonly name: string;
  private readonly unwatch: () => void;
  /** When a request first had to wait since an endpoint was last available. */
  private waitingSince: number | undefined;
  private failingFast = false;
  private closed = false;
  private timer: unknown;
  private timerAt = Infinity;

  constructor(
    private readonly balancer: P2cBalancer<E>,
    options: EndpointQueueOptions = {},
    private readonly timers: Timers = systemTimers,
  ) {
    this.capacity = options.capacity ?? defaultQueueCapacity;
    this.failfastMs = options.failfastMs ?? defaultFailfastMs;
    this.name = options.name ?? 'the service';
    if (!Number.isInteger(this.capacity) || this.capacity < 0) {
      throw new RangeError(`queue capacity must be a non-negative integer, got ${this.capacity}`);
    }
    if (!(this.failfastMs >= 0) || !Number.isFinite(this.failfastMs)) {
      throw new RangeError(`queue failfastMs must be a non-negative finite number, got ${this.failfastMs}`);
    }
    this.unwatch = balancer.watch(() => this.release());
  }

  state(): QueueState {
    if (this.closed) return 'closed';
    if (this.failingFast) return 'failfast';
    return this.waiters.size > 0 ? 'waiting' : 'open';
  }

  get waiting(): number {
    return this.waiters.size;
  }

  /** An endpoint now, without queueing, or undefined (then call `acquire`). */
  tryPick(): Pick<E> | undefined {
    if (this.closed || this.waiters.size > 0) return undefined;
    const pick = this.balancer.pick();
    if (pick !== undefined) this.recovered();
    return pick;
  }

  acquire(signal?: AbortSignal): Promise<Pick<E>> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    const pick = this.tryPick();
    if (pick !== undefined) return Promise.resolve(pick);
    if (this.closed) return Promise.reject(new QueueClosedError(this.name));
    if (this.failingFast) return Promise.reject(new FailFastError(this.name, this.failfastMs));
    if (this.waiters.size >= this.capacity) return Promise.reject(new QueueFullError(this.name, this.capacity));
    return new Promise<Pick<E>>((resolve, reject) => {
      const waiter: Waiter<E> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.leave(waiter);
          reject(signal?.reason);
          this.schedule();
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waitingSince ??= this.timers.now();
      this.schedule();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.cancelTimer();
    this.rejectAll(new QueueClosedError(this.name));
  }

  /** Hands available endpoints to waiters in order; called when the balancer changes. */
  private release(): void {
    if (this.closed) return;
    let released = false;
    for (const waiter of this.waiters) {
      const pick = this.balancer.pick();
      if (pick === undefined) break;
      this.leave(waiter);
      waiter.resolve(pick);
      released = true;
    }
    if (released || this.balancer.ready()) this.recovered();
    this.schedule();
  }

  /** An endpoint was available: leave fail-fast and restart the clock for whoever still waits. */
  private recovered(): void {
    this.failingFast = false;
    this.waitingSince = this.waiters.size > 0 ? this.timers.now() : undefined;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.release();
    if (this.waiters.size === 0 || this.waitingSince === undefined) return;
    if (this.timers.now() < this.waitingSince + this.failfastMs) return;
    this.failingFast = true;
    this.rejectAll(new FailFastError(this.name, this.failfastMs));
    this.cancelTimer();
  }

  /** Keeps one timer, due at the fail-fast deadline or when a penalized endpoint may be probed. */
  private schedule(): void {
    if (this.waiters.size === 0 || this.waitingSince === undefined) {
      this.cancelTimer();
      return;
    }
    const deadline = this.waitingSince + this.failfastMs;
    const at = Math.min(deadline, this.balancer.nextAvailableAt() ?? Infinity);
    if (at === this.timerAt) return;
    this.cancelTimer();
    this.timerAt = at;
    this.timer = this.timers.set(() => this.onTimer(), Math.max(0, at - this.timers.now()));
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private leave(waiter: Waiter<E>): void {
    this.waiters.delete(waiter);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  private rejectAll(error: Error): void {
    for (const waiter of this.waiters) {
      this.leave(waiter);
      waiter.reject(error);
    }
  }
}
