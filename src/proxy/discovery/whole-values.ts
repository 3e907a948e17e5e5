/**
 * Streams in which every message is the whole state (OutboundPolicies.Watch,
 * InboundServerPolicies.WatchPort, Destination.GetProfile): the latest message is the value.
 *
 * A reconnect's first message replaces the value like any other; while disconnected nothing is
 * emitted, so the last value stays in force. A message equal to the last value emitted (as after
 * a reconnect to an unchanged control plane) is not emitted again. State is per subscription.
 */
import { isDeepStrictEqual } from 'node:util';
import { distinctUntilChanged, filter, map, type OperatorFunction, pipe } from 'rxjs';
import type { StreamEvent } from './resilient-stream.js';

export function wholeValues<T>(): OperatorFunction<StreamEvent<T>, T> {
  return pipe(
    filter((event): event is Extract<StreamEvent<T>, { kind: 'message' }> => event.kind === 'message'),
    map((event) => event.message),
    distinctUntilChanged<T>(isDeepStrictEqual),
  );
}
