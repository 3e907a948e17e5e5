import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diff, fold } from '../../src/streams/differ.js';
import { snapshotOf, type SnapshotItem } from '../../src/streams/snapshot.js';

describe('differ', () => {
  it('sends an upsert for a new item, an upsert for a changed one and a removal for a gone one', () => {
    const before = snapshotOf([['a', 1], ['b', 2], ['c', 3]]);
    const after = snapshotOf([['b', 2], ['c', 30], ['d', 4]]);
    const delta = diff(before, after);
    assert.deepEqual(delta.upserts.map((item) => [item.name, item.value]), [['c', 30], ['d', 4]]);
    assert.deepEqual(delta.removals, ['a']);
  });

  it('sends nothing for equal snapshots built in different orders', () => {
    const delta = diff(snapshotOf([['x', { n: 1 }], ['y', { n: 2 }]]), snapshotOf([['y', { n: 2 }], ['x', { n: 1 }]]));
    assert.deepEqual(delta, { upserts: [], removals: [] });
  });

  it('gives equal snapshots equal versions and different ones different versions', () => {
    assert.equal(snapshotOf([['a', 1]]).version, snapshotOf([['a', 1]]).version);
    assert.notEqual(snapshotOf([['a', 1]]).version, snapshotOf([['a', 2]]).version);
  });

  it('folds back to the later snapshot from any earlier one (property)', () => {
    const entries = fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 5 })), { maxLength: 20 });
    fc.assert(fc.property(entries, entries, (a, b) => {
      const before = snapshotOf(a);
      const after = snapshotOf(b);
      const state = new Map<string, SnapshotItem<number>>(before.items.map((item) => [item.name, item]));
      fold(state, diff(before, after));
      assert.deepEqual([...state.values()].sort((x, y) => (x.name < y.name ? -1 : 1)), after.items);
    }));
  });
});
