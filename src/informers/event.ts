/**
 * What informers deliver, and what an event log replays: one stream of these per process.
 *
 * Ordering: events of one resource are in resourceVersion order; there is no order across resources.
 * A RELISTED event carries the whole difference between what the reflector knew and a fresh LIST
 * (objects missing from the list come as DELETED changes) and is applied atomically, with its
 * resourceVersion, so a crash never leaves half a relist behind.
 */
import type { ObjectKey, ProjectedObject, ResourceId } from './object.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectChange {
  readonly type: ChangeType;
  readonly resource: ResourceId;
  readonly key: ObjectKey;
  readonly object: ProjectedObject;
}

export interface RelistEvent {
  readonly type: 'RELISTED';
  readonly resource: ResourceId;
  readonly resourceVersion: string;
  readonly changes: readonly ObjectChange[];
}

/** Progress without change: a bookmark, or the resourceVersion a resumed watch starts from. */
export interface BookmarkEvent {
  readonly type: 'BOOKMARK';
  readonly resource: ResourceId;
  readonly resourceVersion: string;
}

/** The resource has listed (or resumed) once: its state in the store is now complete. */
export interface SyncedEvent {
  readonly type: 'SYNCED';
  readonly resource: ResourceId;
}

export type InformerEvent = ObjectChange | RelistEvent | BookmarkEvent | SyncedEvent;

/** The changes an event carries, in order (none for BOOKMARK and SYNCED). */
export function changesOf(event: InformerEvent): readonly ObjectChange[] {
  if (event.type === 'RELISTED') return event.changes;
  if (event.type === 'BOOKMARK' || event.type === 'SYNCED') return [];
  return [event];
}
