/**
 * Trust anchors: the root certificates every workload trusts, read from a PEM bundle (Linkerd's
 * `identityTrustAnchorsPEM`, the `--identity-trust-anchors-file`).
 *
 * Contract: a bundle is accepted whole or refused whole. Every block must be a CERTIFICATE that
 * is a CA (basicConstraints cA) with an ECDSA P-256 or an RSA 2048 or 4096 key; one that is not
 * refuses the bundle with a message naming it. Anchors are read once at start: rotating them is a
 * restart, as it is for Linkerd. Expiry is not checked here but where a chain is verified, at a
 * given time.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { pemBlocks, type PemBlock } from './pem.js';

export interface TrustAnchors {
  readonly certificates: readonly X509Certificate[];
  /** The bundle as PEM, one block per anchor (what TLS peers are given as `ca`). */
  readonly pem: string;
}

export class TrustAnchorError extends Error {
  override readonly name = 'TrustAnchorError';
}

/** The key kinds Sinew accepts, as a short description, or undefined for any other key. */
export function anchorKeyKind(certificate: X509Certificate): string | undefined {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ECDSA P-256';
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength === 2048 || details.modulusLength === 4096)) {
    return `RSA ${details.modulusLength}`;
  }
  return undefined;
}

function describeKey(certificate: X509Certificate): string {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  return [key.asymmetricKeyType, details.namedCurve, details.modulusLength].filter((part) => part !== undefined).join(' ');
}

export function parseTrustAnchors(pem: string, source = 'trust anchors'): TrustAnchors {
  let blocks: PemBlock[];
  try {
    blocks = pemBlocks(pem);
  } catch (error) {
    throw new TrustAnchorError(`${source}: ${(error as Error).message}`);
  }
  if (blocks.length === 0) throw new TrustAnchorError(`${source}: no PEM certificate found`);
  const certificates = blocks.map((block, index) => {
    const where = `${source}: certificate ${index + 1}`;
    if (block.label !== 'CERTIFICATE') throw new TrustAnchorError(`${where} is a ${block.label} block, not a CERTIFICATE`);
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block.der);
    } catch (error) {
      throw new TrustAnchorError(`${where} does not parse: ${(error as Error).message}`);
    }
    if (!certificate.ca) throw new TrustAnchorError(`${where} (${certificate.subject}) is not a CA certificate`);
    if (anchorKeyKind(certificate) === undefined) {
      throw new TrustAnchorError(`${where} (${certificate.subject}) has a ${describeKey(certificate)} key; anchors must be ECDSA P-256 or RSA 2048/4096`);
    }
    return certificate;
  });
  return { certificates, pem: certificates.map((certificate) => certificate.toString()).join('') };
}

export function readTrustAnchors(file: string): TrustAnchors {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new TrustAnchorError(`cannot read trust anchors: ${(error as Error).message}`);
  }
  return parseTrustAnchors(text, file);
}
