/**
 * Snapshots: the desired state of one view key, as items keyed by name, each with a version.
 *
 * Items are sorted by name and names are unique. A version is a hash of the item's value, so two
 * snapshots built from the same state are equal item for item, and the differ can compare
 * versions instead of values.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export interface SnapshotItem<T = unknown> {
  readonly name: string;
  readonly version: string;
  readonly value: T;
}

export interface Snapshot<T = unknown> {
  readonly items: readonly SnapshotItem<T>[];
  /** A hash over every item's name and version: equal snapshots have equal versions. */
  readonly version: string;
}

/** Builds a snapshot from named values. A later duplicate name replaces an earlier one. */
export function snapshotOf<T>(entries: Iterable<readonly [string, T]>): Snapshot<T> {
  const byName = new Map<string, T>();
  for (const [name, value] of entries) byName.set(name, value);
  const items = [...byName.keys()].sort().map((name) => itemOf(name, byName.get(name) as T));
  const hash = createHash('sha1');
  for (const item of items) hash.update(item.name).update('\u0000').update(item.version).update('\u0000');
  return { items, version: hash.digest('base64url').slice(0, 16) };
}

export function itemOf<T>(name: string, value: T): SnapshotItem<T> {
  return { name, version: createHash('sha1').update(JSON.stringify(value)).digest('base64url').slice(0, 16), value };
}

export const snapshotSchema = z.object({
  items: z.array(z.object({ name: z.string(), version: z.string(), value: z.unknown() })),
  version: z.string(),
});
