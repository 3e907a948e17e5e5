/**
 * The inbound policy a proxy applies on a port before the policy controller has answered for it
 * (and for good, when there is no controller): the default policy of LINKERD2_PROXY_INBOUND_DEFAULT_POLICY,
 * built by the same code the controller uses (reconcilers/default-policy.ts), then put through the
 * proxy API's wire encoding, so the proxy evaluates exactly the message the controller would send.
 *
 * `*-unauthenticated` becomes its `*-authenticated` twin on ports that require identity; an
 * opaque port gets the opaque protocol; other ports detect, with one catch-all route.
 */
import type { InboundServerPoliciesClient } from '../../gen/proto/io/linkerd/proxy/inbound/InboundServerPolicies.js';
import type { ProtoGrpcType } from '../../gen/proto/inbound.js';
import type { Server, Server__Output } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';
import { defaultAuthorizations } from '../../reconcilers/default-policy.js';
import type { DefaultPolicyName, InboundServer } from '../../reconcilers/inbound-model.js';
import { defaultMeshConfig } from '../../reconcilers/mesh-config.js';
import { serverMessage } from '../../streams/policy/inbound-message.js';
import { loadProtos } from '../../streams/proto.js';

export interface DefaultServerOptions {
  readonly policy: DefaultPolicyName;
  readonly clusterNetworks: readonly string[];
  readonly detectTimeoutMs: number;
  readonly opaque: boolean;
  readonly requireIdentity: boolean;
}

export function defaultServer(options: DefaultServerOptions): Server__Output {
  const policy = options.requireIdentity ? authenticated(options.policy) : options.policy;
  const config = { ...defaultMeshConfig, clusterNetworks: options.clusterNetworks, detectTimeoutMs: options.detectTimeoutMs };
  const ref = { kind: 'default', name: policy } as const;
  const server: InboundServer = {
    ref,
    protocol: options.opaque ? 'opaque' : 'detect',
    detectTimeoutMs: options.detectTimeoutMs,
    authorizations: defaultAuthorizations(policy, config),
    httpRoutes: options.opaque ? [] : [{
      ref: { kind: 'default', name: 'default' }, hosts: [], authorizations: [],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], filters: [] }],
    }],
    grpcRoutes: [],
    notes: [],
  };
  return asReceived(serverMessage(server));
}

function authenticated(policy: DefaultPolicyName): DefaultPolicyName {
  if (policy === 'all-unauthenticated') return 'all-authenticated';
  if (policy === 'cluster-unauthenticated') return 'cluster-authenticated';
  return policy;
}

type GetPortMethod = InboundServerPoliciesClient['GetPort'] & {
  readonly responseSerialize: (value: Server) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Server__Output;
};

let codec: GetPortMethod | undefined;

/** `message` encoded and decoded as the gRPC client would receive it. */
function asReceived(message: Server): Server__Output {
  codec ??= (loadProtos<ProtoGrpcType>(['inbound.proto']).io.linkerd.proxy.inbound.InboundServerPolicies.service.GetPort as unknown as GetPortMethod);
  return codec.responseDeserialize(codec.responseSerialize(message));
}
