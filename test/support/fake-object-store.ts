/**
 * The fake API server's etcd: current objects, one global resourceVersion, and a bounded history.
 *
 * Contract:
 * - Every successful write (create, update, delete) bumps the global resourceVersion by one, stamps
 *   it on the object, appends exactly one event to the history and hands that event to `onEvent`
 *   synchronously, before the write returns. Events are therefore totally ordered by resourceVersion.
 * - The history keeps the newest `historyLimit` events across all resources. `oldestRv()` is the
 *   smallest resourceVersion a watch or a continue token may resume from; anything older is "too old"
 *   (410 Expired). Eviction and `compact()` only ever raise it.
 * - `snapshot(resource, rv)` is the exact state of a resource at `rv`, rebuilt by undoing later
 *   events, so pages of a list are consistent with one another.
 * - Stored objects are deeply frozen and never mutated; writes replace them.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceId } from '../../src/informers/object.js';
import type { ServedResource } from './fake-resources.js';
import {
  freezeObject, keyOfObject, nowTimestamp, parseIncoming, storageKey,
  type IncomingObject, type KubeObject,
} from './kube-object.js';
import { statusErrors, tooOldResourceVersion } from './kube-status.js';

export type StoredEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly rv: number;
  readonly resource: ServedResource;
  readonly type: StoredEventType;
  /** The state after the event; for DELETED, the last state stamped with the deletion's RV. */
  readonly object: KubeObject;
  /** The state before the event, if the object existed. */
  readonly previous: KubeObject | undefined;
}

/** Preconditions a delete may carry (DeleteOptions.preconditions). */
export interface DeletePreconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class FakeObjectStore {
  private rv = 1;
  private horizon = 1;
  private generatedNames = 0;
  private readonly history: StoredEvent[] = [];
  private readonly objects = new Map<ResourceId, Map<string, KubeObject>>();

  constructor(private readonly historyLimit: number, private readonly onEvent: (event: StoredEvent) => void) {}

  currentRv(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch or a continue token can still start from. */
  oldestRv(): number {
    return this.horizon;
  }

  get(r: ServedResource, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.table(r).get(storageKey(r.namespaced ? namespace : undefined, name));
  }

  /** The current objects of a resource, sorted by namespace then name. */
  items(r: ServedResource): KubeObject[] {
    return sortByKey([...this.table(r).values()]);
  }

  /** The objects of a resource as they were at `atRv`; 410 Expired if that is before `oldestRv()`. */
  snapshot(r: ServedResource, atRv: number): KubeObject[] {
    if (atRv < this.horizon) throw tooOldResourceVersion(String(atRv), this.horizon);
    const state = new Map(this.table(r));
    for (let i = this.history.length - 1; i >= 0; i--) {
      const event = this.history[i];
      if (event === undefined || event.rv <= atRv) break;
      if (event.resource.id !== r.id) continue;
      const key = keyOfObject(event.object);
      if (event.previous === undefined) state.delete(key);
      else state.set(key, event.previous);
    }
    return sortByKey([...state.values()]);
  }

  /** Every kept event after `rv`, oldest first. The caller checks `rv >= oldestRv()` first. */
  eventsAfter(rv: number): readonly StoredEvent[] {
    return this.history.filter((e) => e.rv > rv);
  }

  create(r: ServedResource, input: unknown): KubeObject {
    const incoming = this.check(r, input);
    const name = incoming.metadata.name ?? this.generateName(r, incoming);
    const namespace = namespaceOf(r, incoming);
    if (this.get(r, namespace, name) !== undefined) throw statusErrors.alreadyExists(r, name);
    const rv = this.nextRv();
    const object = build(r, incoming, {
      name, namespace, uid: randomUUID(), resourceVersion: String(rv), generation: 1, creationTimestamp: nowTimestamp(),
    });
    return this.commit(r, rv, 'ADDED', object, undefined);
  }

  /**
   * Replaces an existing object. With `checkVersion`, a `metadata.resourceVersion` in the input that
   * differs from the stored one is a 409 Conflict (optimistic concurrency); without, it is ignored.
   */
  update(r: ServedResource, input: unknown, checkVersion: boolean): KubeObject {
    const incoming = this.check(r, input);
    const name = incoming.metadata.name;
    if (name === undefined) throw statusErrors.invalid(r.kind, '', 'metadata.name: Required value');
    const namespace = namespaceOf(r, incoming);
    const previous = this.get(r, namespace, name);
    if (previous === undefined) throw statusErrors.notFound(r, name);
    const asked = incoming.metadata.resourceVersion;
    if (checkVersion && asked !== undefined && asked !== '' && asked !== previous.metadata.resourceVersion) {
      throw statusErrors.conflict(r, name);
    }
    const rv = this.nextRv();
    const object = build(r, incoming, {
      name, namespace, uid: previous.metadata.uid, resourceVersion: String(rv),
      generation: nextGeneration(previous, incoming), creationTimestamp: previous.metadata.creationTimestamp,
    });
    return this.commit(r, rv, 'MODIFIED', object, previous);
  }

  /** Creates the object, or replaces it whatever resourceVersion it carries. */
  apply(r: ServedResource, input: unknown): KubeObject {
    const incoming = this.check(r, input);
    const name = incoming.metadata.name;
    const exists = name !== undefined && this.get(r, namespaceOf(r, incoming), name) !== undefined;
    return exists ? this.update(r, incoming, false) : this.create(r, incoming);
  }

  /** Deletes an object and returns its last state; undefined if there was none. */
  delete(r: ServedResource, namespace: string | undefined, name: string, pre: DeletePreconditions = {}): KubeObject | undefined {
    const previous = this.get(r, namespace, name);
    if (previous === undefined) return undefined;
    const uidMismatch = pre.uid !== undefined && pre.uid !== previous.metadata.uid;
    if (uidMismatch || (pre.resourceVersion !== undefined && pre.resourceVersion !== previous.metadata.resourceVersion)) {
      throw statusErrors.conflict(r, name);
    }
    const rv = this.nextRv();
    const object: KubeObject = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } };
    return this.commit(r, rv, 'DELETED', object, previous);
  }

  /** Forgets all history: every resourceVersion before the current one becomes too old. */
  compact(): void {
    this.history.length = 0;
    this.horizon = this.rv;
  }

  private check(r: ServedResource, input: unknown): IncomingObject {
    const incoming = parseIncoming(input, r.kind);
    if (incoming.kind !== undefined && incoming.kind !== r.kind) {
      throw statusErrors.badRequest(`kind "${incoming.kind}" does not match the resource ${r.id} (kind "${r.kind}")`);
    }
    if (incoming.apiVersion !== undefined && incoming.apiVersion !== r.apiVersion) {
      throw statusErrors.badRequest(`apiVersion "${incoming.apiVersion}" does not match the resource ${r.id} (${r.apiVersion})`);
    }
    return incoming;
  }

  private generateName(r: ServedResource, incoming: IncomingObject): string {
    const prefix = incoming.metadata.generateName;
    if (prefix === undefined) {
      throw statusErrors.invalid(r.kind, '', 'metadata.name: Required value: name or generateName is required');
    }
    let n = ++this.generatedNames;
    let suffix = '';
    for (let i = 0; i < 5; i++) {
      suffix += NAME_SUFFIX_ALPHABET[n % NAME_SUFFIX_ALPHABET.length] ?? 'b';
      n = Math.floor(n / NAME_SUFFIX_ALPHABET.length);
    }
    return `${prefix}${suffix}`;
  }

  private nextRv(): number {
    return ++this.rv;
  }

  private commit(r: ServedResource, rv: number, type: StoredEventType, object: KubeObject, previous: KubeObject | undefined): KubeObject {
    const frozen = freezeObject(object);
    const table = this.table(r);
    if (type === 'DELETED') table.delete(keyOfObject(frozen));
    else table.set(keyOfObject(frozen), frozen);
    const event: StoredEvent = { rv, resource: r, type, object: frozen, previous };
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      const evicted = this.history.shift();
      if (evicted !== undefined) this.horizon = evicted.rv;
    }
    this.onEvent(event);
    return frozen;
  }

  private table(r: ServedResource): Map<string, KubeObject> {
    let table = this.objects.get(r.id);
    if (table === undefined) {
      table = new Map();
      this.objects.set(r.id, table);
    }
    return table;
  }
}

interface ServerFields {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly uid: string | undefined;
  readonly resourceVersion: string;
  readonly generation: number;
  readonly creationTimestamp: string | undefined;
}

function build(r: ServedResource, incoming: IncomingObject, fields: ServerFields): KubeObject {
  const rest = without(incoming, ['apiVersion', 'kind', 'metadata']);
  const meta = without(incoming.metadata, ['namespace', 'generateName']);
  const namespace = fields.namespace === undefined ? {} : { namespace: fields.namespace };
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    metadata: {
      ...meta,
      name: fields.name,
      ...namespace,
      uid: fields.uid ?? randomUUID(),
      resourceVersion: fields.resourceVersion,
      generation: fields.generation,
      ...(fields.creationTimestamp === undefined ? {} : { creationTimestamp: fields.creationTimestamp }),
    },
    ...rest,
  };
}

function namespaceOf(r: ServedResource, incoming: IncomingObject): string | undefined {
  if (!r.namespaced) return undefined;
  const ns = incoming.metadata.namespace;
  return ns === undefined || ns === '' ? 'default' : ns;
}

/** Generation moves when anything outside metadata and status changes, as for the real server. */
function nextGeneration(previous: KubeObject, incoming: IncomingObject): number {
  const before = previous.metadata.generation ?? 1;
  return JSON.stringify(specOf(previous)) === JSON.stringify(specOf(incoming)) ? before : before + 1;
}

function specOf(object: object): Record<string, unknown> {
  return without(object, ['apiVersion', 'kind', 'metadata', 'status']);
}

function without(object: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([k]) => !keys.includes(k)));
}

function sortByKey(objects: KubeObject[]): KubeObject[] {
  return objects
    .map((o) => ({ key: keyOfObject(o), o }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.o);
}
