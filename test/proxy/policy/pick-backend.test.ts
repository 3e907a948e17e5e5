/**
 * Backend choice: weighted random picks follow the weights and never take a backend of weight 0;
 * first-available takes the first available backend.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pickBackend } from '../../../src/proxy/policy/outbound-router.js';

interface Candidate {
  readonly id: number;
  readonly weight: number;
}

const weightsArb = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 6 }).filter((weights) => weights.some((weight) => weight > 0));
const random = (backends: readonly Candidate[]) => ({ distribution: 'random-available' as const, backends });
const candidates = (weights: readonly number[]): Candidate[] => weights.map((weight, id) => ({ id, weight }));

/** A small seeded generator (mulberry32), so a failing seed replays exactly. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('picking a backend', () => {
  it('never picks a backend of weight 0, for any random value', () => {
    fc.assert(fc.property(weightsArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (weights, point) => {
      const picked = pickBackend(random(candidates(weights)), () => point);
      assert.ok(picked !== undefined && picked.weight > 0, `picked ${JSON.stringify(picked)} from ${JSON.stringify(weights)} at ${point}`);
    }));
  });

  it('never picks a backend of weight 0 at the boundaries between backends either', () => {
    fc.assert(fc.property(weightsArb, (weights) => {
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      for (let k = 0; k < total; k++) {
        const picked = pickBackend(random(candidates(weights)), () => k / total);
        assert.ok(picked !== undefined && picked.weight > 0, `picked ${JSON.stringify(picked)} from ${JSON.stringify(weights)} at ${k}/${total}`);
      }
    }));
  });

  it('gives each backend exactly its share of evenly spread random values', () => {
    fc.assert(fc.property(weightsArb, fc.integer({ min: 1, max: 7 }), (weights, rounds) => {
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const samples = total * rounds;
      const counts = weights.map(() => 0);
      const backends = candidates(weights);
      for (let k = 0; k < samples; k++) {
        const picked = pickBackend(random(backends), () => (k + 0.5) / samples);
        counts[picked?.id ?? -1]! += 1;
      }
      assert.deepEqual(counts, weights.map((weight) => weight * rounds));
    }));
  });

  it('follows the weights under a seeded random source', () => {
    fc.assert(fc.property(weightsArb, fc.integer(), (weights, seed) => {
      const next = seeded(seed);
      const backends = candidates(weights);
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const samples = 20_000;
      const counts = weights.map(() => 0);
      for (let i = 0; i < samples; i++) counts[pickBackend(random(backends), next)?.id ?? -1]! += 1;
      weights.forEach((weight, id) => {
        const share = (counts[id] ?? 0) / samples;
        assert.ok(Math.abs(share - weight / total) < 0.025, `backend ${id} (weight ${weight}/${total}) got ${share}`);
      });
    }), { numRuns: 40 });
  });

  it('picks among available backends only, and among all when none is available', () => {
    const backends = candidates([5, 5, 0, 5]);
    const available = (backend: Candidate) => backend.id !== 0;
    for (const point of [0, 0.3, 0.6, 0.99]) assert.notEqual(pickBackend(random(backends), () => point, available)?.id, 0);
    assert.equal(pickBackend(random(backends), () => 0, () => false)?.id, 0);
  });

  it('takes the first available backend of a first-available list, or the first one', () => {
    const backends = candidates([1, 1, 1]);
    const first = (available?: (backend: Candidate) => boolean) => pickBackend({ distribution: 'first-available', backends }, () => 0.99, available)?.id;
    assert.equal(first(), 0);
    assert.equal(first((backend) => backend.id === 2), 2);
    assert.equal(first(() => false), 0);
  });

  it('has nothing to pick from an empty distribution or weights that are all 0', () => {
    assert.equal(pickBackend({ distribution: 'empty', backends: [] }, Math.random), undefined);
    assert.equal(pickBackend(random(candidates([0, 0])), () => 0.5), undefined);
  });
});
