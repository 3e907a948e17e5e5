/**
 * Workload (leaf) certificates, encoded and signed by Sinew itself, as Linkerd issues them: X.509
 * v3, ECDSA with SHA-256, key usage digitalSignature + keyEncipherment (critical), extended key
 * usage serverAuth + clientAuth, one DNS subject alternative name (critical when the subject is
 * empty, RFC 5280 4.2.1.6), and the issuer's key identifier as authority key identifier.
 *
 * Contract: the validity is [now - skew, now + lifetime + skew], whole seconds, with NotAfter
 * clamped to the issuer's chain expiry so no leaf outlives a certificate above it. The issuer
 * field is the issuer's subject bytes copied verbatim, because verifiers (webpki, OpenSSL) match
 * names byte for byte. Serial numbers are 128 random bits (positive). Pure apart from the
 * randomness and the signature: the caller passes the time.
 */
import { randomFillSync, sign } from 'node:crypto';
import {
  bitString, booleanTrue, certificateTime, contextConstructed, contextPrimitive, objectIdentifier, octetString, sequence, set,
  smallInteger, tlv, unsignedInteger, utf8String,
} from './der.js';
import type { Issuer } from './issuer.js';

export interface IssuancePolicy {
  /** How long a leaf is valid, before the skew allowance (Linkerd: 24 h). */
  readonly lifetimeMs: number;
  /** Clock skew tolerated on both ends (Linkerd's identity: 20 s). */
  readonly clockSkewMs: number;
}

export const defaultIssuancePolicy: IssuancePolicy = { lifetimeMs: 24 * 3600_000, clockSkewMs: 20_000 };

export interface LeafRequest {
  readonly identity: string;
  readonly spki: Buffer;
  /** Put the identity in the subject's common name (else the subject is empty). */
  readonly commonName: boolean;
}

export interface Leaf {
  readonly der: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

// Fixed encodings, built once.
const ecdsaWithSha256 = sequence(objectIdentifier('1.2.840.10045.4.3.2'));
const version3 = tlv(contextConstructed(0), smallInteger(2));
const keyUsage = sequence(objectIdentifier('2.5.29.15'), booleanTrue(), octetString(bitString(Uint8Array.of(0xa0), 5)));
const extendedKeyUsage = sequence(objectIdentifier('2.5.29.37'),
  octetString(sequence(objectIdentifier('1.3.6.1.5.5.7.3.1'), objectIdentifier('1.3.6.1.5.5.7.3.2'))));
const subjectAltNameOid = objectIdentifier('2.5.29.17');
const authorityKeyIdOid = objectIdentifier('2.5.29.35');
const commonNameOid = objectIdentifier('2.5.4.3');
const emptyName = sequence();

function subjectAltName(identity: string, critical: boolean): Buffer {
  const names = sequence(tlv(contextPrimitive(2), Buffer.from(identity, 'ascii')));
  return critical ? sequence(subjectAltNameOid, booleanTrue(), octetString(names)) : sequence(subjectAltNameOid, octetString(names));
}

// Serial numbers are cut from a pool of random bytes, refilled 256 serials at a time.
const randomPool = Buffer.alloc(16 * 256);
let poolOffset = randomPool.length;

function serialNumber(): Buffer {
  if (poolOffset === randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  const bytes = Buffer.from(randomPool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01; // positive, and never shortened to fewer than 16 bytes
  return unsignedInteger(bytes);
}

export function leafValidity(issuer: Issuer, policy: IssuancePolicy, now: Date): { notBefore: Date; notAfter: Date } {
  const seconds = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);
  const wanted = now.getTime() + policy.lifetimeMs + policy.clockSkewMs;
  return { notBefore: seconds(now.getTime() - policy.clockSkewMs), notAfter: seconds(Math.min(wanted, issuer.chainExpiry.getTime())) };
}

export function issueLeaf(issuer: Issuer, request: LeafRequest, policy: IssuancePolicy, now: Date): Leaf {
  const { notBefore, notAfter } = leafValidity(issuer, policy, now);
  const subject = request.commonName ? sequence(set(sequence(commonNameOid, utf8String(request.identity)))) : emptyName;
  const extensions = [keyUsage, extendedKeyUsage, subjectAltName(request.identity, !request.commonName)];
  if (issuer.keyIdentifier !== undefined) {
    extensions.push(sequence(authorityKeyIdOid, octetString(sequence(tlv(contextPrimitive(0), issuer.keyIdentifier)))));
  }
  const tbs = sequence(
    version3, serialNumber(), ecdsaWithSha256, issuer.subjectDer,
    sequence(certificateTime(notBefore), certificateTime(notAfter)),
    subject, request.spki, tlv(contextConstructed(3), sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, { key: issuer.privateKey, dsaEncoding: 'der' });
  return { der: sequence(tbs, ecdsaWithSha256, bitString(signature)), notBefore, notAfter };
}
