/**
 * The issuer: the CA certificate and key that sign workload certificates, validated against the
 * trust anchors before it is used.
 *
 * Contract: `validateIssuer` is the only way to get an `Issuer`, and it refuses (with an
 * `IssuerError` naming the first problem) unless all of these hold at the given time: the
 * certificate is a CA whose key usage, if stated, allows certificate signing; its key and the
 * private key are one ECDSA P-256 key pair; it is within its validity window; and it chains to a
 * trust anchor through the intermediates supplied with it. An `Issuer` is immutable; the bytes
 * the signer needs on every request (the raw subject, the key identifier, the chain sent to
 * clients) are extracted once here.
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { bytesOf, childrenOf, readWhole, Tag } from './der.js';
import { chainToAnchor, timeProblem, validityOf } from './certificate-chain.js';
import { pemBlocks } from './pem.js';
import type { TrustAnchors } from './trust-anchors.js';
import { x509 } from './x509.js';

/** The PEM texts an issuer is made of, as read from its files. */
export interface IssuerMaterial {
  /** Where it came from, for messages (e.g. "/var/run/linkerd/identity/issuer (tls.crt, tls.key)"). */
  readonly source: string;
  /** The issuer certificate, optionally followed by intermediates up to the anchor. */
  readonly certificatePem: string;
  readonly keyPem: string;
  /** More certificates to build the chain from (cert-manager's ca.crt); never trusted as anchors. */
  readonly extraCertificatesPem?: string;
}

export interface Issuer {
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
  /** The DER of the certificate's subject, exactly as encoded: a leaf's issuer field must match it byte for byte. */
  readonly subjectDer: Buffer;
  /** The subject key identifier, which leaves carry as their authority key identifier. */
  readonly keyIdentifier: Buffer | undefined;
  /** DER certificates from the issuer up to, not including, the anchor: what a client is sent beside its leaf. */
  readonly chain: readonly Buffer[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The earliest NotAfter on the path to the anchor, anchor included: no leaf may outlive it. */
  readonly chainExpiry: Date;
  /** SHA-256 fingerprint of the certificate, for logs. */
  readonly fingerprint: string;
}

export class IssuerError extends Error {
  override readonly name = 'IssuerError';
}

const keyUsageOid = '2.5.29.15';
const subjectKeyIdentifierOid = '2.5.29.14';

function certificatesOf(pem: string, what: string): X509Certificate[] {
  return pemBlocks(pem).map((block, index) => {
    if (block.label !== 'CERTIFICATE') throw new IssuerError(`${what}: block ${index + 1} is ${block.label}, not a CERTIFICATE`);
    return new X509Certificate(block.der);
  });
}

function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** The raw subject: Certificate → TBSCertificate → [version], serial, signature, issuer, validity, subject. */
function subjectDerOf(raw: Buffer): Buffer {
  const certificate = readWhole(raw);
  const tbs = childrenOf(raw, certificate)[0];
  if (tbs === undefined || tbs.tag !== Tag.sequence) throw new IssuerError('certificate has no TBSCertificate');
  const fields = childrenOf(raw, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (subject === undefined || subject.tag !== Tag.sequence) throw new IssuerError('certificate has no subject');
  return Buffer.from(bytesOf(raw, subject));
}

function checkCertificate(certificate: X509Certificate, parsed: InstanceType<typeof x509.X509Certificate>): void {
  const usage = parsed.getExtension(keyUsageOid);
  if (usage instanceof x509.KeyUsagesExtension && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new IssuerError(`issuer certificate ${certificate.subject} may not sign certificates (key usage lacks keyCertSign)`);
  }
  if (!certificate.ca) throw new IssuerError(`issuer certificate ${certificate.subject} is not a CA`);
  if (!isP256(certificate.publicKey)) throw new IssuerError(`issuer certificate ${certificate.subject} does not have an ECDSA P-256 key`);
}

export function validateIssuer(material: IssuerMaterial, anchors: TrustAnchors, now: Date): Issuer {
  const [certificate, ...following] = certificatesOf(material.certificatePem, `${material.source}: certificate`);
  if (certificate === undefined) throw new IssuerError(`${material.source}: no issuer certificate`);
  const extra = material.extraCertificatesPem === undefined ? [] : certificatesOf(material.extraCertificatesPem, `${material.source}: CA bundle`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(material.keyPem);
  } catch (error) {
    throw new IssuerError(`${material.source}: issuer key does not parse: ${(error as Error).message}`);
  }
  if (!isP256(privateKey)) throw new IssuerError(`${material.source}: issuer key is not ECDSA P-256`);
  const parsed = new x509.X509Certificate(certificate.raw);
  checkCertificate(certificate, parsed);
  if (!spki(createPublicKey(privateKey)).equals(spki(certificate.publicKey))) {
    throw new IssuerError(`${material.source}: the issuer key does not belong to the issuer certificate`);
  }
  const problem = timeProblem(certificate, now);
  if (problem !== undefined) throw new IssuerError(`issuer certificate ${certificate.subject} ${problem}`);
  const chain = chainToAnchor(certificate, [...following, ...extra], anchors.certificates, now);
  if (!chain.ok) throw new IssuerError(`issuer certificate ${certificate.subject} does not chain to the trust anchors: ${chain.reason}`);
  const keyId = parsed.getExtension(subjectKeyIdentifierOid);
  return {
    certificate,
    privateKey,
    subjectDer: subjectDerOf(certificate.raw),
    keyIdentifier: keyId instanceof x509.SubjectKeyIdentifierExtension ? Buffer.from(keyId.keyId, 'hex') : undefined,
    chain: chain.path.map((link) => link.raw),
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    chainExpiry: new Date(Math.min(...[...chain.path, chain.anchor].map((link) => validityOf(link).notAfter.getTime()))),
    fingerprint: certificate.fingerprint256,
  };
}
