/** Deterministic randomness and a manual clock for the balancer tests. */
import type { Timers } from '../../../src/proxy/balance/endpoint-queue.js';

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Timers driven by `advance`; callbacks run in due order, each at its own time. */
export class ManualTimers implements Timers {
  private time = 0;
  private seq = 0;
  private readonly scheduled = new Set<Scheduled>();

  readonly now = (): number => this.time;

  set(callback: () => void, delayMs: number): unknown {
    const entry = { at: this.time + Math.max(0, delayMs), seq: this.seq++, callback };
    this.scheduled.add(entry);
    return entry;
  }

  clear(handle: unknown): void {
    this.scheduled.delete(handle as Scheduled);
  }

  get pending(): number {
    return this.scheduled.size;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const entry of this.scheduled) {
        if (entry.at <= end && (next === undefined || entry.at < next.at || (entry.at === next.at && entry.seq < next.seq))) next = entry;
      }
      if (next === undefined) break;
      this.scheduled.delete(next);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = end;
  }
}

/** Lets promise callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
