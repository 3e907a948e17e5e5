/**
 * One subscription to one view key.
 *
 * Contract:
 * - The first message is a full snapshot of the view as it is when the session starts; deltas
 *   follow, each the difference from what the subscriber has been sent (or queued) so far.
 * - `latest`: nothing is queued. While the transport is full the session only remembers the newest
 *   snapshot; on drain it sends one delta from what was last sent to that newest state.
 * - `bounded(n)`: every update is queued as a delta; more than n queued messages closes the stream
 *   with `overflow` (the client reconnects and starts again from a snapshot).
 * - `write() === false` is honoured: nothing more is written until the transport drains.
 * - Updates that change nothing send nothing.
 */
import { type Delta, diff, isEmptyDelta } from './differ.js';
import type { Snapshot } from './snapshot.js';
import type { BackpressurePolicy, MessageSink, ViewMessage } from './view-message.js';

export type SessionState = 'open' | 'closed';

/**
 * One published change, shared by every session on its key: the delta is computed at most once,
 * and only for sessions that were sent exactly `before` (the common case), instead of once each.
 */
export class SharedChange<T> {
  private computed: Delta<T> | undefined;
  constructor(readonly before: Snapshot<T> | undefined, readonly after: Snapshot<T> | undefined) {}
  deltaFrom(before: Snapshot<T> | undefined, after: Snapshot<T> | undefined): Delta<T> {
    if (before !== this.before || after !== this.after) return diff(before, after);
    this.computed ??= diff(before, after);
    return this.computed;
  }
}

export class Session<T> {
  private sent: Snapshot<T> | undefined;
  private latest: Snapshot<T> | undefined;
  private readonly queue: ViewMessage<T>[] = [];
  private waitingForDrain = false;
  private state: SessionState = 'open';
  private shared: SharedChange<T> | undefined;

  constructor(private readonly sink: MessageSink<ViewMessage<T>>, private readonly policy: BackpressurePolicy,
    initial: Snapshot<T> | undefined, private readonly onOverflow: () => void) {
    this.sent = initial;
    this.latest = initial;
    this.enqueue({ type: 'snapshot', exists: initial !== undefined, items: initial?.items ?? [] });
    this.pump();
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  update(next: Snapshot<T> | undefined, shared?: SharedChange<T>): void {
    if (this.state === 'closed') return;
    this.latest = next;
    this.shared = shared;
    if (this.policy.kind === 'bounded') {
      const message = this.messageFrom(this.sent, next);
      this.sent = next;
      if (message !== undefined) this.enqueue(message);
    }
    this.pump();
  }

  close(reason: 'overflow' | 'shutdown'): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue.length = 0;
    this.sink.close(reason);
  }

  /** Marks the session closed because the subscriber left; nothing more is written. */
  detach(): void {
    this.state = 'closed';
    this.queue.length = 0;
  }

  private messageFrom(before: Snapshot<T> | undefined, after: Snapshot<T> | undefined): ViewMessage<T> | undefined {
    if ((before === undefined) !== (after === undefined)) {
      return { type: 'snapshot', exists: after !== undefined, items: after?.items ?? [] };
    }
    const delta = this.shared?.deltaFrom(before, after) ?? diff(before, after);
    return isEmptyDelta(delta) ? undefined : { type: 'delta', ...delta };
  }

  private enqueue(message: ViewMessage<T>): void {
    this.queue.push(message);
    if (this.policy.kind === 'bounded' && this.queue.length > this.policy.capacity) {
      this.onOverflow();
      this.close('overflow');
    }
  }

  private pump(): void {
    while (this.state === 'open' && !this.waitingForDrain) {
      let message = this.queue.shift();
      if (message === undefined && this.policy.kind === 'latest') {
        message = this.messageFrom(this.sent, this.latest);
        this.sent = this.latest;
      }
      if (message === undefined) return;
      if (!this.sink.write(message)) {
        this.waitingForDrain = true;
        this.sink.onDrain(() => {
          this.waitingForDrain = false;
          this.pump();
        });
      }
    }
  }
}
