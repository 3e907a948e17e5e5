/**
 * An event log as an event source: the stand-in for the informers in replay (DESIGN.md rule 8).
 *
 * Emits SYNCED for every kind first (the log is all there is), then one event per log entry in
 * file order, each stamped with its log time. `until` stops before the first entry later than it.
 * The read is paced by the consumer (one entry at a time), so a long log is never held in memory.
 * With `speed`, entries are also paced by the clock: an entry is emitted no earlier than its log
 * time after the first timed entry, divided by `speed` (1 = as the log happened); entries without
 * a time go at once. Without it the log is replayed as fast as it is read.
 * A malformed log errors the stream with an `EventLogError` naming the file and line.
 */
import { Observable } from 'rxjs';
import type { Logger } from '../observe/logger.js';
import type { InformerEvent } from './event.js';
import { type LogReadStats, readEventLog } from './event-log.js';
import { type KindSpec, resourceId } from './kind.js';

export interface TimedEvent {
  readonly at: Date | undefined;
  readonly event: InformerEvent;
}

export interface ReplayOptions {
  readonly file: string;
  readonly kinds: readonly KindSpec[];
  readonly log: Logger;
  readonly until?: Date;
  readonly stats?: LogReadStats;
  /** Replay at this multiple of the log's own pace (a positive number); default: as fast as read. */
  readonly speed?: number;
}

/** Resolves after `ms`, or at once when the cancel function it hands to `onCancel` is called. */
function pause(ms: number, onCancel: (cancel: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    onCancel(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function replaySource(options: ReplayOptions): Observable<TimedEvent> {
  return new Observable<TimedEvent>((subscriber) => {
    let stopped = false;
    let cancelPause = (): void => undefined;
    let clock: { readonly firstAt: number; readonly startedAt: number } | undefined;
    (async () => {
      for (const spec of options.kinds) subscriber.next({ at: undefined, event: { type: 'SYNCED', resource: resourceId(spec) } });
      for await (const entry of readEventLog(options.file, options.kinds, options.log, options.stats)) {
        if (stopped) return;
        if (options.until !== undefined && entry.at !== undefined && entry.at > options.until) break;
        if (options.speed !== undefined && entry.at !== undefined) {
          clock ??= { firstAt: entry.at.getTime(), startedAt: Date.now() };
          const wait = clock.startedAt + (entry.at.getTime() - clock.firstAt) / options.speed - Date.now();
          if (wait > 0) await pause(wait, (cancel) => { cancelPause = cancel; });
          if (stopped) return;
        }
        subscriber.next({ at: entry.at, event: entry.change });
      }
      subscriber.complete();
    })().catch((error: unknown) => subscriber.error(error));
    return () => {
      stopped = true;
      cancelPause();
    };
  });
}
