/**
 * The inbound policy (Server) of one of this workload's ports, kept current from
 * InboundServerPolicies.WatchPort. Every message is the whole Server (whole-values.ts): the
 * latest is in force, kept across reconnects, and an unchanged one is not emitted twice.
 *
 * `workload` is the proxy's policy workload (LINKERD2_PROXY_POLICY_WORKLOAD, `{"ns":…,"pod":…}`).
 * NOT_FOUND is retried like any outage: a pod just started may not be known to the control plane
 * yet. INVALID_ARGUMENT and FAILED_PRECONDITION are terminal (DiscoveryRejectedError); a port
 * outside 1-65535 errors at once with a DiscoveryTargetError. Each subscription opens its own call.
 */
import { type Observable, throwError } from 'rxjs';
import type { InboundServerPoliciesClient } from '../../gen/proto/io/linkerd/proxy/inbound/InboundServerPolicies.js';
import type { Server__Output } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';
import { DiscoveryTargetError } from './discovery-errors.js';
import { resilientStream, type StreamSettings } from './resilient-stream.js';
import { wholeValues } from './whole-values.js';

export function watchInboundPort(client: InboundServerPoliciesClient, workload: string, port: number, settings: StreamSettings = {}): Observable<Server__Output> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return throwError(() => new DiscoveryTargetError(`inbound port ${port} is not a port number (1-65535)`));
  }
  if (workload === '') return throwError(() => new DiscoveryTargetError('the policy workload is empty'));
  return resilientStream<Server__Output>(() => client.WatchPort({ workload, port }),
    { ...settings, rpc: 'InboundServerPolicies.WatchPort', target: `${workload} port ${port}` }).pipe(wholeValues());
}
