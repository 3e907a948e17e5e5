/**
 * One `Observe` call: its filter, its limit, and the stream of events it answers.
 *
 * Contract:
 *  - `claim` gives each matching request the next stream id (0, 1, …) under the session's `base`,
 *    until `limit` requests were claimed; after that, and after `cancel`, it claims nothing.
 *  - Events go to the sink in the order sent. At most `capacity` events wait to be flushed; an
 *    event sent while that many wait is dropped (and counted), so a slow tap client can never make
 *    the proxy buffer without bound or slow its requests.
 *  - The stream ends (`sink.end()`, once) when the limit was reached and every claimed request
 *    released, i.e. its last event was sent. `cancel` (the client went away) ends nothing: the sink
 *    is gone; later sends are dropped.
 *  - `onRetired` is called once, when the session stops claiming (limit reached or cancelled), so
 *    the registry can stop offering it requests.
 */
import type { TapEvent } from '../../gen/proto/io/linkerd/proxy/tap/TapEvent.js';
import type { TapPredicate, TapRequestFacts } from './tap-match.js';

export interface TapSink {
  /** Queues one event; `flushed` is called once it has been written out. */
  write(event: TapEvent, flushed: () => void): void;
  end(): void;
}

export interface TapSessionOptions {
  readonly base: number;
  readonly limit: number;
  readonly match: TapPredicate;
  readonly extractHeaders: boolean;
  readonly sink: TapSink;
  /** Events allowed to wait for the client (default 1000). */
  readonly capacity?: number;
  readonly onRetired: () => void;
}

export interface TapSession {
  readonly base: number;
  readonly extractHeaders: boolean;
  /** The next stream id for a request `match` accepts, or undefined (not matched, or no more wanted). */
  claim(facts: TapRequestFacts): number | undefined;
  send(event: TapEvent): void;
  /** A claimed request sent its last event. */
  release(): void;
  cancel(): void;
  /** Events dropped because the client was too slow. */
  dropped(): number;
}

export function openTapSession(options: TapSessionOptions): TapSession {
  const capacity = options.capacity ?? 1000;
  let claimed = 0;
  let inFlight = 0;
  let waiting = 0;
  let dropped = 0;
  let retired = false;
  let finished = false;
  const retire = (): void => {
    if (retired) return;
    retired = true;
    options.onRetired();
  };
  const finishIfDone = (): void => {
    if (finished || claimed < options.limit || inFlight > 0) return;
    finished = true;
    options.sink.end();
  };
  const flushed = (): void => {
    waiting -= 1;
  };
  return {
    base: options.base,
    extractHeaders: options.extractHeaders,
    claim: (facts) => {
      if (retired || !options.match(facts)) return undefined;
      const id = claimed;
      claimed += 1;
      inFlight += 1;
      if (claimed >= options.limit) retire();
      return id;
    },
    send: (event) => {
      if (finished) return;
      if (waiting >= capacity) {
        dropped += 1;
        return;
      }
      waiting += 1;
      options.sink.write(event, flushed);
    },
    release: () => {
      inFlight -= 1;
      finishIfDone();
    },
    cancel: () => {
      finished = true;
      retire();
    },
    dropped: () => dropped,
  };
}
