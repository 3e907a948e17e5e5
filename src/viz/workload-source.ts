/**
 * The viz components' view of the cluster: the control plane's engine (store and reconcile loop,
 * without reconcilers) fed with namespaces, pods, services, ReplicaSets and Jobs, from informers
 * against the API server (`kube`) or from an event log (`replay:FILE`), exactly as
 * `sinew control-plane --source` feeds its own; the inventory (workloads.ts) reads it.
 *
 * Contract: `ready` resolves once every kind has listed (or the log has been read); until then the
 * inventory answers from what has arrived. A replayed log keeps its final state after it ends.
 * An event source that fails is logged and leaves the last state in place. `close` stops the
 * informers and the engine; it is idempotent.
 */
import { map, type Observable, share } from 'rxjs';
import { kubeApiClient } from '../informers/api-client.js';
import { informers } from '../informers/informers.js';
import type { KindSpec } from '../informers/kind.js';
import { jobKind, namespaceKind, podKind, replicaSetKind, serviceKind } from '../informers/kinds/index.js';
import { loadKubeConfig } from '../informers/kube-config.js';
import { replaySource, type TimedEvent } from '../informers/replay-source.js';
import type { Logger } from '../observe/logger.js';
import { createEngine } from '../streams/engine.js';
import { startPipeline } from '../streams/pipeline.js';
import { inventory, type Inventory } from './workloads.js';

export const workloadKinds: readonly KindSpec[] = [namespaceKind, podKind, serviceKind, replicaSetKind, jobKind];

export class WorkloadSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkloadSourceError';
  }
}

export interface WorkloadSource {
  readonly inventory: Inventory;
  /** Resolves once every kind has listed (kube) or the log has been read (replay). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface WorkloadSourceOptions {
  /** `kube` or `replay:FILE`. */
  readonly source: string;
  readonly kubeconfig?: string | undefined;
  readonly log: Logger;
  /** Replay only: apply entries at their log time divided by this (as `control-plane --replay-speed`); default as fast as read. */
  readonly replaySpeed?: number;
  /** Told once when the event source fails (after it is logged); the last state stays either way. */
  readonly onError?: (error: Error) => void;
}

/** Checks a `--source` value: `kube` or `replay:FILE`. */
export function checkSource(source: string): string {
  if (source !== 'kube' && !(source.startsWith('replay:') && source.length > 'replay:'.length)) {
    throw new WorkloadSourceError(`--source must be kube or replay:FILE; got ${JSON.stringify(source)}`);
  }
  return source;
}

export async function startWorkloadSource(options: WorkloadSourceOptions): Promise<WorkloadSource> {
  const source = checkSource(options.source);
  const events: Observable<TimedEvent> = source === 'kube'
    ? informers({ client: kubeApiClient(loadKubeConfig({ kubeconfig: options.kubeconfig })), kinds: workloadKinds, seed: () => ({ resourceVersion: undefined, keys: new Map() }), log: options.log })
      .pipe(map((event) => ({ at: undefined, event })), share())
    : replaySource({ file: source.slice('replay:'.length), kinds: workloadKinds, log: options.log, ...(options.replaySpeed === undefined ? {} : { speed: options.replaySpeed }) });
  const engine = await createEngine({ storeDir: undefined, kinds: workloadKinds, reconcilers: [], log: options.log });
  const pipeline = startPipeline({
    source: events, loop: engine.loop,
    batching: source === 'kube' ? { kind: 'time', maxMs: 5, maxEvents: 2000 } : { kind: 'each' },
  });
  const view = engine.store.view;
  const ready = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (view.synced()) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    timer.unref();
    pipeline.done.then(() => {
      clearInterval(timer);
      resolve();
    }, (error: unknown) => {
      options.log.error('workload source failed; keeping the last state', { error: (error as Error).message });
      options.onError?.(error as Error);
      clearInterval(timer);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    inventory: inventory(view),
    ready,
    close: () => {
      closed ??= (async () => {
        pipeline.stop();
        await engine.close();
      })();
      return closed;
    },
  };
}
