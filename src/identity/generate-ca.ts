/**
 * A new trust anchor and issuer pair, named as Linkerd names them, for clusters whose operator
 * brings none (`sinew identity generate-ca`, and `sinew install` later).
 *
 * Contract: both keys are fresh ECDSA P-256 keys and both certificates are signed with
 * ECDSA/SHA-256. The anchor `root.<cp-ns>.<trust-domain>` is self-signed, a CA with path length
 * 1; the issuer `identity.<cp-ns>.<trust-domain>` is signed by the anchor, a CA with path length
 * 0 (it signs leaves only). Both allow certificate and CRL signing, carry subject key
 * identifiers, and start 20 s in the past to tolerate clock skew; the issuer never outlives the
 * anchor. Keys are returned as SEC1 PEM (`EC PRIVATE KEY`), the form `step` and Linkerd write.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import { type IdentityDomain, issuerName, trustAnchorName } from './identity-name.js';
import { ecdsaP256, x509 } from './x509.js';

export interface GenerateCaOptions {
  readonly domain: IdentityDomain;
  /** Default 87,600 h (10 years), as `step --profile root-ca`. */
  readonly anchorLifetimeMs?: number;
  /** Default 8,760 h (1 year), as Linkerd's docs create it. */
  readonly issuerLifetimeMs?: number;
  readonly now?: Date;
}

export interface GeneratedCa {
  readonly anchorName: string;
  readonly issuerName: string;
  readonly anchorPem: string;
  readonly anchorKeyPem: string;
  readonly issuerPem: string;
  readonly issuerKeyPem: string;
  readonly anchorNotAfter: Date;
  readonly issuerNotAfter: Date;
}

export const defaultAnchorLifetimeMs = 87_600 * 3600_000;
export const defaultIssuerLifetimeMs = 8_760 * 3600_000;
const backdateMs = 20_000;

const caUsage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

function sec1Pem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'sec1', format: 'pem' }) as string;
}

export async function generateCa(options: GenerateCaOptions): Promise<GeneratedCa> {
  const now = options.now ?? new Date();
  const notBefore = new Date(Math.floor((now.getTime() - backdateMs) / 1000) * 1000);
  const anchorNotAfter = new Date(notBefore.getTime() + (options.anchorLifetimeMs ?? defaultAnchorLifetimeMs));
  const issuerNotAfter = new Date(Math.min(anchorNotAfter.getTime(), notBefore.getTime() + (options.issuerLifetimeMs ?? defaultIssuerLifetimeMs)));
  const anchorKeys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const issuerKeys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const names = { anchor: trustAnchorName(options.domain), issuer: issuerName(options.domain) };

  const anchor = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=${names.anchor}`, notBefore, notAfter: anchorNotAfter,
    signingAlgorithm: ecdsaP256, keys: anchorKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(caUsage, true),
      await x509.SubjectKeyIdentifierExtension.create(anchorKeys.publicKey),
    ],
  });
  const issuer = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: `CN=${names.issuer}`, issuer: anchor.subjectName, notBefore, notAfter: issuerNotAfter,
    signingAlgorithm: ecdsaP256, publicKey: issuerKeys.publicKey, signingKey: anchorKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(caUsage, true),
      await x509.SubjectKeyIdentifierExtension.create(issuerKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(anchorKeys.publicKey),
    ],
  });
  return {
    anchorName: names.anchor, issuerName: names.issuer,
    anchorPem: anchor.toString('pem') + '\n', anchorKeyPem: sec1Pem(anchorKeys.privateKey),
    issuerPem: issuer.toString('pem') + '\n', issuerKeyPem: sec1Pem(issuerKeys.privateKey),
    anchorNotAfter, issuerNotAfter,
  };
}
