/**
 * Exponential backoff with jitter, as client-go's reflector uses: 0.8 s doubling to 30 s.
 *
 * Pure value type: `next()` returns the delay to wait and the backoff to use after it; `reset`
 * starts over after a healthy period. The random source is injected so tests are deterministic.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Extra random delay, as a fraction of the current step (0.25 = up to +25%). */
  readonly jitter: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 0.25 };

export interface Backoff {
  readonly policy: BackoffPolicy;
  readonly attempt: number;
}

export function startBackoff(policy: BackoffPolicy): Backoff {
  return { policy, attempt: 0 };
}

/** The delay before the next attempt, never above `maxMs`, and the state after it. */
export function nextDelay(backoff: Backoff, random: () => number = Math.random): { delayMs: number; next: Backoff } {
  const { policy } = backoff;
  const step = Math.min(policy.maxMs, policy.initialMs * policy.factor ** backoff.attempt);
  const delayMs = Math.min(policy.maxMs, step + step * policy.jitter * random());
  return { delayMs, next: { policy, attempt: step >= policy.maxMs ? backoff.attempt : backoff.attempt + 1 } };
}
