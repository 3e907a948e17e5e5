/**
 * The in-memory index over the store's objects: objects by key, keys by resource, and the
 * secondary indexes of `indexes.ts`. It is the hot read path; LMDB holds the durable copy.
 *
 * Mutated only by `put` and `remove`, which the store calls from its single writer. Objects are
 * frozen on the way in, so what readers get can never change under them.
 */
import { deepFreeze, type ObjectKey, type ProjectedObject, type ResourceId } from '../informers/object.js';
import { resourceOfKey } from '../informers/kind.js';
import { type IndexName, indexEntries, labelValue, namespaceValue } from './indexes.js';
import { type LabelSelector, requiredPair, selectorMatches } from './label-selector.js';
import type { StoreView } from './store-view.js';

export class ObjectIndex implements Omit<StoreView, 'synced'> {
  private readonly objects = new Map<ObjectKey, ProjectedObject>();
  private readonly byResource = new Map<ResourceId, Set<ObjectKey>>();
  private readonly indexes = new Map<string, Set<ObjectKey>>();

  /** Stores an object under its key, replacing any previous version. Returns the previous one. */
  put(key: ObjectKey, object: ProjectedObject): ProjectedObject | undefined {
    const resource = resourceOfKey(key);
    const before = this.objects.get(key);
    if (before !== undefined) this.unindex(resource, key, before);
    const frozen = deepFreeze(object);
    this.objects.set(key, frozen);
    let keys = this.byResource.get(resource);
    if (keys === undefined) this.byResource.set(resource, keys = new Set());
    keys.add(key);
    for (const { index, value } of indexEntries(resource, frozen)) {
      const slot = `${index}\u0000${value}`;
      let set = this.indexes.get(slot);
      if (set === undefined) this.indexes.set(slot, set = new Set());
      set.add(key);
    }
    return before;
  }

  remove(key: ObjectKey): ProjectedObject | undefined {
    const before = this.objects.get(key);
    if (before === undefined) return undefined;
    const resource = resourceOfKey(key);
    this.unindex(resource, key, before);
    this.objects.delete(key);
    this.byResource.get(resource)?.delete(key);
    return before;
  }

  private unindex(resource: ResourceId, key: ObjectKey, object: ProjectedObject): void {
    for (const { index, value } of indexEntries(resource, object)) {
      const slot = `${index}\u0000${value}`;
      const set = this.indexes.get(slot);
      set?.delete(key);
      if (set?.size === 0) this.indexes.delete(slot);
    }
  }

  get<T extends ProjectedObject = ProjectedObject>(key: ObjectKey): T | undefined {
    return this.objects.get(key) as T | undefined;
  }

  keys(resource: ResourceId): readonly ObjectKey[] {
    return [...(this.byResource.get(resource) ?? [])].sort();
  }

  size(): number {
    return this.objects.size;
  }

  byIndex<T extends ProjectedObject = ProjectedObject>(index: IndexName, value: string): readonly T[] {
    return this.resolve<T>(this.indexes.get(`${index}\u0000${value}`));
  }

  list<T extends ProjectedObject = ProjectedObject>(resource: ResourceId, namespace?: string): readonly T[] {
    const keys = namespace === undefined ? this.byResource.get(resource)
      : this.indexes.get(`namespace\u0000${namespaceValue(resource, namespace)}`);
    return this.resolve<T>(keys);
  }

  select<T extends ProjectedObject = ProjectedObject>(resource: ResourceId, namespace: string | undefined, selector: LabelSelector): readonly T[] {
    const pair = requiredPair(selector);
    const candidates = pair !== undefined && namespace !== undefined
      ? this.resolve<T>(this.indexes.get(`label\u0000${labelValue(resource, namespace, pair[0], pair[1])}`))
      : this.list<T>(resource, namespace);
    return candidates.filter((object) => selectorMatches(selector, object.metadata.labels));
  }

  private resolve<T extends ProjectedObject>(keys: ReadonlySet<ObjectKey> | undefined): readonly T[] {
    if (keys === undefined) return [];
    const out: T[] = [];
    for (const key of [...keys].sort()) {
      const object = this.objects.get(key);
      if (object !== undefined) out.push(object as T);
    }
    return out;
  }
}
