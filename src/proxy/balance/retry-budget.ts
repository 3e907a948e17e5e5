/**
 * Linkerd's retry budget (ServiceProfile `retryBudget`): retries may add at most `retryRatio` of the
 * original requests, plus a floor of `minRetriesPerSecond`, measured over a sliding window of `ttl`.
 *
 * Contract:
 * - `deposit()` once per original request; `tryWithdraw()` once per retry, answering whether the
 *   retry may be sent and spending budget only if so.
 * - Within any window of `ttlMs`, withdrawals succeed while
 *   `withdrawals < minRetriesPerSecond × ttl(s) + retryRatio × deposits` (counted in that window).
 * - The window slides in ten steps of `ttlMs / 10`: a deposit or withdrawal stops counting between
 *   0.9 × ttl and ttl after it was made. Memory is constant.
 * - Time comes from the injected monotonic millisecond clock.
 */
export interface RetryBudgetOptions {
  readonly retryRatio?: number;
  readonly minRetriesPerSecond?: number;
  readonly ttlMs?: number;
}

export const defaultRetryBudget = { retryRatio: 0.2, minRetriesPerSecond: 10, ttlMs: 10_000 } as const;

const slotCount = 10;
/** Absorbs floating-point error in `retryRatio × deposits` (0.1 × 30 is not exactly 3). */
const epsilon = 1e-9;

export function checkRetryBudget(options: RetryBudgetOptions): Required<RetryBudgetOptions> {
  const { retryRatio, minRetriesPerSecond, ttlMs } = { ...defaultRetryBudget, ...options };
  if (!(retryRatio >= 0 && retryRatio <= 1000)) {
    throw new RangeError(`retry budget retryRatio must be between 0 and 1000, got ${retryRatio}`);
  }
  if (!(minRetriesPerSecond >= 0) || !Number.isFinite(minRetriesPerSecond)) {
    throw new RangeError(`retry budget minRetriesPerSecond must be a non-negative finite number, got ${minRetriesPerSecond}`);
  }
  if (!(ttlMs >= 1_000 && ttlMs <= 60_000)) {
    throw new RangeError(`retry budget ttl must be between 1s and 60s, got ${ttlMs} ms`);
  }
  return { retryRatio, minRetriesPerSecond, ttlMs };
}

export class RetryBudget {
  private readonly retryRatio: number;
  private readonly reserve: number;
  private readonly slotMs: number;
  private readonly deposits = new Float64Array(slotCount);
  private readonly withdrawals = new Float64Array(slotCount);
  private totalDeposits = 0;
  private totalWithdrawals = 0;
  private generation: number;

  constructor(
    options: RetryBudgetOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    const { retryRatio, minRetriesPerSecond, ttlMs } = checkRetryBudget(options);
    this.retryRatio = retryRatio;
    this.reserve = minRetriesPerSecond * (ttlMs / 1000);
    this.slotMs = ttlMs / slotCount;
    this.generation = Math.floor(this.now() / this.slotMs);
  }

  deposit(): void {
    const slot = this.advance();
    this.deposits[slot] = (this.deposits[slot] as number) + 1;
    this.totalDeposits += 1;
  }

  tryWithdraw(): boolean {
    const slot = this.advance();
    if (this.balance() < 1 - epsilon) return false;
    this.withdrawals[slot] = (this.withdrawals[slot] as number) + 1;
    this.totalWithdrawals += 1;
    return true;
  }

  /** Retries that could be sent now (may be fractional). */
  available(): number {
    this.advance();
    return Math.max(0, this.balance());
  }

  private balance(): number {
    return this.reserve + this.retryRatio * this.totalDeposits - this.totalWithdrawals;
  }

  /** Expires the slots that have left the window; returns the current slot. */
  private advance(): number {
    const generation = Math.floor(this.now() / this.slotMs);
    if (generation > this.generation) {
      const last = Math.min(generation, this.generation + slotCount);
      for (let g = this.generation + 1; g <= last; g++) {
        const slot = slotOf(g);
        this.totalDeposits -= this.deposits[slot] as number;
        this.totalWithdrawals -= this.withdrawals[slot] as number;
        this.deposits[slot] = 0;
        this.withdrawals[slot] = 0;
      }
      this.generation = generation;
    }
    return slotOf(this.generation);
  }
}

function slotOf(generation: number): number {
  return ((generation % slotCount) + slotCount) % slotCount;
}
