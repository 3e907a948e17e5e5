/**
 * Parsing what LMDB hands back (DESIGN.md: zod where data enters, LMDB reads included).
 * The verifier has already walked the file in a child process; this is the in-process parse
 * of the same entries, so no unchecked value reaches the index. A store written by an older
 * build whose projections differ fails here and is rebuilt, even if its schema version matched.
 */
import { keyOf, type KindSpec, resourceId, resourceOfKey } from '../informers/kind.js';
import { allKinds } from '../informers/kinds/index.js';
import type { ObjectKey, ProjectedObject, ResourceId } from '../informers/object.js';
import { type Snapshot, snapshotSchema } from '../streams/snapshot.js';
import type { StoredState } from './store-file.js';

export interface LoadedState {
  readonly resourceVersions: ReadonlyMap<ResourceId, string>;
  readonly objects: readonly (readonly [ObjectKey, ProjectedObject])[];
  readonly views: readonly (readonly [string, Snapshot])[];
}

/**
 * Parses every stored entry; any entry that fails makes the whole store unusable (it is rebuilt).
 * `trusted` skips the object parse for a store closed cleanly under the same projection code
 * (see projection-fingerprint.ts); views are always parsed.
 */
export function loadStoredState(stored: StoredState, trusted = false): LoadedState | { readonly problem: string } {
  const kinds = new Map<string, KindSpec>(allKinds.map((spec) => [resourceId(spec), spec]));
  const objects: (readonly [ObjectKey, ProjectedObject])[] = [];
  for (const [key, raw] of stored.objects) {
    if (trusted) {
      objects.push([key, raw as ProjectedObject]);
      continue;
    }
    const spec = kinds.get(resourceOfKey(key));
    const parsed = spec?.schema.safeParse(raw);
    if (spec === undefined || parsed === undefined || !parsed.success || keyOf(resourceId(spec), parsed.data) !== key) {
      return { problem: `stored object ${JSON.stringify(key)} no longer parses` };
    }
    objects.push([key, parsed.data]);
  }
  const views: (readonly [string, Snapshot])[] = [];
  for (const [key, raw] of stored.views) {
    const parsed = snapshotSchema.safeParse(raw);
    if (parsed.success) views.push([key, parsed.data]);
    else return { problem: `stored view ${JSON.stringify(key)} no longer parses` };
  }
  return { resourceVersions: stored.resourceVersions, objects, views };
}
