/**
 * A client of one proxy's tap API (`io.linkerd.proxy.tap.Tap/Observe` on the pod's port 4190),
 * over mutual TLS: the tap server presents its own certificate (its identity is what the proxy
 * checks) and accepts only a proxy certificate that chains to the trust anchors and names the
 * pod's identity exactly; SNI carries that identity. Always TLS, loopback addresses included.
 *
 * Contract: `observe` starts one call; its events arrive in order on the returned stream, which
 * ends when the proxy ends the call and errors (a grpc-js ServiceError) when it is refused or
 * broken. `close` cancels every call of the client and closes its channel.
 */
import { type ChannelOptions, type ClientReadableStream, credentials } from '@grpc/grpc-js';
import type { ObserveRequest } from '../../gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import type { TapEvent__Output } from '../../gen/proto/io/linkerd/proxy/tap/TapEvent.js';
import type { ProtoGrpcType } from '../../gen/proto/tap.js';
import { type HostPort, hostPortText } from '../../proxy/host-port.js';
import type { LocalIdentity } from '../../proxy/local-identity.js';
import { expectIdentity } from '../../proxy/peer-identity.js';
import { secureContextFor } from '../../proxy/tls-contexts.js';
import { loadProtos } from '../../streams/proto.js';

export interface ProxyTapClient {
  observe(request: ObserveRequest): ClientReadableStream<TapEvent__Output>;
  close(): void;
}

let tapProto: ProtoGrpcType | undefined;

const channelOptions: ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 5_000,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
};

/** A client for the proxy at `addr`, which must prove `proxyIdentity`, presenting `local`. */
export function proxyTapClient(addr: HostPort, proxyIdentity: string, local: LocalIdentity): ProxyTapClient {
  tapProto ??= loadProtos<ProtoGrpcType>(['tap.proto']);
  const secure = credentials.createFromSecureContext(secureContextFor(local), { checkServerIdentity: expectIdentity(proxyIdentity) });
  const client = new tapProto.io.linkerd.proxy.tap.Tap(hostPortText(addr), secure, { ...channelOptions, 'grpc.ssl_target_name_override': proxyIdentity });
  const calls = new Set<ClientReadableStream<TapEvent__Output>>();
  return {
    observe: (request) => {
      const call = client.Observe(request);
      calls.add(call);
      call.once('close', () => calls.delete(call));
      return call;
    },
    close: () => {
      for (const call of calls) call.cancel();
      calls.clear();
      client.close();
    },
  };
}
