/**
 * The embedded metrics API's PromQL functions against values computed by hand with Prometheus 2.x's
 * rules (extrapolation to the range's edges, counter resets, bucket interpolation).
 */
import assert from 'node:assert/strict';
import { histogramQuantile, increase, irate, parseBound, type Sample } from '../../src/viz/promql-functions.js';

const at = (pairs: readonly (readonly [number, number])[]): Sample[] => pairs.map(([seconds, v]) => ({ t: seconds * 1000, v }));

describe('increase', () => {
  it('extrapolates to both edges when the samples start and end within 1.1 intervals of them', () => {
    // 10..60 over 5..55 s in [0, 60]: 50, stretched from 50 s sampled to 60 s: 60.
    assert.equal(increase(at([[5, 10], [15, 20], [25, 30], [35, 40], [45, 50], [55, 60]]), 0, 60_000), 60);
  });

  it('adds back what a counter had before it reset', () => {
    // 10→30, reset to 5, 5→25: (25 - 10) + 30 = 45; stretched 60/50: 54.
    const value = increase(at([[5, 10], [15, 20], [25, 30], [35, 5], [45, 15], [55, 25]]), 0, 60_000);
    assert.ok(value !== undefined && Math.abs(value - 54) < 1e-9, String(value));
  });

  it('extrapolates only half an interval towards an edge that is far away', () => {
    // 100→120 over 30..50 s in [0, 60]: start is 30 s away (> 11 s), so + 5 s; end + 10 s: 20 × 35/20.
    assert.equal(increase(at([[30, 100], [40, 110], [50, 120]]), 0, 60_000), 35);
  });

  it('never extrapolates a counter to before it would have been zero', () => {
    // 1→21 over 10..30 s in [0, 40]: zero is 1 s before the first sample: 20 × (20 + 1 + 10)/20.
    assert.equal(increase(at([[10, 1], [20, 11], [30, 21]]), 0, 40_000), 31);
  });

  it('has no value with fewer than two samples', () => {
    assert.equal(increase(at([[10, 5]]), 0, 60_000), undefined);
    assert.equal(increase([], 0, 60_000), undefined);
  });
});

describe('irate', () => {
  it('is the last two samples\' difference per second', () => {
    assert.equal(irate(at([[40, 30], [50, 50], [55, 60]])), 2);
  });

  it('takes the last value alone after a reset', () => {
    assert.equal(irate(at([[50, 60], [55, 5]])), 1);
  });

  it('has no value with fewer than two samples', () => {
    assert.equal(irate(at([[55, 5]])), undefined);
  });
});

describe('histogram_quantile', () => {
  const buckets = [{ upperBound: 1, count: 0 }, { upperBound: 5, count: 10 }, { upperBound: 10, count: 20 }, { upperBound: Infinity, count: 20 }];

  it('interpolates linearly inside the bucket where the rank falls', () => {
    assert.equal(histogramQuantile(0.25, buckets), 3);
    assert.equal(histogramQuantile(0.5, buckets), 5);
    assert.equal(histogramQuantile(0.75, buckets), 7.5);
  });

  it('answers the last finite bound when the rank falls in +Inf', () => {
    assert.equal(histogramQuantile(0.9, [{ upperBound: 1, count: 5 }, { upperBound: 2, count: 10 }, { upperBound: Infinity, count: 20 }]), 2);
  });

  it('sorts buckets, sums equal bounds and forces counts monotonic', () => {
    const unsorted = [{ upperBound: Infinity, count: 10 }, { upperBound: 2, count: 5 }, { upperBound: 1, count: 10 }];
    assert.equal(histogramQuantile(0.5, unsorted), 0.5);
    const split = [{ upperBound: 1, count: 2 }, { upperBound: 1, count: 3 }, { upperBound: Infinity, count: 10 }];
    assert.equal(histogramQuantile(0.5, split), 1);
  });

  it('is NaN without a +Inf bucket or without observations, and ±Inf outside [0, 1]', () => {
    assert.ok(Number.isNaN(histogramQuantile(0.5, [{ upperBound: 1, count: 1 }])));
    assert.ok(Number.isNaN(histogramQuantile(0.5, [{ upperBound: 1, count: 0 }, { upperBound: Infinity, count: 0 }])));
    assert.equal(histogramQuantile(-1, buckets), -Infinity);
    assert.equal(histogramQuantile(2, buckets), Infinity);
  });

  it('reads le bounds as Prometheus writes them', () => {
    assert.equal(parseBound('+Inf'), Infinity);
    assert.equal(parseBound('0.5'), 0.5);
    assert.ok(Number.isNaN(parseBound('')));
  });
});
