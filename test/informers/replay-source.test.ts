/** Replaying an event log: every entry in order, as fast as read or at the log's own pace. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { allKinds } from '../../src/informers/kinds/index.js';
import { replaySource, type ReplayOptions, type TimedEvent } from '../../src/informers/replay-source.js';
import { silentLogger } from '../../src/observe/logger.js';
import { namespace } from '../support/objects.js';

/** A log of namespaces ns-0, ns-1, … added `offsetsMs` after 2026-01-01T00:00:00Z. */
function writeLog(dir: string, offsetsMs: readonly number[]): string {
  const file = path.join(dir, 'events.jsonl');
  const start = Date.parse('2026-01-01T00:00:00Z');
  fs.writeFileSync(file, offsetsMs.map((offset, i) => {
    const object = namespace(`ns-${i}`);
    (object.metadata as Record<string, unknown>).uid = `uid-${i}`;
    (object.metadata as Record<string, unknown>).resourceVersion = String(10 + i);
    return JSON.stringify({ at: new Date(start + offset).toISOString(), type: 'ADDED', object });
  }).join('\n') + '\n');
  return file;
}

interface Arrival {
  readonly name: string;
  readonly afterMs: number;
}

/** The log's entries (not the SYNCED markers) and when each arrived after the first. */
function replay(options: Omit<ReplayOptions, 'kinds' | 'log'>): { arrivals: Arrival[]; done: Promise<void>; subscription: Subscription } {
  const arrivals: Arrival[] = [];
  let first: number | undefined;
  let finish: { resolve: () => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  const done = new Promise<void>((resolve, reject) => { finish = { resolve, reject }; });
  const subscription = replaySource({ ...options, kinds: allKinds, log: silentLogger }).subscribe({
    next: (timed: TimedEvent) => {
      const event = timed.event;
      if (event.type !== 'ADDED') return;
      const now = performance.now();
      first ??= now;
      arrivals.push({ name: event.object.metadata.name, afterMs: now - first });
    },
    complete: () => finish.resolve(),
    error: (error: unknown) => finish.reject(error),
  });
  return { arrivals, done, subscription };
}

describe('replaySource', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-replay-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replays a log spanning hours at once without a speed', async () => {
    const file = writeLog(dir, [0, 3_600_000, 7_200_000]);
    const run = replay({ file });
    await run.done;
    assert.deepEqual(run.arrivals.map((a) => a.name), ['ns-0', 'ns-1', 'ns-2']);
  });

  it('emits each entry no earlier than its log time after the first one at speed 1', async () => {
    const file = writeLog(dir, [0, 300, 300, 700]);
    const run = replay({ file, speed: 1 });
    await run.done;
    assert.deepEqual(run.arrivals.map((a) => a.name), ['ns-0', 'ns-1', 'ns-2', 'ns-3']);
    // Timers may fire up to a millisecond early by the monotonic clock; never a whole step early.
    const [, second, third, fourth] = run.arrivals;
    assert.ok(second!.afterMs >= 295, `ns-1 came ${second!.afterMs} ms after ns-0, before its log time (300 ms)`);
    assert.ok(third!.afterMs >= second!.afterMs, 'entries with the same time keep their file order');
    assert.ok(fourth!.afterMs >= 695, `ns-3 came ${fourth!.afterMs} ms after ns-0, before its log time (700 ms)`);
  });

  it('divides the log\'s gaps by the speed', async () => {
    const file = writeLog(dir, [0, 600]);
    const run = replay({ file, speed: 2 });
    await run.done;
    const second = run.arrivals[1];
    assert.ok(second !== undefined && second.afterMs >= 295, `ns-1 came ${second?.afterMs} ms after ns-0, before 600 ms / 2`);
  });

  it('emits nothing more once unsubscribed while waiting for the next entry', async () => {
    const file = writeLog(dir, [0, 400, 800]);
    const run = replay({ file, speed: 1 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    run.subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 900));
    assert.deepEqual(run.arrivals.map((a) => a.name), ['ns-0']);
  });
});
