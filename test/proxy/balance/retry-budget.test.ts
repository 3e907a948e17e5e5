import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RetryBudget } from '../../../src/proxy/balance/retry-budget.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 0;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

function withdrawAll(budget: RetryBudget): number {
  let count = 0;
  while (budget.tryWithdraw()) count += 1;
  return count;
}

describe('retry budget', () => {
  it('allows 10 retries a second over a 10 s window by default, with no requests', () => {
    const time = clock();
    const budget = new RetryBudget({}, time.now);
    assert.equal(withdrawAll(budget), 100);
    assert.equal(budget.tryWithdraw(), false);
  });

  it('adds retryRatio retries per original request', () => {
    const time = clock();
    const budget = new RetryBudget({ minRetriesPerSecond: 0 }, time.now);
    assert.equal(budget.tryWithdraw(), false);
    for (let i = 0; i < 10; i++) budget.deposit();
    assert.equal(withdrawAll(budget), 2);
    for (let i = 0; i < 4; i++) budget.deposit();
    assert.equal(budget.tryWithdraw(), false, '0.8 of a retry is not a retry');
    budget.deposit();
    assert.equal(budget.tryWithdraw(), true);
  });

  it('counts ratio and minimum together, without floating-point loss', () => {
    const time = clock();
    const budget = new RetryBudget({ retryRatio: 0.1, minRetriesPerSecond: 1, ttlMs: 2_000 }, time.now);
    for (let i = 0; i < 30; i++) budget.deposit();
    assert.equal(withdrawAll(budget), 5);
  });

  it('forgets withdrawals and deposits once they leave the ttl window', () => {
    const time = clock();
    const budget = new RetryBudget({ retryRatio: 1, minRetriesPerSecond: 1, ttlMs: 10_000 }, time.now);
    for (let i = 0; i < 5; i++) budget.deposit();
    assert.equal(withdrawAll(budget), 15);
    time.advance(8_999);
    assert.equal(budget.tryWithdraw(), false, 'still inside the window');
    time.advance(1_001);
    assert.equal(withdrawAll(budget), 10, 'the deposits expired with the withdrawals');
  });

  it('rejects options out of range, naming them', () => {
    assert.throws(() => new RetryBudget({ retryRatio: -0.1 }), /retryRatio/);
    assert.throws(() => new RetryBudget({ retryRatio: 1001 }), /retryRatio/);
    assert.throws(() => new RetryBudget({ minRetriesPerSecond: Number.POSITIVE_INFINITY }), /minRetriesPerSecond/);
    assert.throws(() => new RetryBudget({ ttlMs: 500 }), /ttl/);
    assert.throws(() => new RetryBudget({ ttlMs: 61_000 }), /ttl/);
  });

  it('agrees with a model that keeps every event, over random sequences', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'deposit' as const }),
      fc.constant({ kind: 'withdraw' as const }),
      fc.integer({ min: 1, max: 3_000 }).map((ms) => ({ kind: 'advance' as const, ms })),
    );
    const options = fc.record({
      retryRatio: fc.constantFrom(0, 0.1, 0.2, 0.5, 1, 2),
      minRetriesPerSecond: fc.integer({ min: 0, max: 3 }),
      ttlMs: fc.integer({ min: 1_000, max: 20_000 }),
    });
    fc.assert(
      fc.property(options, fc.array(op, { maxLength: 300 }), (opts, ops) => {
        const time = clock();
        const budget = new RetryBudget(opts, time.now);
        const slotMs = opts.ttlMs / 10;
        const events: { generation: number; kind: 'deposit' | 'withdraw' }[] = [];
        for (const step of ops) {
          if (step.kind === 'advance') {
            time.advance(step.ms);
            continue;
          }
          const generation = Math.floor(time.now() / slotMs);
          if (step.kind === 'deposit') {
            budget.deposit();
            events.push({ generation, kind: 'deposit' });
            continue;
          }
          const live = events.filter((e) => e.generation > generation - 10);
          const deposits = live.filter((e) => e.kind === 'deposit').length;
          const withdrawals = live.length - deposits;
          const expected = opts.minRetriesPerSecond * (opts.ttlMs / 1000) + opts.retryRatio * deposits - withdrawals >= 1 - 1e-9;
          assert.equal(budget.tryWithdraw(), expected);
          if (expected) events.push({ generation, kind: 'withdraw' });
        }
      }),
    );
  });
});
