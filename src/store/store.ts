/**
 * The store: Sinew's derived cache of the cluster (DESIGN.md rule 2), and its only writer.
 *
 * Contract:
 * - `apply` takes informer events in order and returns the changes they made, each with the
 *   object before and after. An event that changes nothing (a duplicate, a DELETED for an unknown
 *   key) yields no change, so replays, resyncs and relists are idempotent.
 * - A RELISTED event is applied whole, with its resourceVersion, in the same commit.
 * - Reads (`view`) see everything applied so far; objects handed out are frozen.
 * - `commit` sends everything applied and every view set since the last commit to LMDB as one
 *   transaction (write-behind). Without a directory the store lives in memory only (replay).
 * - On open, a store directory that is missing, truncated, corrupt or of another schema version is
 *   discarded and rebuilt from a list; a good one is loaded and served at once, and its
 *   per-resource resourceVersions let the informers resume their watches.
 */
import type { InformerEvent, ObjectChange } from '../informers/event.js';
import type { ObjectKey, ProjectedObject, ResourceId } from '../informers/object.js';
import type { ReflectorSeed } from '../informers/reflector.js';
import type { Logger } from '../observe/logger.js';
import type { EngineMetrics } from '../observe/metrics.js';
import type { Snapshot } from '../streams/snapshot.js';
import { ObjectIndex } from './object-index.js';
import { StoreFile, type StoreOpening } from './store-file.js';
import type { StoreView } from './store-view.js';
import { loadStoredState } from './stored-state.js';

export interface StoreChange {
  readonly resource: ResourceId;
  readonly key: ObjectKey;
  readonly before: ProjectedObject | undefined;
  readonly after: ProjectedObject | undefined;
}

export interface StoreOptions {
  /** LMDB directory; undefined keeps the store in memory only. */
  readonly dir: string | undefined;
  /** The resources whose sync makes the store "synced". */
  readonly resources: readonly ResourceId[];
  readonly log: Logger;
  readonly metrics?: EngineMetrics;
}

export class Store {
  readonly view: StoreView;
  /** How the durable copy was opened (undefined for a store in memory). */
  opened: StoreOpening | undefined;
  private readonly index = new ObjectIndex();
  private readonly versions = new Map<ResourceId, string>();
  private readonly syncedResources = new Set<ResourceId>();
  private readonly views = new Map<string, Snapshot>();
  private pendingObjects = new Map<ObjectKey, ProjectedObject | null>();
  private pendingVersions = new Map<ResourceId, string>();
  private pendingViews = new Map<string, Snapshot | null>();

  private constructor(private readonly options: StoreOptions, private readonly file: StoreFile | undefined) {
    const index = this.index;
    this.view = {
      get: (key) => index.get(key),
      byIndex: (name, value) => index.byIndex(name, value),
      list: (resource, namespace) => index.list(resource, namespace),
      select: (resource, namespace, selector) => index.select(resource, namespace, selector),
      synced: () => options.resources.every((resource) => this.syncedResources.has(resource)),
    };
  }

  static async open(options: StoreOptions): Promise<Store> {
    if (options.dir === undefined) return new Store(options, undefined);
    let { file, rebuilt, opened } = await StoreFile.open(options.dir, options.log);
    let state = loadStoredState(file.load(), opened === 'clean-close');
    if ('problem' in state) {
      options.log.warn('store discarded; it will be rebuilt from a list', { dir: options.dir, reason: state.problem });
      await file.close();
      rebuilt = state.problem;
      ({ file, opened } = await StoreFile.open(options.dir, options.log, { discard: true }));
      state = { resourceVersions: new Map(), objects: [], views: [] };
    }
    if (rebuilt !== undefined) options.metrics?.storeRebuilds.inc({ reason: rebuildReason(rebuilt) });
    const store = new Store(options, file);
    store.opened = opened;
    for (const [key, object] of state.objects) store.index.put(key, object);
    for (const [resource, version] of state.resourceVersions) {
      store.versions.set(resource, version);
      store.syncedResources.add(resource);
    }
    for (const [key, snapshot] of state.views) store.views.set(key, snapshot);
    return store;
  }

  /** Where a resource's informer starts: its last resourceVersion and the keys it holds. */
  seed(resource: ResourceId): ReflectorSeed {
    const keys = new Map<ObjectKey, string>();
    for (const key of this.index.keys(resource)) {
      const object = this.index.get(key);
      if (object !== undefined) keys.set(key, object.metadata.resourceVersion);
    }
    return { resourceVersion: this.versions.get(resource), keys };
  }

  resourceVersion(resource: ResourceId): string | undefined {
    return this.versions.get(resource);
  }

  apply(events: readonly InformerEvent[]): StoreChange[] {
    const changes: StoreChange[] = [];
    for (const event of events) {
      switch (event.type) {
        case 'RELISTED':
          for (const change of event.changes) this.applyChange(change, changes);
          this.setVersion(event.resource, event.resourceVersion);
          break;
        case 'BOOKMARK':
          this.setVersion(event.resource, event.resourceVersion);
          break;
        case 'SYNCED':
          this.syncedResources.add(event.resource);
          break;
        default:
          this.applyChange(event, changes);
          this.setVersion(event.resource, event.object.metadata.resourceVersion);
      }
    }
    return changes;
  }

  private applyChange(change: ObjectChange, out: StoreChange[]): void {
    const current = this.index.get(change.key);
    if (change.type === 'DELETED') {
      if (current === undefined) return;
      this.index.remove(change.key);
      this.pendingObjects.set(change.key, null);
      out.push({ resource: change.resource, key: change.key, before: current, after: undefined });
      return;
    }
    if (current !== undefined && current.metadata.resourceVersion === change.object.metadata.resourceVersion
      && current.metadata.uid === change.object.metadata.uid) return;
    this.index.put(change.key, change.object);
    const stored = this.index.get(change.key) as ProjectedObject;
    this.pendingObjects.set(change.key, stored);
    out.push({ resource: change.resource, key: change.key, before: current, after: stored });
  }

  private setVersion(resource: ResourceId, version: string): void {
    if (version === '' || this.versions.get(resource) === version) return;
    this.versions.set(resource, version);
    this.pendingVersions.set(resource, version);
  }

  getView(key: string): Snapshot | undefined {
    return this.views.get(key);
  }

  /** Sets (or with undefined, removes) a materialized view; committed with the next `commit`. */
  setView(key: string, snapshot: Snapshot | undefined): void {
    if (snapshot === undefined) {
      if (!this.views.delete(key)) return;
      this.pendingViews.set(key, null);
    } else {
      this.views.set(key, snapshot);
      this.pendingViews.set(key, snapshot);
    }
  }

  viewKeys(): readonly string[] {
    return [...this.views.keys()].sort();
  }

  /** Queues everything applied since the last commit as one LMDB transaction. */
  commit(): void {
    const objects = this.pendingObjects;
    const versions = this.pendingVersions;
    const views = this.pendingViews;
    this.pendingObjects = new Map();
    this.pendingVersions = new Map();
    this.pendingViews = new Map();
    if (this.file === undefined) return;
    const entries = [...objects];
    const viewEntries = [...views];
    this.file.write({
      puts: entries.filter((entry): entry is [ObjectKey, ProjectedObject] => entry[1] !== null),
      removes: entries.filter(([, object]) => object === null).map(([key]) => key),
      resourceVersions: [...versions],
      viewPuts: viewEntries.filter((entry): entry is [string, Snapshot] => entry[1] !== null),
      viewRemoves: viewEntries.filter(([, view]) => view === null).map(([key]) => key),
      counts: { objects: this.index.size(), views: this.views.size },
    });
    this.options.metrics?.storeCommits.inc();
  }

  /** Commits not yet durable; the pipeline pauses its informers while this is high. */
  backlog(): number {
    return this.file?.backlog() ?? 0;
  }

  async flushed(): Promise<void> {
    await this.file?.flushed();
  }

  /** Every key and resourceVersion of a resource, for comparing with a LIST. */
  versionsOf(resource: ResourceId): ReadonlyMap<ObjectKey, string> {
    return this.seed(resource).keys;
  }

  size(): number {
    return this.index.size();
  }

  async close(): Promise<void> {
    this.commit();
    await this.file?.close();
  }
}

function rebuildReason(reason: string): string {
  if (reason.startsWith('schema version')) return 'schema';
  if (reason.includes('crashed') || reason.includes('shorter') || reason.startsWith('corrupt')
    || reason.startsWith('unreadable')) return 'truncated_or_corrupt';
  if (reason.startsWith('no data')) return 'missing';
  if (reason.includes('no longer parses')) return 'projection_changed';
  return 'invalid';
}

