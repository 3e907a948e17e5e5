/**
 * A one-shot copy of the cluster for CLI commands that answer from the API server directly: every
 * kind Sinew watches is listed once through the same informers the control plane runs, into an
 * in-memory store, and the watches are stopped. Fails with the informers' last error when the
 * lists have not all completed within the timeout.
 */
import { map } from 'rxjs';
import { kubeApiClient } from '../informers/api-client.js';
import { informers } from '../informers/informers.js';
import { loadKubeConfig } from '../informers/kube-config.js';
import { allKinds } from '../informers/kinds/index.js';
import type { Logger } from '../observe/logger.js';
import type { StoreView } from '../store/store-view.js';
import { createEngine } from '../streams/engine.js';
import { startPipeline } from '../streams/pipeline.js';

export interface ClusterState {
  readonly view: StoreView;
  close(): Promise<void>;
}

export async function loadClusterState(kubeconfig: string | undefined, log: Logger, timeoutMs = 30_000): Promise<ClusterState> {
  const engine = await createEngine({ storeDir: undefined, kinds: allKinds, reconcilers: [], log });
  const pipeline = startPipeline({
    source: informers({
      client: kubeApiClient(loadKubeConfig({ kubeconfig })), kinds: allKinds, seed: (resource) => engine.store.seed(resource), log,
    }).pipe(map((event) => ({ at: undefined, event }))),
    loop: engine.loop,
    batching: { kind: 'time', maxMs: 5, maxEvents: 2000 },
  });
  const deadline = Date.now() + timeoutMs;
  while (!engine.store.view.synced()) {
    if (Date.now() > deadline) {
      pipeline.stop();
      await engine.close();
      throw new Error(`could not list the cluster within ${timeoutMs / 1000} s (see the warnings above)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  pipeline.stop();
  return { view: engine.store.view, close: () => engine.close() };
}
