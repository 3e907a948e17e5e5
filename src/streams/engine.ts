/**
 * The engine's long-lived parts, built together: store, hub, reconcile loop. The control plane and
 * replay both build it here, so replay runs exactly the pipeline the control plane runs.
 */
import { type KindSpec, resourceId } from '../informers/kind.js';
import type { Logger } from '../observe/logger.js';
import type { EngineMetrics } from '../observe/metrics.js';
import type { Reconciler } from '../reconcilers/reconciler.js';
import { Store } from '../store/store.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { ViewHub } from './view-hub.js';

export interface Engine {
  readonly store: Store;
  /** Resolves once the first full reconcile after opening has run. */
  readonly settled: Promise<void>;
  readonly hub: ViewHub;
  readonly loop: ReconcileLoop;
  close(): Promise<void>;
}

export interface EngineOptions {
  readonly storeDir: string | undefined;
  readonly kinds: readonly KindSpec[];
  readonly reconcilers: readonly Reconciler[];
  readonly log: Logger;
  readonly metrics?: EngineMetrics;
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const store = await Store.open({
    dir: options.storeDir,
    resources: options.kinds.map(resourceId),
    log: options.log,
    metrics: options.metrics,
  });
  const hub = new ViewHub((key) => store.getView(key), options.metrics);
  const loop = new ReconcileLoop({ store, reconcilers: options.reconcilers, hub, log: options.log, metrics: options.metrics });
  // Serve the stored views at once; then, level-based, bring them in line with the stored objects
  // (reconciler code may have changed since they were written). Subscribers see any difference as
  // ordinary deltas.
  const settled = new Promise<void>((resolve) => setImmediate(() => {
    loop.reconcileAll();
    resolve();
  }));
  return {
    store, hub, loop, settled,
    async close() {
      await settled;
      loop.shutdown();
      hub.closeAll();
      await store.close();
    },
  };
}
