/**
 * Promises that resolve when a condition over the fake API server's state becomes true.
 *
 * Contract: a condition is checked when the wait starts and again on every `notify()` (the server
 * calls it after each request arrives or ends, each watch opens or closes, and each write). A wait
 * resolves at most once, rejects after its timeout, and rejects at once if the waiters are closed.
 * No timer outlives its wait.
 */

interface Waiter {
  readonly check: () => boolean;
  readonly settle: (error?: Error) => void;
}

export class ConditionWaiters {
  private readonly waiters = new Set<Waiter>();
  private closedBecause: string | undefined;

  waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.closedBecause !== undefined) return Promise.reject(new Error(`${this.closedBecause} while waiting for ${what}`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        settle: (error) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      const timer = setTimeout(() => waiter.settle(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  notify(): void {
    for (const waiter of [...this.waiters]) if (waiter.check()) waiter.settle();
  }

  /** Rejects every pending wait, and every later one, with `reason`. */
  close(reason: string): void {
    this.closedBecause = reason;
    for (const waiter of [...this.waiters]) waiter.settle(new Error(reason));
  }
}
