/**
 * The read-only face of the store that reconcilers see. Everything it returns is frozen.
 * Reads are consistent within one reconcile cycle: the store does not change while a cycle runs.
 */
import type { ObjectKey, ProjectedObject, ResourceId } from '../informers/object.js';
import type { IndexName } from './indexes.js';
import type { LabelSelector } from './label-selector.js';

export interface StoreView {
  get<T extends ProjectedObject = ProjectedObject>(key: ObjectKey): T | undefined;
  /** Objects under one index value (`podIp` → pods with that IP, `sliceService` → slices of `ns/svc`). */
  byIndex<T extends ProjectedObject = ProjectedObject>(index: IndexName, value: string): readonly T[];
  /** Every object of a resource, or of a resource in one namespace, in key order. */
  list<T extends ProjectedObject = ProjectedObject>(resource: ResourceId, namespace?: string): readonly T[];
  /** Objects whose labels match the selector; namespace undefined means all namespaces. */
  select<T extends ProjectedObject = ProjectedObject>(resource: ResourceId, namespace: string | undefined, selector: LabelSelector): readonly T[];
  /** Whether every watched resource has listed once. */
  synced(): boolean;
}
