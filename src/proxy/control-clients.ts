/**
 * The proxy's discovery clients, kept on the proxy's current certificate. Channels to a TLS
 * control plane carry the certificate they were built with (control-channel.ts), so when the
 * identity client renews it, new channels are built and the clients handed to the watches start
 * using them: every call opened after the renewal (a watch's reconnect included) runs on the new
 * certificate, while calls already open finish on the old channel, which is closed once its
 * replacement exists (its streams end and reconnect on the new one).
 */
import type { Observable, Subscription } from 'rxjs';
import type { DestinationClient } from '../gen/proto/io/linkerd/proxy/destination/Destination.js';
import type { InboundServerPoliciesClient } from '../gen/proto/io/linkerd/proxy/inbound/InboundServerPolicies.js';
import type { OutboundPoliciesClient } from '../gen/proto/io/linkerd/proxy/outbound/OutboundPolicies.js';
import { controlChannel } from './control-channel.js';
import { discoveryClients, type DiscoveryClients } from './discovery/discovery-clients.js';
import type { HostPort } from './host-port.js';
import type { LocalIdentity } from './local-identity.js';

export interface ControlEndpoints {
  readonly destination: { readonly addr: HostPort; readonly name: string | undefined };
  readonly policy: { readonly addr: HostPort; readonly name: string | undefined };
  readonly trustAnchorsPem: string | undefined;
}

export interface ControlClients {
  readonly destination: DestinationClient;
  readonly outbound: OutboundPoliciesClient;
  readonly inbound: InboundServerPoliciesClient;
  close(): void;
}

export function controlClients(endpoints: ControlEndpoints, identity: LocalIdentity | undefined,
  updates: Observable<LocalIdentity | undefined> | undefined): ControlClients {
  const build = (id: LocalIdentity | undefined): DiscoveryClients => discoveryClients(
    controlChannel(endpoints.destination.addr, endpoints.destination.name, id, endpoints.trustAnchorsPem),
    controlChannel(endpoints.policy.addr, endpoints.policy.name, id, endpoints.trustAnchorsPem),
  );
  let current = build(identity);
  let held = identity;
  const subscription: Subscription | undefined = updates?.subscribe((next) => {
    if (next === undefined || next === held) return;
    const old = current;
    current = build(next);
    held = next;
    old.close();
  });
  // Each method reads `current` at call time, so calls opened after a renewal use the new channel.
  const destination = {
    Get: (...args: Parameters<DestinationClient['Get']>) => current.destination.Get(...args),
    GetProfile: (...args: Parameters<DestinationClient['GetProfile']>) => current.destination.GetProfile(...args),
  };
  const outbound = { Watch: (...args: Parameters<OutboundPoliciesClient['Watch']>) => current.outbound.Watch(...args) };
  const inbound = { WatchPort: (...args: Parameters<InboundServerPoliciesClient['WatchPort']>) => current.inbound.WatchPort(...args) };
  return {
    destination: destination as unknown as DestinationClient,
    outbound: outbound as unknown as OutboundPoliciesClient,
    inbound: inbound as unknown as InboundServerPoliciesClient,
    close: () => {
      subscription?.unsubscribe();
      current.close();
    },
  };
}
