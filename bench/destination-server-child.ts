/**
 * The server side of the Destination benchmarks: a child process that runs the control plane's
 * Destination path as production wires it, loaded with the benchmark cluster, and answers the
 * parent's commands (`child-channel.ts`). It measures what only the server can see; the parent
 * and the client child measure the rest.
 *
 * How it is wired: `createEngine` with every kind and reconciler (LMDB in a temp dir, or memory
 * with `--store memory`), fed by the real reflectors (`informers()`) over a live in-memory API
 * (`live-api-client.ts`) through `startPipeline` with the control plane's 5 ms / 2,000-event
 * batching and store backlog as `awaitCapacity` (the same path as `watch-feed.ts`, whose feed
 * cannot take a live client), plus `destinationService` on `startGrpcServer('127.0.0.1', 0, …)`.
 *
 * Commands:
 * - `start`: the baseline memory (after `gc()`, modules imported, nothing loaded), then the
 *   settled cluster (10,000 pods, 1,000 Services, 1,000 EndpointSlices) through the watch bytes,
 *   then memory again and the gRPC port.
 * - `change {services}`: flips the readiness of the first endpoint of the EndpointSlices of
 *   services 0..services-1, written as one burst of MODIFIED watch lines into the open
 *   EndpointSlice watch; `at` is stamped on the shared clock just before the bytes enter it.
 *   Answers once the pipeline has processed those changes, i.e. the loop has reconciled, committed
 *   and published them and every subscriber's `call.write` has returned, with how long after `at`
 *   the reflector emitted the last of them (`parsedMs`) and the loop finished (`publishedMs`), and
 *   how many of those services now have their first endpoint not ready (their subscribers get a
 *   `remove`, the others an `add`).
 * - `cpu`: the process's CPU time so far, its time waiting for a CPU (`run-queue-wait.ts`) and
 *   the open hub subscriptions.
 * - `memory`: `process.memoryUsage()` after `gc()` twice, with subscriber and object counts.
 * - `profile-start` / `profile-stop {file}`: the inspector's sampling profiler around what the
 *   parent does in between.
 */
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { map, share } from 'rxjs';
import { changesOf, type InformerEvent } from '../src/informers/event.js';
import { informers } from '../src/informers/informers.js';
import { collectionPath, resourceId } from '../src/informers/kind.js';
import { allKinds, endpointSliceKind } from '../src/informers/kinds/index.js';
import { silentLogger } from '../src/observe/logger.js';
import { createEngineMetrics } from '../src/observe/metrics.js';
import { allReconcilers } from '../src/reconcilers/index.js';
import { defaultMeshConfig } from '../src/reconcilers/mesh-config.js';
import { destinationService } from '../src/streams/destination/destination-server.js';
import { createEngine, type Engine } from '../src/streams/engine.js';
import { type RunningGrpcServer, startGrpcServer } from '../src/streams/grpc-server.js';
import { startPipeline } from '../src/streams/pipeline.js';
import type { ChildReport } from './child-process.js';
import { isEntryPoint } from './child-process.js';
import { numberField, serveCommands } from './child-channel.js';
import { benchCluster, endpointSliceJson } from './cluster-objects.js';
import { liveApiClient, type LiveApi } from './live-api-client.js';
import { runQueueWaitMs } from './run-queue-wait.js';
import { sharedClockMs } from './shared-clock.js';
import { fedKinds } from './watch-feed.js';
import { chunked, clusterWatchStreams } from './watch-bytes.js';

const slicePath = collectionPath(endpointSliceKind);
const sliceResource = resourceId(endpointSliceKind);

interface Running {
  readonly engine: Engine;
  readonly api: LiveApi;
  readonly grpc: RunningGrpcServer;
  readonly stopPipeline: () => void;
  readonly dir: string;
}

/** Counts slice changes through the reflectors and the loop until `expected` have gone through both. */
interface ChangeWatch {
  readonly expected: number;
  parsed: number;
  processed: number;
  parsedAt: number;
  done(publishedAt: number): void;
}

let running: Running | undefined;
let changeWatch: ChangeWatch | undefined;
let nextVersion = 900_000;
const notReady = new Set<number>();
let session: inspector.Session | undefined;

function memory(): ChildReport {
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers };
}

async function collect(): Promise<void> {
  globalThis.gc?.();
  await new Promise((resolve) => setImmediate(resolve));
  globalThis.gc?.();
}

function sliceChanges(event: InformerEvent): number {
  return changesOf(event).filter((change) => change.resource === sliceResource).length;
}

async function start(store: 'lmdb' | 'memory'): Promise<ChildReport> {
  await collect();
  const baseline = memory();
  const begun = sharedClockMs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-bench-destination-'));
  const metrics = createEngineMetrics();
  const engine = await createEngine({ storeDir: store === 'lmdb' ? dir : undefined, kinds: allKinds, reconcilers: allReconcilers, log: silentLogger, metrics });
  const streams = clusterWatchStreams(benchCluster, 'steady');
  const expected = streams.reduce((sum, stream) => sum + stream.events, 0);
  const api = liveApiClient(new Map(streams.map((stream) => [stream.path, () => chunked(stream.lines())])));
  const events = informers({
    client: api.client, kinds: fedKinds, seed: (resource) => engine.store.seed(resource), log: silentLogger, metrics,
    awaitCapacity: () => (engine.store.backlog() > 16 ? engine.store.flushed() : undefined),
  }).pipe(map((event) => {
    const watch = changeWatch;
    if (watch !== undefined && (watch.parsed += sliceChanges(event)) >= watch.expected && watch.parsedAt === 0) watch.parsedAt = sharedClockMs();
    return { at: undefined, event };
  }), share());
  let seen = 0;
  let loaded: () => void = () => undefined;
  const everything = new Promise<void>((resolve) => { loaded = resolve; });
  const pipeline = startPipeline({
    source: events, loop: engine.loop, batching: { kind: 'time', maxMs: 5, maxEvents: 2000 },
    onBatch: (batch) => {
      const watch = changeWatch;
      for (const timed of batch) {
        seen += changesOf(timed.event).length;
        if (watch !== undefined) watch.processed += sliceChanges(timed.event);
      }
      if (seen >= expected) loaded();
      if (watch !== undefined && watch.processed >= watch.expected) watch.done(sharedClockMs());
    },
  });
  await within(everything, 100_000, () => `loaded ${seen} of ${expected} changes`);
  await engine.store.flushed();
  if (engine.loop.pending() !== 0) throw new Error(`${engine.loop.pending()} keys still queued after loading`);
  const loadMs = sharedClockMs() - begun;
  const grpc = await startGrpcServer('127.0.0.1', 0, [destinationService({
    hub: engine.hub, view: engine.store.view, config: defaultMeshConfig, log: silentLogger, registry: metrics.registry,
  })]);
  running = { engine, api, grpc, stopPipeline: () => pipeline.stop(), dir };
  await collect();
  const loadedMemory = memory();
  return {
    port: grpc.port, loadMs, objects: engine.store.size(), views: engine.store.viewKeys().length,
    ...prefixed('baseline', baseline), ...prefixed('loaded', loadedMemory),
  };
}

function prefixed(prefix: string, values: ChildReport): ChildReport {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [prefix + key[0]?.toUpperCase() + key.slice(1), value]));
}

async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function changedSliceLine(serviceIndex: number, ready: boolean): string {
  const slice = endpointSliceJson(benchCluster, serviceIndex, true, String(++nextVersion));
  const [first] = slice.endpoints as Record<string, unknown>[];
  if (first !== undefined) first.conditions = { ready, serving: ready, terminating: false };
  return JSON.stringify({ type: 'MODIFIED', object: slice }) + '\n';
}

async function change(services: number): Promise<ChildReport> {
  const current = running;
  if (current === undefined) throw new Error('change before start');
  if (changeWatch !== undefined) throw new Error('a change is already in flight');
  const lines: string[] = [];
  for (let i = 0; i < services; i++) {
    const ready = notReady.has(i);
    if (ready) notReady.delete(i);
    else notReady.add(i);
    lines.push(changedSliceLine(i, ready));
  }
  const bytes = Buffer.from(lines.join(''), 'utf8');
  let publishedAt = 0;
  let finished: () => void = () => undefined;
  const published = new Promise<void>((resolve) => { finished = resolve; });
  const watch: ChangeWatch = { expected: services, parsed: 0, processed: 0, parsedAt: 0, done: (time) => { if (publishedAt === 0) publishedAt = time; finished(); } };
  changeWatch = watch;
  const cpu = process.cpuUsage();
  const waitMs = runQueueWaitMs();
  const at = sharedClockMs();
  current.api.send(slicePath, bytes);
  try {
    await within(published, 10_000, () => `the pipeline processed ${watch.processed} of ${services} slice changes`);
  } finally {
    changeWatch = undefined;
  }
  return {
    at, parsedMs: watch.parsedAt - at, publishedMs: publishedAt - at, removedServices: [...notReady].filter((i) => i < services).length,
    cpuMicros: cpu.user + cpu.system, waitMs, bytes: bytes.length,
  };
}

async function stop(): Promise<ChildReport> {
  const current = running;
  running = undefined;
  if (current === undefined) return {};
  await current.grpc.close();
  current.stopPipeline();
  await current.engine.close();
  fs.rmSync(current.dir, { recursive: true, force: true });
  return {};
}

if (isEntryPoint(import.meta.url)) {
  const store = process.argv.includes('--store') && process.argv[process.argv.indexOf('--store') + 1] === 'memory' ? 'memory' : 'lmdb';
  serveCommands({
    start: () => start(store),
    change: (command) => change(numberField(command, 'services')),
    cpu: () => {
      const cpu = process.cpuUsage();
      return { cpuMicros: cpu.user + cpu.system, waitMs: runQueueWaitMs(), subscribers: running?.engine.hub.count() ?? 0 };
    },
    memory: async () => {
      await collect();
      return { ...memory(), subscribers: running?.engine.hub.count() ?? 0, objects: running?.engine.store.size() ?? 0 };
    },
    'profile-start': async () => {
      session = new inspector.Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      return {};
    },
    'profile-stop': async (command) => {
      if (session === undefined || typeof command.file !== 'string') throw new Error('profile-stop needs a running profile and a file');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      fs.writeFileSync(command.file, JSON.stringify(profile));
      return {};
    },
    stop,
  });
}
