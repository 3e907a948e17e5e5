/**
 * A reconciler: pure functions from a read-only store view to desired-state snapshots.
 *
 * Level-based (DESIGN.md rule 3): `reconcile` reads the current state only, never the event that
 * made the key due, so a duplicate event, a resync or a relist cannot change its answer.
 * `affected` names the keys a change may touch (reading the change and the view; over-approximating
 * is safe, it only costs a reconcile that finds nothing new). `keys` lists every key that should
 * have a view now, for a full reconcile. None of them do I/O, read clocks or keep state.
 */
import type { StoreChange } from '../store/store.js';
import type { StoreView } from '../store/store-view.js';
import type { Snapshot } from '../streams/snapshot.js';

export interface Reconciler<T = unknown> {
  /** The view name: view keys are `<name>/<key>`. */
  readonly name: string;
  affected(change: StoreChange, view: StoreView): Iterable<string>;
  /** The snapshot for a key, or undefined when the key should have no view. */
  reconcile(view: StoreView, key: string): Snapshot<T> | undefined;
  keys(view: StoreView): Iterable<string>;
}

export function viewKey(reconciler: Pick<Reconciler, 'name'>, key: string): string {
  return `${reconciler.name}/${key}`;
}
