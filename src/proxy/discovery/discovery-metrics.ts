/**
 * The hook through which discovery streams report to the proxy's metrics, so these modules need
 * no metrics library: the composition root passes counters in (Linkerd's proxy exports them as
 * its control-plane client metrics, labelled by the control plane's address).
 *
 * Each call is made once per event, synchronously, and must not throw.
 */
import type { status } from '@grpc/grpc-js';

export type DiscoveryRpc = 'Destination.Get' | 'Destination.GetProfile' | 'OutboundPolicies.Watch' | 'InboundServerPolicies.WatchPort';

export type DiscoveryService = 'io.linkerd.proxy.destination.Destination' | 'io.linkerd.proxy.outbound.OutboundPolicies'
  | 'io.linkerd.proxy.inbound.InboundServerPolicies';

export interface DiscoveryMetrics {
  /** A call was opened. */
  onRequest(rpc: DiscoveryRpc): void;
  /** A call ended with this gRPC status (OK for a clean end; DEADLINE_EXCEEDED when no first message came in time). */
  onResponse(rpc: DiscoveryRpc, code: status): void;
  /** A call is being opened again, after a failure or a planned recycle. */
  onReconnect(rpc: DiscoveryRpc): void;
}

export const noDiscoveryMetrics: DiscoveryMetrics = {
  onRequest: () => undefined,
  onResponse: () => undefined,
  onReconnect: () => undefined,
};

/** The gRPC service an rpc belongs to. */
export function serviceOf(rpc: DiscoveryRpc): DiscoveryService {
  if (rpc.startsWith('Destination.')) return 'io.linkerd.proxy.destination.Destination';
  return rpc.startsWith('Outbound') ? 'io.linkerd.proxy.outbound.OutboundPolicies' : 'io.linkerd.proxy.inbound.InboundServerPolicies';
}
