/**
 * A destination's profile (routes, retry budget, opaque protocol, endpoint for an IP), kept current
 * from Destination.GetProfile. Every message is the whole profile (whole-values.ts): the latest
 * is in force, kept across reconnects, and an unchanged one is not emitted twice.
 *
 * `path` is an authority (`web.shop.svc.cluster.local:80`) or an `ip:port`. INVALID_ARGUMENT and
 * FAILED_PRECONDITION are terminal (DiscoveryRejectedError: the proxy uses its default profile);
 * everything else is retried with backoff. Each subscription opens its own call.
 */
import type { Observable } from 'rxjs';
import type { DestinationClient } from '../../gen/proto/io/linkerd/proxy/destination/Destination.js';
import type { DestinationProfile__Output } from '../../gen/proto/io/linkerd/proxy/destination/DestinationProfile.js';
import { resilientStream, type StreamSettings } from './resilient-stream.js';
import { wholeValues } from './whole-values.js';

export function watchProfile(client: DestinationClient, path: string, contextToken: string, settings: StreamSettings = {}): Observable<DestinationProfile__Output> {
  return resilientStream<DestinationProfile__Output>(() => client.GetProfile({ scheme: 'k8s', path, context_token: contextToken }),
    { ...settings, rpc: 'Destination.GetProfile', target: path }).pipe(wholeValues());
}
