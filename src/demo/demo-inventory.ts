/**
 * The demo's own view of the cluster, for the metrics API in this process: the event log replayed
 * at the same pace as the control plane replays it (so the rollout's pods come and go in the
 * table when they do in the mesh), into an engine of the kinds viz reads, read by viz's inventory.
 *
 * Contract: the same pipeline as viz's workload source (workload-source.ts), with the replay paced
 * at `speed`; after the log ends the final state stays. A log that fails to read is reported to
 * `onError` once and the last state stays. `close` is idempotent.
 */
import { replaySource } from '../informers/replay-source.js';
import { silentLogger } from '../observe/logger.js';
import { createEngine } from '../streams/engine.js';
import { startPipeline } from '../streams/pipeline.js';
import { workloadKinds } from '../viz/workload-source.js';
import { inventory, type Inventory } from '../viz/workloads.js';

export interface DemoInventory {
  readonly inventory: Inventory;
  close(): Promise<void>;
}

export async function startDemoInventory(file: string, speed: number, onError: (error: Error) => void): Promise<DemoInventory> {
  const engine = await createEngine({ storeDir: undefined, kinds: workloadKinds, reconcilers: [], log: silentLogger });
  const pipeline = startPipeline({
    source: replaySource({ file, kinds: workloadKinds, log: silentLogger, speed }),
    loop: engine.loop,
    batching: { kind: 'each' },
  });
  pipeline.done.catch((error: unknown) => onError(error as Error));
  let closed: Promise<void> | undefined;
  return {
    inventory: inventory(engine.store.view),
    close: () => {
      closed ??= (async () => {
        pipeline.stop();
        await engine.close();
      })();
      return closed;
    },
  };
}
