/**
 * The grpc-js clients of the control plane's discovery APIs: Destination on the destination
 * service's address, OutboundPolicies and InboundServerPolicies on the policy service's.
 *
 * One channel per address: clients for the same target share the first one's channel (its
 * credentials and options win), so the two policy services ride one HTTP/2 connection, and so
 * does everything when both addresses are the same. `close` closes every channel once; calls still
 * open end with CANCELLED and watches on them stop reopening only when unsubscribed.
 */
import type { ChannelCredentials, ChannelOptions, Client } from '@grpc/grpc-js';
import type { ProtoGrpcType as DestinationProto } from '../../gen/proto/destination.js';
import type { ProtoGrpcType as InboundProto } from '../../gen/proto/inbound.js';
import type { DestinationClient } from '../../gen/proto/io/linkerd/proxy/destination/Destination.js';
import type { InboundServerPoliciesClient } from '../../gen/proto/io/linkerd/proxy/inbound/InboundServerPolicies.js';
import type { OutboundPoliciesClient } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicies.js';
import type { ProtoGrpcType as OutboundProto } from '../../gen/proto/outbound.js';
import { loadProtos } from '../../streams/proto.js';

export interface ControlChannel {
  readonly target: string;
  readonly credentials: ChannelCredentials;
  readonly options?: ChannelOptions;
}

export interface DiscoveryClients {
  readonly destination: DestinationClient;
  readonly outbound: OutboundPoliciesClient;
  readonly inbound: InboundServerPoliciesClient;
  close(): void;
}

type Channel = ReturnType<Client['getChannel']>;

type ClientClass<C> = new (...args: ConstructorParameters<typeof Client>) => C;

export function discoveryClients(destination: ControlChannel, policy: ControlChannel): DiscoveryClients {
  const destinationProto = loadProtos<DestinationProto>(['destination.proto']).io.linkerd.proxy.destination;
  const outboundProto = loadProtos<OutboundProto>(['outbound.proto']).io.linkerd.proxy.outbound;
  const inboundProto = loadProtos<InboundProto>(['inbound.proto']).io.linkerd.proxy.inbound;
  const channels = new Map<string, Channel>();
  const make = <C extends Client>(Class: ClientClass<C>, channel: ControlChannel): C => {
    const shared = channels.get(channel.target);
    const client = new Class(channel.target, channel.credentials, { ...channel.options, ...(shared === undefined ? {} : { channelOverride: shared }) });
    if (shared === undefined) channels.set(channel.target, client.getChannel());
    return client;
  };
  const clients = {
    destination: make(destinationProto.Destination, destination),
    outbound: make(outboundProto.OutboundPolicies, policy),
    inbound: make(inboundProto.InboundServerPolicies, policy),
  };
  return {
    ...clients,
    close() {
      for (const channel of channels.values()) channel.close();
    },
  };
}
