/**
 * A token bucket per client: each client may make `burst` calls at once and `perSecond` a second
 * after that.
 *
 * Contract: `take(client)` answers whether the call may proceed, and spends a token if so. Memory
 * is bounded: at most `maxClients` buckets are kept. When that many are held, buckets that have
 * refilled completely (idle clients, indistinguishable from new ones) are dropped, at most once a
 * second; if none can be dropped, a new client is refused until one can (fail closed). Time comes
 * from the `now` given (milliseconds, monotonic).
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
  readonly maxClients?: number;
}

export interface RateLimiter {
  take(client: string): boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(limit: RateLimit, now: () => number = () => performance.now()): RateLimiter {
  if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError('a rate limit needs perSecond > 0 and burst >= 1');
  const maxClients = limit.maxClients ?? 100_000;
  const buckets = new Map<string, Bucket>();
  let lastSweep = -Infinity;

  const refill = (bucket: Bucket, at: number): void => {
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.perSecond);
    bucket.at = at;
  };

  const sweep = (at: number): void => {
    if (at - lastSweep < 1000) return;
    lastSweep = at;
    for (const [client, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= limit.burst) buckets.delete(client);
    }
  };

  return {
    take(client) {
      const at = now();
      let bucket = buckets.get(client);
      if (bucket === undefined) {
        if (buckets.size >= maxClients) sweep(at);
        if (buckets.size >= maxClients) return false;
        bucket = { tokens: limit.burst, at };
        buckets.set(client, bucket);
      } else {
        refill(bucket, at);
      }
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
