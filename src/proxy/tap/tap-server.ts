/**
 * The proxy's tap API (`io.linkerd.proxy.tap.Tap/Observe`) on its control listener
 * (LINKERD2_PROXY_CONTROL_LISTEN_ADDR), served only over mutual TLS with the proxy's own
 * certificate, and only to the tap service (LINKERD2_PROXY_TAP_SVC_NAME).
 *
 * Refusals, all as gRPC statuses on the call: PERMISSION_DENIED for a client without a certificate
 * that chains to the trust anchors, and for one whose identity is another (the message names it);
 * INVALID_ARGUMENT for a limit of 0 or a filter that cannot be used (the message names the field).
 * A plaintext client gets no answer at all (the listener speaks only TLS), nor does any client
 * while the proxy holds no certificate.
 *
 * An accepted call registers a session (tap-session.ts) and streams its events until the limit is
 * reached and its requests are done, or the client cancels; `close` cancels every open call.
 */
import { type ChannelOptions, Server, status, type ServerWritableStream } from '@grpc/grpc-js';
import type { Observable } from 'rxjs';
import type { ProtoGrpcType } from '../../gen/proto/tap.js';
import type { ObserveRequest__Output } from '../../gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import type { TapEvent } from '../../gen/proto/io/linkerd/proxy/tap/TapEvent.js';
import type { Logger } from '../../observe/logger.js';
import { loadProtos } from '../../streams/proto.js';
import { type HostPort, hostPortText } from '../host-port.js';
import type { LocalIdentity } from '../local-identity.js';
import { identityServerCredentials, verifiedPeerIdentity } from './identity-server-credentials.js';
import { compileMatch, TapMatchError, type TapPredicate } from './tap-match.js';
import type { TapRegistry } from './tap-registry.js';

export interface TapServerOptions {
  readonly listen: HostPort;
  /** The only client identity served. */
  readonly tapSvcName: string;
  readonly identity: { current(): LocalIdentity | undefined; readonly updates: Observable<LocalIdentity | undefined> };
  readonly registry: TapRegistry;
  readonly log: Logger;
}

export interface RunningTapServer {
  readonly port: number;
  close(): Promise<void>;
}

const serverOptions: ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.max_receive_message_length': 64 * 1024,
};

type ObserveCall = ServerWritableStream<ObserveRequest__Output, TapEvent>;

let tapProto: ProtoGrpcType | undefined;

export async function startTapServer(options: TapServerOptions): Promise<RunningTapServer> {
  tapProto ??= loadProtos<ProtoGrpcType>(['tap.proto']);
  const following = identityServerCredentials(options.identity.current(), options.identity.updates);
  const server = new Server(serverOptions);
  server.addService(tapProto.io.linkerd.proxy.tap.Tap.service, { Observe: (call: ObserveCall) => observe(call, options) });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(hostPortText(options.listen), following.credentials, (error, bound) => (error === null ? resolve(bound) : reject(error)));
    });
  } catch (error) {
    following.close();
    server.forceShutdown();
    throw new Error(`cannot serve tap on ${hostPortText(options.listen)}: ${(error as Error).message}`, { cause: error });
  }
  return {
    port,
    close: async () => {
      following.close();
      server.forceShutdown();
    },
  };
}

function refuse(call: ObserveCall, code: status, details: string): void {
  call.emit('error', { code, details });
}

function observe(call: ObserveCall, options: TapServerOptions): void {
  const peer = verifiedPeerIdentity(call);
  if (peer !== options.tapSvcName) {
    const who = peer === undefined ? 'a client without a certificate from the mesh' : `the client ${JSON.stringify(peer)}`;
    options.log.info('tap refused', { peer: peer ?? '', client: call.getPeer() });
    refuse(call, status.PERMISSION_DENIED, `tap is served only to ${JSON.stringify(options.tapSvcName)}, not to ${who}`);
    return;
  }
  const request = call.request;
  if (!(request.limit > 0)) return refuse(call, status.INVALID_ARGUMENT, 'limit: must be positive');
  let match: TapPredicate;
  try {
    match = compileMatch(request.match);
  } catch (error) {
    if (!(error instanceof TapMatchError)) throw error;
    return refuse(call, status.INVALID_ARGUMENT, error.message);
  }
  const session = options.registry.open({
    limit: request.limit, match, extractHeaders: request.extract?.http?.headers != null,
    sink: {
      write: (event, flushed) => {
        call.write(event, () => flushed());
      },
      end: () => call.end(),
    },
  });
  options.log.debug('tap started', { base: session.base, limit: request.limit });
  const cancel = (): void => session.cancel();
  call.once('cancelled', cancel);
  call.once('error', cancel);
  call.once('close', cancel);
}
