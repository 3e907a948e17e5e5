/**
 * The one generic differ (DESIGN.md rule 4): two snapshots in, upserts and removals out.
 *
 * An item is upserted when it is new or its version changed, removed when its name is gone.
 * `fold` is the inverse a subscriber applies; fold(before, diff(before, after)) = after, which is
 * the property the oracle tests check over random event sequences.
 */
import type { Snapshot, SnapshotItem } from './snapshot.js';

export interface Delta<T> {
  readonly upserts: readonly SnapshotItem<T>[];
  readonly removals: readonly string[];
}

const empty: Snapshot<never> = { items: [], version: '' };

export function diff<T>(before: Snapshot<T> | undefined, after: Snapshot<T> | undefined): Delta<T> {
  const a = (before ?? empty).items;
  const b = (after ?? empty).items;
  const upserts: SnapshotItem<T>[] = [];
  const removals: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const left = a[i];
    const right = b[j];
    if (right === undefined || (left !== undefined && left.name < right.name)) {
      removals.push((left as SnapshotItem<T>).name);
      i++;
    } else if (left === undefined || right.name < left.name) {
      upserts.push(right);
      j++;
    } else {
      if (left.version !== right.version) upserts.push(right);
      i++;
      j++;
    }
  }
  return { upserts, removals };
}

export function isEmptyDelta<T>(delta: Delta<T>): boolean {
  return delta.upserts.length === 0 && delta.removals.length === 0;
}

/** Applies a delta to a subscriber's state (a map from item name to item), in place. */
export function fold<T>(state: Map<string, SnapshotItem<T>>, delta: Delta<T>): void {
  for (const name of delta.removals) state.delete(name);
  for (const item of delta.upserts) state.set(item.name, item);
}
