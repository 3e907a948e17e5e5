/**
 * The hub between the reconcile loop and subscribers: who listens to which view key.
 *
 * Contract: `publish` hands each changed view to every session on that key, in the order the loop
 * produced them; a session that closes (overflow, cancel) is forgotten and never touches the
 * others. `subscribe` starts a session from the view's current snapshot.
 */
import type { EngineMetrics } from '../observe/metrics.js';
import { Session, SharedChange } from './session.js';
import type { Snapshot } from './snapshot.js';
import type { BackpressurePolicy, MessageSink, ViewMessage } from './view-message.js';

export interface ViewUpdate {
  readonly key: string;
  readonly before: Snapshot | undefined;
  readonly after: Snapshot | undefined;
}

export interface Subscription {
  close(): void;
}

export class ViewHub {
  private readonly sessions = new Map<string, Set<Session<unknown>>>();

  constructor(private readonly current: (key: string) => Snapshot | undefined, private readonly metrics?: EngineMetrics) {}

  subscribe<T>(key: string, sink: MessageSink<ViewMessage<T>>, policy: BackpressurePolicy): Subscription {
    const label = { view: key.slice(0, key.indexOf('/')) };
    const session = new Session<T>(sink, policy, this.current(key) as Snapshot<T> | undefined,
      () => this.metrics?.streamOverflows.inc(label));
    let set = this.sessions.get(key);
    if (set === undefined) this.sessions.set(key, set = new Set());
    const sessions = set;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      session.detach();
      sessions.delete(session as Session<unknown>);
      if (sessions.size === 0) this.sessions.delete(key);
      this.metrics?.subscribers.dec(label);
    };
    if (session.closed) {
      release();
      return { close: () => undefined };
    }
    sessions.add(session as Session<unknown>);
    this.metrics?.subscribers.inc(label);
    sink.onClose(release);
    return { close: () => { session.close('shutdown'); release(); } };
  }

  publish(updates: readonly ViewUpdate[]): void {
    for (const update of updates) {
      const sessions = this.sessions.get(update.key);
      if (sessions === undefined) continue;
      const shared = new SharedChange(update.before, update.after);
      for (const session of [...sessions]) session.update(update.after, shared);
    }
  }

  /** Open sessions on one key, or on all keys. */
  count(key?: string): number {
    if (key !== undefined) return this.sessions.get(key)?.size ?? 0;
    let total = 0;
    for (const set of this.sessions.values()) total += set.size;
    return total;
  }

  closeAll(): void {
    for (const sessions of [...this.sessions.values()]) {
      for (const session of [...sessions]) session.close('shutdown');
    }
  }
}
