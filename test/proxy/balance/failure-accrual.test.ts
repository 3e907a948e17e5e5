import assert from 'node:assert/strict';
import { ConsecutiveFailures, defaultConsecutiveFailures } from '../../../src/proxy/balance/failure-accrual.js';

const policy = { maxFailures: 3, minPenaltyMs: 1_000, maxPenaltyMs: 10_000, jitterRatio: 0.5 };

function failTimes(accrual: ConsecutiveFailures, times: number, now: number): void {
  for (let i = 0; i < times; i++) accrual.record('failure', now, false);
}

/** Fails the probe at the end of each penalty and returns the penalties seen. */
function penalties(accrual: ConsecutiveFailures, rounds: number): number[] {
  let now = 0;
  failTimes(accrual, policy.maxFailures, now);
  const seen: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const until = accrual.availableAt() as number;
    seen.push(until - now);
    now = until;
    assert.ok(accrual.admit(now));
    accrual.record('failure', now, true);
  }
  return seen;
}

describe('consecutive-failures accrual', () => {
  it('uses Linkerd defaults of 7 failures and a 1 s to 60 s penalty with 50% jitter', () => {
    assert.deepEqual(defaultConsecutiveFailures, { maxFailures: 7, minPenaltyMs: 1_000, maxPenaltyMs: 60_000, jitterRatio: 0.5 });
  });

  it('takes an endpoint out only after maxFailures failures in a row', () => {
    const accrual = new ConsecutiveFailures(policy, () => 0);
    failTimes(accrual, 2, 0);
    accrual.record('success', 0, false);
    failTimes(accrual, 2, 0);
    assert.ok(accrual.available(0));
    assert.equal(accrual.state(), 'available');
    assert.ok(accrual.record('failure', 0, false), 'the third failure in a row changes the state');
    assert.equal(accrual.state(), 'penalized');
    assert.equal(accrual.available(999), false);
    assert.equal(accrual.available(1_000), true);
  });

  it('doubles the penalty after each failed probe up to the maximum', () => {
    assert.deepEqual(penalties(new ConsecutiveFailures(policy, () => 0), 6), [1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it('adds up to jitterRatio of the step at random, never above the maximum', () => {
    assert.deepEqual(penalties(new ConsecutiveFailures(policy, () => 0.999999), 5).map(Math.round), [1_500, 3_000, 6_000, 10_000, 10_000]);
  });

  it('lets exactly one probe through when the penalty ends, and ignores other outcomes meanwhile', () => {
    const accrual = new ConsecutiveFailures(policy, () => 0);
    failTimes(accrual, 3, 0);
    assert.equal(accrual.admit(500), false, 'no probe before the penalty ends');
    assert.equal(accrual.record('success', 500, false), false, 'a late success does not end the penalty');
    assert.ok(accrual.admit(1_000));
    assert.equal(accrual.state(), 'probing');
    assert.equal(accrual.available(1_000), false);
    assert.equal(accrual.admit(1_000), false);
    assert.equal(accrual.record('failure', 1_001, false), false);
    assert.equal(accrual.record('success', 1_001, false), false);
    assert.equal(accrual.state(), 'probing');
    assert.ok(accrual.record('success', 1_002, true));
    assert.equal(accrual.state(), 'available');
  });

  it('starts over after a successful probe: a fresh streak and the minimum penalty', () => {
    const accrual = new ConsecutiveFailures(policy, () => 0);
    failTimes(accrual, 3, 0);
    accrual.admit(1_000);
    accrual.record('failure', 1_000, true);
    assert.equal(accrual.availableAt(), 3_000);
    accrual.admit(3_000);
    accrual.record('success', 3_000, true);
    failTimes(accrual, 2, 3_000);
    assert.equal(accrual.state(), 'available');
    failTimes(accrual, 1, 3_000);
    assert.equal(accrual.availableAt(), 4_000);
  });

  it('rejects a policy with a bad field, naming it', () => {
    assert.throws(() => new ConsecutiveFailures({ ...policy, maxFailures: 1.5 }), /maxFailures/);
    assert.throws(() => new ConsecutiveFailures({ ...policy, minPenaltyMs: 0 }), /minPenaltyMs/);
    assert.throws(() => new ConsecutiveFailures({ ...policy, maxPenaltyMs: 10 }), /maxPenaltyMs/);
    assert.throws(() => new ConsecutiveFailures({ ...policy, jitterRatio: -1 }), /jitterRatio/);
  });
});
