/**
 * PeakEWMA, the load metric Linkerd's balancer compares endpoints by:
 * `cost = rttEstimate × (pending + 1)`.
 *
 * Contract:
 * - The RTT estimate starts at `defaultRttMs` (30 ms). A sample larger than the estimate replaces it
 *   at once (peak-sensitive); a smaller sample pulls it down exponentially: after `elapsed` ms since
 *   the previous sample the estimate becomes `old·w + sample·(1 − w)` with `w = e^(−elapsed/decayMs)`
 *   (`decayMs` defaults to 10 s).
 * - Idle time counts as a zero-latency sample when the cost is read: `cost(now)` decays the estimate
 *   toward 0 by `e^(−idle/decayMs)` without changing it, so an endpoint that was once slow and then
 *   left alone becomes worth trying again. Reading the cost never mutates state.
 * - `start(now)` counts a request as pending and returns a completion; `end(now)` on it records the
 *   sample `now − startedAt` and stops counting it. Ending twice counts once.
 * - Time is whatever monotonic millisecond clock the caller passes in; a clock that goes backwards
 *   is treated as no time passing.
 */
export interface PeakEwmaOptions {
  readonly decayMs?: number;
  readonly defaultRttMs?: number;
}

export const defaultDecayMs = 10_000;
export const defaultRttMs = 30;

/** Throws a RangeError naming the bad option. */
export function checkPeakEwmaOptions(options: PeakEwmaOptions): PeakEwmaOptions {
  const { decayMs = defaultDecayMs, defaultRttMs: rttMs = defaultRttMs } = options;
  if (!(decayMs > 0) || !Number.isFinite(decayMs)) {
    throw new RangeError(`PeakEWMA decayMs must be a positive finite number of milliseconds, got ${decayMs}`);
  }
  if (!(rttMs >= 0) || !Number.isFinite(rttMs)) {
    throw new RangeError(`PeakEWMA defaultRttMs must be a non-negative finite number of milliseconds, got ${rttMs}`);
  }
  return options;
}

/** The mutable state shared by a PeakEwma and its completions (module-private). */
interface EwmaState {
  readonly decayMs: number;
  rttMs: number;
  updatedAt: number;
  pending: number;
}

export class PeakEwma {
  private readonly state: EwmaState;

  constructor(options: PeakEwmaOptions, now: number) {
    checkPeakEwmaOptions(options);
    const decayMs = options.decayMs ?? defaultDecayMs;
    this.state = { decayMs, rttMs: options.defaultRttMs ?? defaultRttMs, updatedAt: now, pending: 0 };
  }

  /** Requests started and not yet ended. */
  get pending(): number {
    return this.state.pending;
  }

  /** Counts one more request as pending; end the returned completion when its response arrives. */
  start(now: number): Completion {
    this.state.pending += 1;
    return new Completion(this.state, now);
  }

  /** The RTT estimate at `now`, decayed toward zero over the time since the last sample. */
  estimate(now: number): number {
    const { rttMs, updatedAt, decayMs } = this.state;
    const idle = now - updatedAt;
    return idle > 0 ? rttMs * Math.exp(-idle / decayMs) : rttMs;
  }

  cost(now: number): number {
    return this.estimate(now) * (this.state.pending + 1);
  }
}

/** One pending request; `end` is idempotent. */
export class Completion {
  private done = false;

  constructor(
    private readonly state: EwmaState,
    readonly startedAt: number,
  ) {}

  get ended(): boolean {
    return this.done;
  }

  end(now: number): void {
    if (this.done) return;
    this.done = true;
    const state = this.state;
    state.pending -= 1;
    const sample = Math.max(0, now - this.startedAt);
    if (sample > state.rttMs) {
      state.rttMs = sample;
    } else {
      const elapsed = Math.max(0, now - state.updatedAt);
      const weight = Math.exp(-elapsed / state.decayMs);
      state.rttMs = state.rttMs * weight + sample * (1 - weight);
    }
    if (now > state.updatedAt) state.updatedAt = now;
  }
}
