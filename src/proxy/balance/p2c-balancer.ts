/**
 * The power-of-two-choices balancer over PeakEWMA, as Linkerd's outbound balancer works.
 *
 * Contract:
 * - `update(endpoints)` replaces the endpoint set. A key that stays keeps its load state (RTT
 *   estimate, pending count, failure accrual) and takes the new endpoint value; a new key starts
 *   fresh; a removed key is forgotten, but picks already handed out for it still end safely.
 * - `pick()` draws two distinct random endpoints that are available (failure accrual has not taken
 *   them out) and returns the one with the lower cost; with one available endpoint, that one; with
 *   none, undefined. The pick carries the endpoint value current when it was made, and counts as
 *   pending until `complete()` or `end()`.
 * - Every pick must be ended with `end(outcome)`: that records the latency (unless `complete()` did
 *   already) and feeds failure accrual. Both are idempotent; the first outcome wins.
 * - Watchers are called synchronously whenever an endpoint may have become available: after every
 *   `update`, and when a probe's outcome changes an endpoint's accrual state.
 * - The hot path (`pick`, `end`) copies no arrays: the key order is precomputed on update.
 */
import { checkConsecutiveFailures, ConsecutiveFailures, type ConsecutiveFailuresPolicy, type Outcome } from './failure-accrual.js';
import { checkPeakEwmaOptions, PeakEwma, type Completion, type PeakEwmaOptions } from './peak-ewma.js';

export type { Outcome } from './failure-accrual.js';

export interface Pick<E> {
  readonly key: string;
  readonly endpoint: E;
  /** The response has arrived: records the latency sample and stops counting the request as pending. */
  complete(): void;
  /** The request's outcome for failure accrual; completes it too if `complete` was not called. */
  end(outcome: Outcome): void;
}

export interface P2cOptions {
  readonly ewma?: PeakEwmaOptions;
  /** Consecutive-failures accrual per endpoint; none when undefined (Linkerd's default). */
  readonly failureAccrual?: ConsecutiveFailuresPolicy;
  /** Uniform in [0, 1). */
  readonly random?: () => number;
  /** Monotonic milliseconds. */
  readonly now?: () => number;
}

interface Slot<E> {
  readonly key: string;
  endpoint: E;
  readonly load: PeakEwma;
  readonly accrual: ConsecutiveFailures | undefined;
}

/** What a pick needs from its balancer, built once per balancer (not per pick). */
interface PickHooks<E> {
  readonly now: () => number;
  readonly accrualChanged: (slot: Slot<E>) => void;
}

export class P2cBalancer<E> {
  private slots = new Map<string, Slot<E>>();
  private order: readonly Slot<E>[] = [];
  private readonly watchers = new Set<() => void>();
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly hooks: PickHooks<E>;

  constructor(private readonly options: P2cOptions = {}) {
    checkPeakEwmaOptions(options.ewma ?? {});
    if (options.failureAccrual !== undefined) checkConsecutiveFailures(options.failureAccrual);
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => performance.now());
    this.hooks = {
      now: this.now,
      accrualChanged: (slot) => {
        if (this.slots.get(slot.key) === slot) this.notify();
      },
    };
  }

  get size(): number {
    return this.order.length;
  }

  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  update(endpoints: ReadonlyMap<string, E>): void {
    const now = this.now();
    const next = new Map<string, Slot<E>>();
    for (const [key, endpoint] of endpoints) {
      const kept = this.slots.get(key);
      if (kept !== undefined) {
        kept.endpoint = endpoint;
        next.set(key, kept);
      } else {
        next.set(key, this.freshSlot(key, endpoint, now));
      }
    }
    this.slots = next;
    this.order = [...next.values()];
    this.notify();
  }

  /** Whether `pick` would return an endpoint now. */
  ready(): boolean {
    const now = this.now();
    for (const slot of this.order) {
      if (isAvailable(slot, now)) return true;
    }
    return false;
  }

  pick(): Pick<E> | undefined {
    const count = this.order.length;
    if (count === 0) return undefined;
    const now = this.now();
    const first = this.sample(now, -1);
    if (first < 0) return undefined;
    const second = this.sample(now, first);
    let chosen = this.order[first] as Slot<E>;
    if (second >= 0) {
      const other = this.order[second] as Slot<E>;
      if (other.load.cost(now) < chosen.load.cost(now)) chosen = other;
    }
    const probe = chosen.accrual?.admit(now) ?? false;
    return new EndpointPick(this.hooks, chosen, chosen.load.start(now), probe);
  }

  /** The earliest time a penalized endpoint may be probed, or undefined when none is penalized. */
  nextAvailableAt(): number | undefined {
    let earliest: number | undefined;
    for (const slot of this.order) {
      const at = slot.accrual?.availableAt();
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** Calls `watcher` whenever an endpoint may have become available; returns the unsubscribe. */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** The current cost of an endpoint, or undefined for an unknown key (for diagnostics and tests). */
  cost(key: string): number | undefined {
    return this.slots.get(key)?.load.cost(this.now());
  }

  /**
   * A random available index other than `exclude`, or -1. A few random draws first (all that is
   * needed without failure accrual); then a scan from a random offset, so the answer is exact.
   */
  private sample(now: number, exclude: number): number {
    const count = this.order.length;
    const choices = exclude < 0 ? count : count - 1;
    if (choices <= 0) return -1;
    for (let attempt = 0; attempt < 3; attempt++) {
      let index = Math.min(choices - 1, Math.floor(this.random() * choices));
      if (exclude >= 0 && index >= exclude) index += 1;
      if (isAvailable(this.order[index] as Slot<E>, now)) return index;
    }
    const offset = Math.min(count - 1, Math.floor(this.random() * count));
    for (let step = 0; step < count; step++) {
      const index = (offset + step) % count;
      if (index !== exclude && isAvailable(this.order[index] as Slot<E>, now)) return index;
    }
    return -1;
  }

  private freshSlot(key: string, endpoint: E, now: number): Slot<E> {
    const policy = this.options.failureAccrual;
    return {
      key,
      endpoint,
      load: new PeakEwma(this.options.ewma ?? {}, now),
      accrual: policy === undefined ? undefined : new ConsecutiveFailures(policy, this.random),
    };
  }

  private notify(): void {
    for (const watcher of this.watchers) watcher();
  }
}

function isAvailable<E>(slot: Slot<E>, now: number): boolean {
  return slot.accrual === undefined || slot.accrual.available(now);
}

class EndpointPick<E> implements Pick<E> {
  readonly key: string;
  readonly endpoint: E;
  private ended = false;

  constructor(
    private readonly hooks: PickHooks<E>,
    private readonly slot: Slot<E>,
    private readonly completion: Completion,
    private readonly probe: boolean,
  ) {
    this.key = slot.key;
    this.endpoint = slot.endpoint;
  }

  complete(): void {
    this.completion.end(this.hooks.now());
  }

  end(outcome: Outcome): void {
    if (this.ended) return;
    this.ended = true;
    const now = this.hooks.now();
    this.completion.end(now);
    if (this.slot.accrual?.record(outcome, now, this.probe) === true) this.hooks.accrualChanged(this.slot);
  }
}
