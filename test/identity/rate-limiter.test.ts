import assert from 'node:assert/strict';
import { createRateLimiter } from '../../src/identity/rate-limiter.js';

describe('per-client rate limiter', () => {
  it('allows a burst, then one call per refill interval', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 2, burst: 3 }, () => now);
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false]);
    now = 499;
    assert.equal(limiter.take('a'), false);
    now = 500;
    assert.equal(limiter.take('a'), true);
    assert.equal(limiter.take('b'), true, 'clients have their own buckets');
  });

  it('never holds more than maxClients buckets: idle ones are dropped, and new clients wait while all are busy', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 1, burst: 1, maxClients: 2 }, () => now);
    assert.ok(limiter.take('a') && limiter.take('b'));
    assert.equal(limiter.take('c'), false, 'the table is full of clients that just called');
    now = 1500;
    assert.equal(limiter.take('c'), true, 'a and b have refilled and are dropped');
    assert.equal(limiter.take('a'), true);
  });
});
