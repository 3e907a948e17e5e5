/**
 * The reconcile loop: informer events in, committed views and published updates out.
 *
 * Contract, per `process(batch)` (one synchronous cycle; cycles never overlap):
 * 1. The batch is applied to the store; each change is mapped by every reconciler to the keys it
 *    may affect, which go on the deduplicating work queue (a key due many times runs once).
 * 2. Each due key is reconciled from the store's current state (level-based). A view whose
 *    snapshot version is unchanged is left alone; a reconcile that throws is counted and retried
 *    after a delay, and the old view stays.
 * 3. The store commits objects, resourceVersions and views together, in one transaction.
 * 4. The changed views are published to subscribers, after the commit is queued. A crash between
 *    3 and 4 loses nothing: every subscriber that reconnects starts from a full snapshot.
 */
import type { InformerEvent } from '../informers/event.js';
import type { Logger } from '../observe/logger.js';
import type { EngineMetrics } from '../observe/metrics.js';
import { type Reconciler, viewKey } from '../reconcilers/reconciler.js';
import type { Store } from '../store/store.js';
import type { ViewHub, ViewUpdate } from './view-hub.js';
import { WorkQueue } from './work-queue.js';

export interface ReconcileLoopOptions {
  readonly store: Store;
  readonly reconcilers: readonly Reconciler[];
  readonly hub: ViewHub;
  readonly log: Logger;
  readonly metrics?: EngineMetrics;
  /** Delay before a key whose reconcile threw is tried again. */
  readonly retryDelayMs?: number;
}

export class ReconcileLoop {
  private readonly queue: WorkQueue<string>;
  private readonly byName: ReadonlyMap<string, Reconciler>;

  constructor(private readonly options: ReconcileLoopOptions) {
    this.byName = new Map(options.reconcilers.map((reconciler) => [reconciler.name, reconciler]));
    this.queue = new WorkQueue<string>(() => this.process([]));
  }

  /** Applies one batch of events and reconciles everything it made due. Returns what changed. */
  process(events: readonly InformerEvent[]): readonly ViewUpdate[] {
    const { store } = this.options;
    for (const change of store.apply(events)) {
      for (const reconciler of this.options.reconcilers) {
        try {
          for (const key of reconciler.affected(change, store.view)) this.queue.add(viewKey(reconciler, key));
        } catch (error) {
          // Which keys the change touched is unknown: reconcile all of this reconciler's keys
          // (level-based, so that is always correct, only slower).
          this.options.metrics?.reconcileErrors.inc({ reconciler: reconciler.name });
          this.options.log.error('affected() failed; reconciling every key', { reconciler: reconciler.name, key: JSON.stringify(change.key), error: (error as Error).message });
          for (const key of reconciler.keys(store.view)) this.queue.add(viewKey(reconciler, key));
        }
      }
    }
    return this.drain();
  }

  /** Reconciles every key of every reconciler, and drops views whose key no longer exists. */
  reconcileAll(): readonly ViewUpdate[] {
    const { store } = this.options;
    for (const reconciler of this.options.reconcilers) {
      for (const key of reconciler.keys(store.view)) this.queue.add(viewKey(reconciler, key));
    }
    for (const key of store.viewKeys()) this.queue.add(key);
    return this.drain();
  }

  pending(): number {
    return this.queue.length();
  }

  shutdown(): void {
    this.queue.shutdown();
  }

  private drain(): readonly ViewUpdate[] {
    const { store, metrics } = this.options;
    const updates: ViewUpdate[] = [];
    for (let key = this.queue.take(); key !== undefined; key = this.queue.take()) {
      const update = this.reconcileKey(key);
      if (update !== undefined) updates.push(update);
      this.queue.done(key);
    }
    metrics?.queueDepth.set(this.queue.length());
    store.commit();
    this.options.hub.publish(updates);
    return updates;
  }

  private reconcileKey(key: string): ViewUpdate | undefined {
    const { store, metrics, log } = this.options;
    const slash = key.indexOf('/');
    const reconciler = this.byName.get(key.slice(0, slash));
    if (reconciler === undefined) {
      const before = store.getView(key);
      store.setView(key, undefined);
      return { key, before, after: undefined };
    }
    const timer = metrics?.reconcileDuration.startTimer({ reconciler: reconciler.name });
    try {
      const after = reconciler.reconcile(store.view, key.slice(slash + 1));
      const before = store.getView(key);
      if (before?.version === after?.version) return undefined;
      store.setView(key, after);
      return { key, before, after };
    } catch (error) {
      metrics?.reconcileErrors.inc({ reconciler: reconciler.name });
      log.error('reconcile failed; will retry', { key: JSON.stringify(key), error: (error as Error).message });
      this.queue.retryAfter(key, this.options.retryDelayMs ?? 1000);
      return undefined;
    } finally {
      timer?.();
    }
  }
}
