/**
 * Consecutive-failures accrual, Linkerd's `consecutive_failures { max_failures, backoff }`: the
 * per-endpoint circuit breaker the balancer consults before choosing an endpoint.
 *
 * Contract:
 * - While `available`, each failure adds one to a streak and each success resets it; when the streak
 *   reaches `maxFailures` the endpoint is `penalized` for an exponential backoff: `minPenaltyMs`
 *   doubling per consecutive penalty, plus up to `jitterRatio` of it at random, never above
 *   `maxPenaltyMs`.
 * - When the penalty ends, exactly one request may go (`admit` answers true once): the endpoint is
 *   then `probing` and unavailable until that probe's outcome is recorded. A successful probe makes
 *   it available with the streak and backoff reset; a failed probe penalizes it again, for longer.
 * - Outcomes of requests other than the probe are ignored while penalized or probing (they were
 *   sent before the breaker tripped).
 * - Time is passed in (monotonic ms); the jitter's random source is injected.
 */
import { nextDelay, startBackoff, type Backoff } from '../../informers/backoff.js';

export interface ConsecutiveFailuresPolicy {
  readonly maxFailures: number;
  readonly minPenaltyMs: number;
  readonly maxPenaltyMs: number;
  /** Extra random penalty as a fraction of the current step (0.5 = up to +50%). */
  readonly jitterRatio: number;
}

/** Linkerd's defaults for the `balancer.linkerd.io/failure-accrual: consecutive` annotations. */
export const defaultConsecutiveFailures: ConsecutiveFailuresPolicy = {
  maxFailures: 7,
  minPenaltyMs: 1_000,
  maxPenaltyMs: 60_000,
  jitterRatio: 0.5,
};

export type Outcome = 'success' | 'failure';
export type AccrualState = 'available' | 'penalized' | 'probing';

export function checkConsecutiveFailures(policy: ConsecutiveFailuresPolicy): ConsecutiveFailuresPolicy {
  const { maxFailures, minPenaltyMs, maxPenaltyMs, jitterRatio } = policy;
  if (!Number.isInteger(maxFailures) || maxFailures < 1) {
    throw new RangeError(`failure accrual maxFailures must be an integer >= 1, got ${maxFailures}`);
  }
  if (!(minPenaltyMs > 0) || !Number.isFinite(minPenaltyMs)) {
    throw new RangeError(`failure accrual minPenaltyMs must be a positive finite number, got ${minPenaltyMs}`);
  }
  if (!(maxPenaltyMs >= minPenaltyMs) || !Number.isFinite(maxPenaltyMs)) {
    throw new RangeError(`failure accrual maxPenaltyMs must be finite and >= minPenaltyMs (${minPenaltyMs}), got ${maxPenaltyMs}`);
  }
  if (!(jitterRatio >= 0 && jitterRatio <= 100)) {
    throw new RangeError(`failure accrual jitterRatio must be between 0 and 100, got ${jitterRatio}`);
  }
  return policy;
}

export class ConsecutiveFailures {
  private current: AccrualState = 'available';
  private streak = 0;
  private penaltyEndsAt = 0;
  private backoff: Backoff;

  constructor(
    private readonly policy: ConsecutiveFailuresPolicy,
    private readonly random: () => number = Math.random,
  ) {
    checkConsecutiveFailures(policy);
    this.backoff = startBackoff(this.backoffPolicy());
  }

  state(): AccrualState {
    return this.current;
  }

  /** Whether a request may be sent now (available, or a penalty that has ended with no probe yet). */
  available(now: number): boolean {
    return this.current === 'available' || (this.current === 'penalized' && now >= this.penaltyEndsAt);
  }

  /** When the current penalty ends, or undefined when not penalized. */
  availableAt(): number | undefined {
    return this.current === 'penalized' ? this.penaltyEndsAt : undefined;
  }

  /**
   * Call when a request is sent to the endpoint (after `available` said yes). Answers whether this
   * request is the probe, whose outcome decides whether the endpoint recovers.
   */
  admit(now: number): boolean {
    if (this.current !== 'penalized' || now < this.penaltyEndsAt) return false;
    this.current = 'probing';
    return true;
  }

  /** Records a request's outcome; answers whether the state changed. */
  record(outcome: Outcome, now: number, probe: boolean): boolean {
    if (this.current === 'probing') {
      if (!probe) return false;
      if (outcome === 'success') this.reset();
      else this.penalize(now);
      return true;
    }
    if (this.current === 'penalized') return false;
    if (outcome === 'success') {
      this.streak = 0;
      return false;
    }
    this.streak += 1;
    if (this.streak < this.policy.maxFailures) return false;
    this.penalize(now);
    return true;
  }

  private penalize(now: number): void {
    const { delayMs, next } = nextDelay(this.backoff, this.random);
    this.backoff = next;
    this.penaltyEndsAt = now + delayMs;
    this.current = 'penalized';
  }

  private reset(): void {
    this.current = 'available';
    this.streak = 0;
    this.backoff = startBackoff(this.backoffPolicy());
  }

  private backoffPolicy(): Backoff['policy'] {
    const { minPenaltyMs, maxPenaltyMs, jitterRatio } = this.policy;
    return { initialMs: minPenaltyMs, maxMs: maxPenaltyMs, factor: 2, jitter: jitterRatio };
  }
}
