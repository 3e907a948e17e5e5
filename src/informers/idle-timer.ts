/** A timer that fires when nothing has happened for a while: stalled lists and silent watches. */
/** Calls `onIdle` when `touch` has not been called for `limitMs`. */
export class IdleTimer {
  private timer: NodeJS.Timeout;
  constructor(private readonly limitMs: number, private readonly onIdle: () => void) {
    this.timer = setTimeout(onIdle, limitMs);
  }
  touch(): void {
    this.timer.refresh();
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

