import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PeakEwma } from '../../../src/proxy/balance/peak-ewma.js';

const tau = 10_000;

function close(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), message ?? `${actual} is not ${expected}`);
}

/** Runs one request from `from` to `to` and returns the estimate right after it. */
function sample(ewma: PeakEwma, from: number, to: number): number {
  ewma.start(from).end(to);
  return ewma.estimate(to);
}

describe('PeakEWMA load', () => {
  it('starts at the default RTT of 30 ms and multiplies it by pending + 1', () => {
    const ewma = new PeakEwma({}, 0);
    assert.equal(ewma.cost(0), 30);
    ewma.start(0);
    ewma.start(0);
    assert.equal(ewma.pending, 2);
    assert.equal(ewma.cost(0), 90);
  });

  it('jumps straight to a sample larger than the estimate', () => {
    const ewma = new PeakEwma({}, 0);
    assert.equal(sample(ewma, 0, 500), 500);
    assert.equal(ewma.cost(500), 500);
  });

  it('decays toward a smaller sample by e^(-elapsed/decay)', () => {
    const ewma = new PeakEwma({}, 0);
    sample(ewma, 0, 500);
    const at = 500 + tau;
    close(sample(ewma, at - 10, at), 500 / Math.E + 10 * (1 - 1 / Math.E));
    const half = at + tau / 2;
    const before = ewma.estimate(at);
    const weight = Math.exp(-0.5);
    close(sample(ewma, half - 10, half), before * weight + 10 * (1 - weight));
  });

  it('honours a custom decay time and default RTT', () => {
    const ewma = new PeakEwma({ decayMs: 1_000, defaultRttMs: 100 }, 0);
    assert.equal(ewma.cost(0), 100);
    close(sample(ewma, 990, 1_000), 100 / Math.E + 10 * (1 - 1 / Math.E));
  });

  it('lets idle time pull the cost toward zero without changing the stored estimate', () => {
    const ewma = new PeakEwma({}, 0);
    sample(ewma, 0, 1_000);
    close(ewma.cost(1_000 + tau), 1_000 / Math.E);
    close(ewma.cost(1_000 + 2 * tau), 1_000 / Math.E ** 2);
    assert.equal(ewma.cost(1_000), 1_000, 'reading the cost did not change it');
  });

  it('counts an ended request once even when it is ended twice', () => {
    const ewma = new PeakEwma({}, 0);
    const first = ewma.start(0);
    ewma.start(0);
    first.end(200);
    const after = ewma.estimate(200);
    first.end(5_000);
    assert.equal(ewma.pending, 1);
    assert.equal(ewma.estimate(200), after);
    assert.ok(first.ended);
  });

  it('treats a clock that went backwards as no time passing', () => {
    const ewma = new PeakEwma({}, 1_000);
    ewma.start(1_000).end(900);
    assert.equal(ewma.estimate(1_000), 30);
    assert.equal(ewma.pending, 0);
  });

  it('rejects a non-positive decay or a negative default RTT, naming the option', () => {
    assert.throws(() => new PeakEwma({ decayMs: 0 }, 0), /decayMs/);
    assert.throws(() => new PeakEwma({ decayMs: Number.NaN }, 0), /decayMs/);
    assert.throws(() => new PeakEwma({ defaultRttMs: -1 }, 0), /defaultRttMs/);
  });

  it('keeps the estimate at or above the latest sample and within the samples seen', () => {
    const request = fc.record({ gap: fc.integer({ min: 0, max: 30_000 }), rtt: fc.integer({ min: 0, max: 5_000 }) });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 60 }), (requests) => {
        const ewma = new PeakEwma({}, 0);
        let now = 0;
        let low = 30;
        let high = 30;
        for (const { gap, rtt } of requests) {
          now += gap;
          const estimate = sample(ewma, now, now + rtt);
          now += rtt;
          low = Math.min(low, rtt);
          high = Math.max(high, rtt);
          assert.ok(estimate >= rtt - 1e-9, `estimate ${estimate} fell below the sample ${rtt}`);
          assert.ok(estimate >= low - 1e-9 && estimate <= high + 1e-9, `estimate ${estimate} outside [${low}, ${high}]`);
        }
      }),
    );
  });
});
