/**
 * Certificate facts the identity and webhook checks report: parsing PEM bundles, key algorithms,
 * validity windows, "expires within 60 days", and whether a certificate chains to a set of roots.
 * Built on src/identity (PEM, validity, chain search) so the CLI judges a certificate exactly as the
 * identity service does.
 *
 * Contract: pure functions of their inputs and the `now` they are given; problems come back as
 * text (the check joins them into its error), parsing failures as thrown Errors naming the source.
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { chainToAnchor, timeProblem, validityOf } from '../identity/certificate-chain.js';
import { pemBlocks } from '../identity/pem.js';
import { anchorKeyKind } from '../identity/trust-anchors.js';

export const expiryWarningDays = 60;
const dayMs = 86_400_000;

/** Every CERTIFICATE block of a PEM text; at least one. */
export function parseCertificates(pem: string, source: string): X509Certificate[] {
  let blocks;
  try {
    blocks = pemBlocks(pem);
  } catch (error) {
    throw new Error(`${source}: ${(error as Error).message}`, { cause: error });
  }
  const certificates = blocks.filter((block) => block.label === 'CERTIFICATE').map((block, index) => {
    try {
      return new X509Certificate(block.der);
    } catch (error) {
      throw new Error(`${source}: certificate ${index + 1} does not parse: ${(error as Error).message}`, { cause: error });
    }
  });
  if (certificates.length === 0) throw new Error(`${source}: no PEM certificate found`);
  return certificates;
}

/** The private key of a PEM text, which must belong to `certificate`. */
export function parseMatchingKey(pem: string, certificate: X509Certificate, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new Error(`${source}: the private key does not parse: ${(error as Error).message}`, { cause: error });
  }
  const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(key)).equals(spki(certificate.publicKey))) {
    throw new Error(`${source}: the private key does not belong to the certificate ${certificate.subject}`);
  }
  return key;
}

export function commonName(certificate: X509Certificate): string {
  const line = certificate.subject.split('\n').find((part) => part.startsWith('CN='));
  return line === undefined ? certificate.subject : line.slice(3);
}

/** `* <serial> <common name> <problem>`, one line of a list of certificates. */
export function certificateLine(certificate: X509Certificate, problem: string): string {
  return `* ${BigInt(`0x${certificate.serialNumber}`).toString()} ${commonName(certificate)} ${problem}`;
}

const curveNames: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** A key as people name it: `ECDSA P-384`, `RSA 2048`, `ed25519`. */
export function keyDescription(certificate: X509Certificate): string {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return `ECDSA ${curveNames[details.namedCurve ?? ''] ?? details.namedCurve ?? 'on an unknown curve'}`;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${details.modulusLength ?? ''}`.trim();
  return key.asymmetricKeyType ?? 'unknown';
}

/** Why the certificate's key is not ECDSA P-256, or undefined. */
export function p256Problem(certificate: X509Certificate): string | undefined {
  const key = certificate.publicKey;
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return undefined;
  return `must use an ECDSA P-256 public key, instead its key is ${keyDescription(certificate)}`;
}

/** Why the certificate's key is not one a trust anchor may have (ECDSA P-256, RSA 2048/4096), or undefined. */
export function anchorAlgorithmProblem(certificate: X509Certificate): string | undefined {
  if (anchorKeyKind(certificate) !== undefined) return undefined;
  return `must use an ECDSA P-256 or an RSA 2048/4096 public key, instead its key is ${keyDescription(certificate)}`;
}

/** Why the certificate is not valid at `now`, or undefined. */
export function validityProblem(certificate: X509Certificate, now: Date): string | undefined {
  return timeProblem(certificate, now);
}

/** Why the certificate expires within `expiryWarningDays` of `now`, or undefined. */
export function expiringSoonProblem(certificate: X509Certificate, now: Date): string | undefined {
  const { notAfter } = validityOf(certificate);
  return notAfter.getTime() - now.getTime() < expiryWarningDays * dayMs ? `will expire on ${notAfter.toISOString()}` : undefined;
}

/** Why `chain[0]` does not lead to one of `roots` (through the rest of `chain`) at `now`, or undefined. */
export function chainProblem(chain: readonly X509Certificate[], roots: readonly X509Certificate[], now: Date): string | undefined {
  const [first, ...intermediates] = chain;
  if (first === undefined) return 'there is no certificate';
  const result = chainToAnchor(first, intermediates, roots, now);
  return result.ok ? undefined : result.reason;
}
