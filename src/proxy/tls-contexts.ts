/**
 * TLS settings for connections between proxies, made from the proxy's `LocalIdentity`.
 *
 * Contract: TLS 1.3 only, in both directions. Each side presents its certificate chain and trusts
 * only the identity's trust anchors (never the system's roots). One `SecureContext` is built per
 * `LocalIdentity` object, on first use, and kept as long as that object is referenced (a WeakMap):
 * handshakes are hot and never re-read a key. A renewal is a new object, hence a new context;
 * connections made before it keep the old one until they close.
 *
 * Server side: a client certificate is requested but not required at the TLS layer (a client
 * without one, or with one that does not verify, still completes the handshake); only a verified
 * one yields an identity (`peerIdentity`), and authorization decides what an unauthenticated
 * client may do. Client side: the server must present a chain to the anchors whose one DNS SAN is
 * exactly the expected identity (peer-identity.ts), and SNI carries that identity.
 */
import tls from 'node:tls';
import type { LocalIdentity } from './local-identity.js';
import { expectIdentity } from './peer-identity.js';

/** The protocols a proxy's server side offers, in order of preference. */
export const serverAlpn: readonly string[] = ['h2', 'http/1.1'];

const contexts = new WeakMap<LocalIdentity, tls.SecureContext>();

const tls13 = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

/** The identity's key, chain and anchors as a context (built once per identity object). */
export function secureContextFor(identity: LocalIdentity): tls.SecureContext {
  let context = contexts.get(identity);
  if (context === undefined) {
    context = tls.createSecureContext({ key: identity.keyPem, cert: identity.certChainPem, ca: identity.trustAnchorsPem, ...tls13 });
    contexts.set(identity, context);
  }
  return context;
}

/** Options for both `new tls.TLSSocket(socket, options)` and `tls.createServer(options)`. */
export type ServerTlsOptions = tls.TLSSocketOptions & tls.TlsOptions;

/**
 * A server side for this identity. A `TLSSocket` uses the cached context; `tls.createServer`
 * ignores `secureContext` and builds one context per server from the same key, chain and anchors.
 */
export function serverTlsOptions(identity: LocalIdentity): ServerTlsOptions {
  return {
    isServer: true,
    secureContext: secureContextFor(identity),
    key: identity.keyPem,
    cert: identity.certChainPem,
    ca: identity.trustAnchorsPem,
    ...tls13,
    requestCert: true,
    rejectUnauthorized: false,
    ALPNProtocols: [...serverAlpn],
  };
}

/** A client side for this identity, to a server that must prove `serverName`. */
export function clientTlsOptions(identity: LocalIdentity, serverName: string, alpn: readonly string[] = []): tls.ConnectionOptions {
  return {
    secureContext: secureContextFor(identity),
    servername: serverName,
    rejectUnauthorized: true,
    checkServerIdentity: expectIdentity(serverName),
    ...(alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
  };
}
