/**
 * The deduplicating work queue of the reconcile loop, with client-go's workqueue semantics.
 *
 * Contract:
 * - A key added many times before it is taken is taken once.
 * - A key is never handed out twice at once: a key added while it is being processed is queued
 *   again when `done` is called, not before.
 * - Keys come out in the order they were first added (FIFO), which makes replay deterministic.
 * - `retryAfter` puts a key back after a delay (a reconcile that threw); `onReady` is told when
 *   such a key is due, so the loop can run again.
 */
export class WorkQueue<K> {
  private readonly queue: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly timers = new Map<K, NodeJS.Timeout>();

  constructor(private readonly onReady: () => void = () => undefined) {}

  add(key: K): void {
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) this.queue.push(key);
  }

  /** The next key to process, or undefined when none is waiting. */
  take(): K | undefined {
    if (this.head >= this.queue.length) return undefined;
    const key = this.queue[this.head++] as K;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.queue.push(key);
  }

  retryAfter(key: K, delayMs: number): void {
    if (this.timers.has(key)) return;
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
      this.onReady();
    }, delayMs));
  }

  length(): number {
    return this.queue.length - this.head;
  }

  shutdown(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
