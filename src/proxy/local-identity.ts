/**
 * The proxy's own identity: its name, its private key and the certificate chain the identity
 * service issued for that key, and the trust anchors every peer is checked against.
 *
 * Contract: a `LocalIdentity` is only ever made by `acceptCertified`, which refuses (with a
 * `CertifyAnswerError` naming the problem) a Certify answer unless: the leaf parses, is valid now,
 * names exactly the identity asked for as its one DNS SAN, carries the public key the proxy
 * generated, and chains through the intermediates sent with it to one of the trust anchors, every
 * link valid now. `notAfter` is the earliest expiry on that chain (the leaf is worthless once any
 * certificate above it has expired). The value is immutable; a renewal is a new object, so caches
 * keyed by it (tls-contexts.ts) never serve a stale certificate. The key lives in memory only.
 */
import { X509Certificate } from 'node:crypto';
import { chainToAnchor, timeProblem, validityOf } from '../identity/certificate-chain.js';
import { toPem } from '../identity/pem.js';
import type { TrustAnchors } from '../identity/trust-anchors.js';
import { certificateIdentity } from './peer-identity.js';

export interface LocalIdentity {
  /** The identity name, e.g. `web.shop.serviceaccount.identity.linkerd.cluster.local`. */
  readonly name: string;
  /** The private key, PKCS#8 PEM. */
  readonly keyPem: string;
  /** The leaf, then the intermediates, as PEM: what this proxy presents in a handshake. */
  readonly certChainPem: string;
  readonly trustAnchorsPem: string;
  readonly notAfter: Date;
}

/** The proxy's key pair, as the parts the checks need. */
export interface IdentityKey {
  readonly keyPem: string;
  /** The public key, DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
}

/** What Certify answered (the protobuf's certificate fields). */
export interface CertifiedChain {
  readonly leaf: Uint8Array;
  readonly intermediates: readonly Uint8Array[];
}

/** A Certify answer that cannot be used as the proxy's identity. */
export class CertifyAnswerError extends Error {
  override readonly name = 'CertifyAnswerError';
}

function parseCertificate(der: Uint8Array, what: string): X509Certificate {
  if (der.length === 0) throw new CertifyAnswerError(`Certify answered an empty ${what}`);
  try {
    return new X509Certificate(Buffer.from(der));
  } catch (error) {
    throw new CertifyAnswerError(`Certify answered a ${what} that does not parse: ${(error as Error).message}`);
  }
}

function checkLeaf(leaf: X509Certificate, name: string, key: IdentityKey, now: Date): void {
  const named = certificateIdentity(leaf.subjectAltName);
  if (named !== name) {
    throw new CertifyAnswerError(`Certify answered a certificate for ${named === undefined ? 'no single DNS name' : JSON.stringify(named)}, not ${JSON.stringify(name)}`);
  }
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  if (!spki.equals(key.spki)) throw new CertifyAnswerError('Certify answered a certificate for another public key than the one this proxy sent');
  const problem = timeProblem(leaf, now);
  if (problem !== undefined) throw new CertifyAnswerError(`Certify answered a certificate that ${problem}`);
}

/** Checks a Certify answer and makes the identity it proves (see the contract above). */
export function acceptCertified(answer: CertifiedChain, name: string, key: IdentityKey, anchors: TrustAnchors, now: Date): LocalIdentity {
  const leaf = parseCertificate(answer.leaf, 'leaf certificate');
  const intermediates = answer.intermediates.map((der, index) => parseCertificate(der, `intermediate certificate ${index + 1}`));
  checkLeaf(leaf, name, key, now);
  const chain = chainToAnchor(leaf, intermediates, anchors.certificates, now);
  if (!chain.ok) throw new CertifyAnswerError(`Certify answered a certificate that does not chain to the trust anchors: ${chain.reason}`);
  const expiries = [...chain.path, chain.anchor].map((certificate) => validityOf(certificate).notAfter.getTime());
  return {
    name,
    keyPem: key.keyPem,
    certChainPem: [leaf, ...intermediates].map((certificate) => toPem('CERTIFICATE', certificate.raw)).join(''),
    trustAnchorsPem: anchors.pem,
    notAfter: new Date(Math.min(...expiries)),
  };
}

/** Whether the identity's certificates are still valid at `nowMs`. */
export function isUnexpired(identity: LocalIdentity, nowMs: number): boolean {
  return nowMs < identity.notAfter.getTime();
}
