/**
 * gRPC server credentials that follow the proxy's identity: TLS 1.3 with the current certificate,
 * replaced on every renewal (grpc-js swaps the secure context of its listening servers), and no
 * TLS at all while the proxy holds none (grpc-js then drops new connections).
 *
 * A client certificate is requested and checked against the trust anchors, but the handshake does
 * not require one: the service decides, from `verifiedPeerIdentity`, whom it answers, so a refused
 * client is told why in a gRPC status rather than by a broken handshake.
 */
import type { SecureContextOptions } from 'node:tls';
import { ServerCredentials, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Observable, Subscription } from 'rxjs';
import type { LocalIdentity } from '../local-identity.js';
import { certificateIdentity } from '../peer-identity.js';

function contextOptions(identity: LocalIdentity | undefined): SecureContextOptions | null {
  if (identity === undefined) return null;
  return { key: identity.keyPem, cert: identity.certChainPem, ca: identity.trustAnchorsPem, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
}

class IdentityServerCredentials extends ServerCredentials {
  constructor(initial: LocalIdentity | undefined) {
    super({ requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, contextOptions(initial) ?? undefined);
  }

  follow(identity: LocalIdentity | undefined): void {
    this.updateSecureContextOptions(contextOptions(identity));
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export interface FollowingCredentials {
  readonly credentials: ServerCredentials;
  /** Stops following the identity. */
  close(): void;
}

/** Credentials for `current()`, then for each identity `updates` emits. */
export function identityServerCredentials(current: LocalIdentity | undefined, updates: Observable<LocalIdentity | undefined>): FollowingCredentials {
  const credentials = new IdentityServerCredentials(current);
  const subscription: Subscription = updates.subscribe((identity) => credentials.follow(identity));
  return { credentials, close: () => subscription.unsubscribe() };
}

/** The identity of the call's client: the one DNS name of a certificate that chained to the anchors, else undefined. */
export function verifiedPeerIdentity(call: Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>): string | undefined {
  const certificate = call.getAuthContext()?.sslPeerCertificate;
  return certificate === undefined ? undefined : certificateIdentity(certificate.subjectaltname);
}
