/**
 * Feeding an engine from watch bytes the way the control plane does, and knowing when it is done.
 *
 * It measures nothing itself; the benchmarks time around it. The path is the production one from
 * `src/cli/control-plane.ts`: `informers()` (one real reflector per kind, merged) over an
 * in-memory `ApiClient`, the store's backlog as `awaitCapacity`, and `startPipeline` with time
 * batching (5 ms or 2,000 events). `fed` resolves once the pipeline has handed the loop every
 * scripted change, the store has committed all of it to LMDB (`store.flushed()`), and the
 * loop's work queue is empty.
 */
import { map, share } from 'rxjs';
import { changesOf } from '../src/informers/event.js';
import { informers } from '../src/informers/informers.js';
import { endpointSliceKind, podKind, serviceKind } from '../src/informers/kinds/index.js';
import { silentLogger } from '../src/observe/logger.js';
import type { EngineMetrics } from '../src/observe/metrics.js';
import type { Engine } from '../src/streams/engine.js';
import { startPipeline } from '../src/streams/pipeline.js';
import { inMemoryApiClient, type WatchScripts } from './in-memory-api-client.js';

export interface Feed {
  /** Settles once every expected change is applied, committed and reconciled. */
  readonly fed: Promise<void>;
  /** Stops the informers (their silent watches are aborted) and the pipeline. */
  stop(): void;
}

export interface FeedOptions {
  readonly engine: Engine;
  readonly scripts: WatchScripts;
  /** How many object changes (ADDED/MODIFIED/DELETED) the scripts hold. */
  readonly expectedChanges: number;
  readonly metrics?: EngineMetrics;
  readonly timeoutMs?: number;
}

/** The kinds the benchmark cluster streams; the engine itself is built with every kind. */
export const fedKinds = [podKind, serviceKind, endpointSliceKind];

export function feedEngine(options: FeedOptions): Feed {
  const { engine } = options;
  const events = informers({
    client: inMemoryApiClient(options.scripts),
    kinds: fedKinds,
    seed: (resource) => engine.store.seed(resource),
    log: silentLogger,
    metrics: options.metrics,
    awaitCapacity: () => (engine.store.backlog() > 16 ? engine.store.flushed() : undefined),
  }).pipe(map((event) => ({ at: undefined, event })), share());
  let seen = 0;
  let allSeen: () => void = () => undefined;
  const everything = new Promise<void>((resolve) => { allSeen = resolve; });
  const pipeline = startPipeline({
    source: events, loop: engine.loop, batching: { kind: 'time', maxMs: 5, maxEvents: 2000 },
    onBatch: (batch) => {
      for (const timed of batch) seen += changesOf(timed.event).length;
      if (seen >= options.expectedChanges) allSeen();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fed ${seen} of ${options.expectedChanges} changes before the timeout`)),
      options.timeoutMs ?? 100_000);
  });
  const ended = pipeline.done.then(() => { throw new Error('the event source ended before every change arrived'); });
  const fed = (async () => {
    try {
      await Promise.race([everything, ended, timeout]);
      await engine.store.flushed();
      if (engine.loop.pending() !== 0) throw new Error(`${engine.loop.pending()} keys still queued after the feed`);
    } finally {
      clearTimeout(timer);
    }
  })();
  return { fed, stop: () => pipeline.stop() };
}
