/**
 * What a subscription sends: a full snapshot first (the client treats it as a reset), then deltas.
 * `exists: false` says the view itself is gone (an unknown Service, say), not merely empty.
 */
import type { Delta } from './differ.js';
import type { SnapshotItem } from './snapshot.js';

export type ViewMessage<T = unknown> =
  | { readonly type: 'snapshot'; readonly exists: boolean; readonly items: readonly SnapshotItem<T>[] }
  | ({ readonly type: 'delta' } & Delta<T>);

/** The transport end of a subscription: a gRPC stream, an HTTP response, a test double. */
export interface MessageSink<M> {
  /** Returns false when the transport's buffer is full; the session then waits for `onDrain`. */
  write(message: M): boolean;
  onDrain(listener: () => void): void;
  /** Ends the stream from the server side; `overflow` means the subscriber fell too far behind. */
  close(reason: 'overflow' | 'shutdown'): void;
  /** Called once when the subscriber goes away (cancel, disconnect) or the stream is closed. */
  onClose(listener: () => void): void;
}

/** How a subscription copes with a subscriber slower than the updates (DESIGN.md rule 5). */
export type BackpressurePolicy =
  | { readonly kind: 'latest' }
  | { readonly kind: 'bounded'; readonly capacity: number };
