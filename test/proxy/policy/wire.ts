/**
 * Messages as the proxy receives them: encoded by grpc-js's serializer for the policy services'
 * responses and decoded by its deserializer, so the decision functions see exactly the objects a
 * proxy's client gets (Buffers for bytes, strings for 64-bit integers, oneof names, defaults).
 */
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import type { Server, Server__Output } from '../../../src/gen/proto/io/linkerd/proxy/inbound/Server.js';
import type { OutboundPolicy, OutboundPolicy__Output } from '../../../src/gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import { protoLoaderOptions } from '../../../src/streams/proto.js';

const definition = loadSync(['inbound.proto', 'outbound.proto'], protoLoaderOptions);

function method<Req, Res>(service: string, name: string): MethodDefinition<Req, Res> {
  const found = (definition[service] as Record<string, MethodDefinition<Req, Res>> | undefined)?.[name];
  if (found === undefined) throw new Error(`no ${service}.${name}`);
  return found;
}

const getPort = method<unknown, Server>('io.linkerd.proxy.inbound.InboundServerPolicies', 'GetPort');
const getOutbound = method<unknown, OutboundPolicy>('io.linkerd.proxy.outbound.OutboundPolicies', 'Get');

export function serverOnWire(server: Server): Server__Output {
  return getPort.responseDeserialize(getPort.responseSerialize(server)) as unknown as Server__Output;
}

export function outboundOnWire(policy: OutboundPolicy): OutboundPolicy__Output {
  return getOutbound.responseDeserialize(getOutbound.responseSerialize(policy)) as unknown as OutboundPolicy__Output;
}
