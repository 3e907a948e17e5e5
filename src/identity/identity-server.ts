/**
 * The gRPC face of the identity service: `io.linkerd.proxy.identity.Identity/Certify` on
 * @grpc/grpc-js, wire-compatible with linkerd2-proxy-api.
 *
 * Contract: one unary call is one `Certifier.certify`; its GrpcErrors become their status codes
 * through `toServiceError`, anything else INTERNAL with no detail. The server is the control
 * plane's (streams/grpc-server.ts): requests capped at 64 KiB (a CSR and a token are a few KiB),
 * keepalives, and a close that lets calls in flight finish for up to 2 s. The rate limit is keyed
 * by the peer's IP address, without its port. Every answer is counted by code and timed.
 */
import { type sendUnaryData, type ServerUnaryCall, status } from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../gen/proto/identity.js';
import type { CertifyRequest__Output } from '../gen/proto/io/linkerd/proxy/identity/CertifyRequest.js';
import type { CertifyResponse } from '../gen/proto/io/linkerd/proxy/identity/CertifyResponse.js';
import type { IdentityHandlers } from '../gen/proto/io/linkerd/proxy/identity/Identity.js';
import type { Logger } from '../observe/logger.js';
import { GrpcError, toServiceError } from '../streams/grpc-errors.js';
import { type GrpcService, type RunningGrpcServer, startGrpcServer } from '../streams/grpc-server.js';
import { loadProtos } from '../streams/proto.js';
import type { Certifier } from './certifier.js';
import type { IdentityMetrics } from './identity-metrics.js';

export interface IdentityServerOptions {
  readonly address: string;
  readonly port: number;
  readonly certifier: Certifier;
  readonly metrics: IdentityMetrics;
  readonly log: Logger;
}

export type IdentityServer = RunningGrpcServer;

/** `ipv4:10.0.0.1:4143`, `10.0.0.1:4143` or `[::1]:4143` → the address alone. */
export function peerAddress(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[(.*)\]:\d+$/.exec(bare);
  if (bracketed !== null) return bracketed[1] as string;
  return bare.replace(/:\d+$/, '');
}

function timestamp(date: Date): { seconds: string; nanos: number } {
  const ms = date.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** The Identity service's definition and handlers, for a gRPC server. */
export function identityService(options: Omit<IdentityServerOptions, 'address' | 'port'>): GrpcService {
  const proto = loadProtos<ProtoGrpcType>(['identity.proto']);
  const { certifier, metrics, log } = options;

  const certify = (call: ServerUnaryCall<CertifyRequest__Output, CertifyResponse>, callback: sendUnaryData<CertifyResponse>): void => {
    const stop = metrics.certifyDuration.startTimer();
    const request = call.request;
    certifier.certify({ identity: request.identity, token: request.token, csr: request.certificate_signing_request }, peerAddress(call.getPeer()))
      .then((certified) => {
        metrics.certifications.inc({ code: 'OK' });
        callback(null, { leaf_certificate: certified.leaf, intermediate_certificates: [...certified.intermediates], valid_until: timestamp(certified.validUntil) });
      }, (error: unknown) => {
        const answer = toServiceError(error);
        const code = answer.code ?? status.INTERNAL;
        metrics.certifications.inc({ code: status[code] });
        if (error instanceof GrpcError) log.debug('certify refused', { identity: request.identity, code: status[code], reason: error.message });
        else log.error('certify failed', { identity: request.identity, error: (error as Error).message });
        callback(answer);
      })
      .finally(() => stop());
  };

  const handlers: IdentityHandlers = { Certify: certify };
  return { definition: proto.io.linkerd.proxy.identity.Identity.service, handlers };
}

/** A gRPC server serving Identity alone (the control plane gives it its own port, 8080). */
export function startIdentityServer(options: IdentityServerOptions): Promise<RunningGrpcServer> {
  return startGrpcServer(options.address, options.port, [identityService(options)]);
}
