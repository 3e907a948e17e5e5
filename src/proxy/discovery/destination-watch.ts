/**
 * A service's endpoints, kept current from Destination.Get (endpoint-set.ts folds the updates).
 *
 * - Emits a new EndpointSet for each change; never the unresolved set, so the first emission is
 *   the control plane's first answer.
 * - Reset: the first update after each (re)connect starts from an empty set, so an endpoint known
 *   only to an earlier stream (an earlier control plane) is gone; deltas then fold onto it. A
 *   reset that yields the set already held is not emitted again.
 * - Disconnected: nothing is emitted and the last set stays in force until the next stream's first
 *   update. NOT_FOUND (no such Service) while no endpoints are held is an answer: the set becomes
 *   `exists: false`, and the call is retried with backoff in case the Service appears. While
 *   endpoints are held it is treated as an outage (a control plane that has just restarted may
 *   not have seen the Service yet), so it never drops them; a Service deleted under an open
 *   stream is reported by the stream itself (`no_endpoints{exists: false}`).
 * - Terminal: INVALID_ARGUMENT or FAILED_PRECONDITION (an authority the control plane will not
 *   resolve) errors the Observable with a DiscoveryRejectedError.
 * - Each subscription opens its own call; share it to watch a service once.
 */
import { status } from '@grpc/grpc-js';
import { isDeepStrictEqual } from 'node:util';
import { distinctUntilChanged, filter, type Observable, scan } from 'rxjs';
import type { DestinationClient } from '../../gen/proto/io/linkerd/proxy/destination/Destination.js';
import type { Update__Output } from '../../gen/proto/io/linkerd/proxy/destination/Update.js';
import type { Logger } from '../../observe/logger.js';
import { applyUpdate, type EndpointSet, missingEndpointSet, unresolvedEndpointSet } from './endpoint-set.js';
import { resilientStream, type StreamEvent, type StreamSettings } from './resilient-stream.js';

export interface WatchOptions extends StreamSettings {
  /** Where malformed messages are reported (they are skipped, never fatal). */
  readonly log?: Logger;
}

export function watchDestination(client: DestinationClient, path: string, contextToken: string, options: WatchOptions = {}): Observable<EndpointSet> {
  const problem = (text: string): void => options.log?.warn('Destination sent a malformed update', { path, problem: text });
  return resilientStream<Update__Output>(() => client.Get({ scheme: 'k8s', path, context_token: contextToken }),
    { ...options, rpc: 'Destination.Get', target: path }).pipe(
    scan((set: EndpointSet, event: StreamEvent<Update__Output>) => foldDestinationEvent(set, event, problem), unresolvedEndpointSet),
    distinctUntilChanged(),
    filter((set) => set !== unresolvedEndpointSet),
  );
}

/** The set after a stream event: the same object when nothing changed. */
export function foldDestinationEvent(set: EndpointSet, event: StreamEvent<Update__Output>, problem: (text: string) => void = () => undefined): EndpointSet {
  if (event.kind === 'disconnected') {
    if (event.error.code !== status.NOT_FOUND || set.endpoints.size > 0 || set.exists === false) return set;
    return missingEndpointSet;
  }
  if (!event.first) return applyUpdate(set, event.message, problem);
  const reset = applyUpdate({ ...unresolvedEndpointSet, endpoints: new Map() }, event.message, problem);
  return isDeepStrictEqual(reset, set) ? set : reset;
}
