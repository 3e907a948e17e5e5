/**
 * An engine wired to a fake API server, as the control plane wires it to a real one, plus the
 * oracles the fault tests compare it with:
 * - the store equals a fresh LIST (keys and resourceVersions of every kind), and
 * - every subscriber's folded stream equals a reconcile, from scratch, of the server's final state.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { map } from 'rxjs';
import { kubeApiClient } from '../../src/informers/api-client.js';
import type { BackoffPolicy } from '../../src/informers/backoff.js';
import type { ObjectChange } from '../../src/informers/event.js';
import { informers } from '../../src/informers/informers.js';
import { keyOf, type KindSpec, resourceId } from '../../src/informers/kind.js';
import { endpointSliceKind, podKind, serviceKind } from '../../src/informers/kinds/index.js';
import { project } from '../../src/informers/projection.js';
import { type Logger, silentLogger } from '../../src/observe/logger.js';
import { createEngineMetrics, type EngineMetrics } from '../../src/observe/metrics.js';
import { allReconcilers } from '../../src/reconcilers/index.js';
import { fold } from '../../src/streams/differ.js';
import { createEngine, type Engine } from '../../src/streams/engine.js';
import { startPipeline, type RunningPipeline } from '../../src/streams/pipeline.js';
import type { SnapshotItem } from '../../src/streams/snapshot.js';
import type { BackpressurePolicy, MessageSink, ViewMessage } from '../../src/streams/view-message.js';
import type { Subscription } from '../../src/streams/view-hub.js';
import type { FakeApiServer } from './fake-api-server.js';

export const engineKinds: readonly KindSpec[] = [podKind, serviceKind, endpointSliceKind];

export const fastBackoff: BackoffPolicy = { initialMs: 10, maxMs: 100, factor: 2, jitter: 0.1 };

/** A subscriber that reads everything at once and folds what it receives. */
export class FoldingSink implements MessageSink<ViewMessage> {
  readonly messages: ViewMessage[] = [];
  exists = false;
  readonly items = new Map<string, SnapshotItem>();
  closed: string | undefined;
  private closeListeners: (() => void)[] = [];

  write(message: ViewMessage): boolean {
    this.messages.push(message);
    if (message.type === 'snapshot') {
      this.items.clear();
      this.exists = message.exists;
      for (const item of message.items) this.items.set(item.name, item);
    } else fold(this.items, message);
    return true;
  }
  onDrain(): void { /* never full */ }
  close(reason: 'overflow' | 'shutdown'): void {
    this.closed = reason;
    for (const listener of this.closeListeners) listener();
  }
  onClose(listener: () => void): void { this.closeListeners.push(listener); }
}

export interface RunningEngine {
  readonly engine: Engine;
  readonly metrics: EngineMetrics;
  readonly sinks: ReadonlyMap<string, FoldingSink>;
  stop(): Promise<void>;
}

export async function startEngine(api: FakeApiServer, options: {
  storeDir?: string; viewKeys?: readonly string[]; policy?: BackpressurePolicy; watchTimeoutSeconds?: number; requestTimeoutMs?: number;
  kinds?: readonly KindSpec[]; log?: Logger;
} = {}): Promise<RunningEngine> {
  const log = options.log ?? silentLogger;
  const metrics = createEngineMetrics();
  const kinds = options.kinds ?? engineKinds;
  const engine = await createEngine({ storeDir: options.storeDir, kinds, reconcilers: allReconcilers, log, metrics });
  const sinks = new Map<string, FoldingSink>();
  const subscriptions: Subscription[] = [];
  for (const key of options.viewKeys ?? []) {
    const sink = new FoldingSink();
    sinks.set(key, sink);
    subscriptions.push(engine.hub.subscribe(key, sink, options.policy ?? { kind: 'bounded', capacity: 10_000 }));
  }
  const source = informers({
    client: kubeApiClient(api.kubeConfig()), kinds, seed: (resource) => engine.store.seed(resource),
    log, metrics, backoff: fastBackoff, requestTimeoutMs: options.requestTimeoutMs ?? 2000,
    watchTimeoutSeconds: () => options.watchTimeoutSeconds ?? 60,
  }).pipe(map((event) => ({ at: undefined, event })));
  const pipeline: RunningPipeline = startPipeline({ source, loop: engine.loop, batching: { kind: 'time', maxMs: 2, maxEvents: 500 } });
  return {
    engine, metrics, sinks,
    async stop() {
      pipeline.stop();
      for (const subscription of subscriptions) subscription.close();
      await engine.close();
    },
  };
}

/** Whether the store holds exactly the server's objects, by key and resourceVersion. */
export function storeMatchesList(api: FakeApiServer, engine: Engine): string | undefined {
  for (const spec of engineKinds) {
    const resource = resourceId(spec);
    const expected = new Map<string, string>();
    for (const object of api.list(spec)) {
      const projected = project(spec, object);
      if (projected.ok) expected.set(keyOf(resource, projected.object), projected.object.metadata.resourceVersion);
    }
    const actual = engine.store.versionsOf(resource);
    if (actual.size !== expected.size) return `${resource}: store has ${actual.size} objects, the list ${expected.size}`;
    for (const [key, version] of expected) {
      if (actual.get(key as never) !== version) return `${resource}: ${key} is ${actual.get(key as never) ?? 'missing'} in the store, ${version} in the list`;
    }
  }
  return undefined;
}

/** The views a fresh engine computes from the server's current objects: the oracle. */
export async function reconcileFromScratch(api: FakeApiServer, kinds: readonly KindSpec[] = engineKinds): Promise<Engine> {
  const engine = await createEngine({ storeDir: undefined, kinds, reconcilers: allReconcilers, log: silentLogger });
  const changes: ObjectChange[] = [];
  for (const spec of kinds) {
    const resource = resourceId(spec);
    for (const object of api.list(spec)) {
      const projected = project(spec, object);
      if (projected.ok) changes.push({ type: 'ADDED', resource, key: keyOf(resource, projected.object), object: projected.object });
    }
  }
  engine.loop.process(changes);
  return engine;
}

/** Whether each subscriber's folded state equals the oracle's view. */
export async function subscribersMatch(api: FakeApiServer, running: RunningEngine): Promise<string | undefined> {
  const oracle = await reconcileFromScratch(api);
  try {
    for (const [key, sink] of running.sinks) {
      const view = oracle.store.getView(key);
      if (sink.exists !== (view !== undefined)) return `${key}: subscriber says exists=${sink.exists}`;
      const want = (view?.items ?? []).map((item) => `${item.name}@${item.version}`).join(',');
      const have = [...sink.items.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((item) => `${item.name}@${item.version}`).join(',');
      if (want !== have) return `${key}: subscriber has [${have}], reconcile gives [${want}]`;
    }
    return undefined;
  } finally {
    await oracle.close();
  }
}

/** Waits until both oracles agree, or fails with the last disagreement. */
export async function converges(api: FakeApiServer, running: RunningEngine, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let problem: string | undefined = 'not checked';
  while (Date.now() < deadline) {
    problem = storeMatchesList(api, running.engine) ?? await subscribersMatch(api, running);
    if (problem === undefined && running.engine.loop.pending() === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`did not converge: ${problem}`);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

