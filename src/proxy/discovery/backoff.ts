/**
 * How long a discovery stream waits before it reopens: the engine's exponential backoff
 * (src/informers/backoff.ts) with the proxy's control-plane defaults, 100 ms doubling to 10 s
 * with up to 10% jitter (Linkerd's LINKERD2_PROXY_CONTROL_EXP_BACKOFF_MIN/_MAX/_JITTER).
 *
 * The delay grows with each failure in a row and starts over once a stream has been healthy:
 * it delivered a message and stayed open for `healthyMs` after it. A server that accepts the
 * call and then fails it at once still counts as a failure, so a crash-looping control plane is
 * never hammered.
 */
import { type Backoff, type BackoffPolicy, nextDelay, startBackoff } from '../../informers/backoff.js';

export type { Backoff, BackoffPolicy } from '../../informers/backoff.js';

export const controlBackoff: BackoffPolicy = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.1 };

/** A stream open this long after its first message resets the backoff. */
export const defaultHealthyMs = 5_000;

export interface StreamOutcome {
  /** When the stream's first message arrived (undefined when none did). */
  readonly firstMessageAt: number | undefined;
  /** When it ended. */
  readonly endedAt: number;
}

/** The backoff to use after `outcome`: started over when the stream was healthy, else as it was. */
export function backoffAfter(backoff: Backoff, outcome: StreamOutcome, healthyMs: number): Backoff {
  const healthy = outcome.firstMessageAt !== undefined && outcome.endedAt - outcome.firstMessageAt >= healthyMs;
  return healthy ? startBackoff(backoff.policy) : backoff;
}

export { nextDelay, startBackoff };
