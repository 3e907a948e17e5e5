/**
 * The pipeline: an event source (informers or an event log) into the reconcile loop.
 *
 * Contract: batches are processed one at a time in arrival order. `batching: 'time'` gathers what
 * arrives within a few milliseconds (live informers: one commit for a burst); `'each'` processes
 * every event alone (replay: output that depends only on the log). `onBatch` sees each batch and
 * the view updates it caused, after the loop is done with it (recording, replay output). The
 * returned promise settles when the source completes or errors; `stop` unsubscribes.
 */
import { bufferTime, filter, map, type Observable, type Subscription } from 'rxjs';
import type { InformerEvent } from '../informers/event.js';
import type { TimedEvent } from '../informers/replay-source.js';
import type { ReconcileLoop } from './reconcile-loop.js';
import type { ViewUpdate } from './view-hub.js';

export interface PipelineOptions {
  readonly source: Observable<TimedEvent>;
  readonly loop: ReconcileLoop;
  readonly batching: { readonly kind: 'time'; readonly maxMs: number; readonly maxEvents: number } | { readonly kind: 'each' };
  readonly onBatch?: (events: readonly TimedEvent[], updates: readonly ViewUpdate[]) => void;
}

export interface RunningPipeline {
  readonly done: Promise<void>;
  stop(): void;
}

export function startPipeline(options: PipelineOptions): RunningPipeline {
  const { batching } = options;
  const batches: Observable<TimedEvent[]> = batching.kind === 'each'
    ? options.source.pipe(map((event) => [event]))
    : options.source.pipe(bufferTime(batching.maxMs, null, batching.maxEvents), filter((batch) => batch.length > 0));
  let subscription: Subscription | undefined;
  const done = new Promise<void>((resolve, reject) => {
    subscription = batches.subscribe({
      next: (batch) => {
        const events: InformerEvent[] = batch.map((timed) => timed.event);
        const updates = options.loop.process(events);
        options.onBatch?.(batch, updates);
      },
      error: reject,
      complete: resolve,
    });
  });
  return { done, stop: () => subscription?.unsubscribe() };
}
