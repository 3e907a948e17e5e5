/**
 * Certificate signing requests (PKCS#10, DER) as a proxy sends them to Certify: parsed strictly,
 * then checked against the identity asked for.
 *
 * Contract: `parseCsr` turns bytes that are not a CSR into `InvalidArgumentError` (as Linkerd
 * does for a CSR that does not parse). `checkCsr` answers `FailedPreconditionError`, naming the
 * first rule broken, unless: the key is ECDSA P-256; the signature is ECDSA with SHA-256, -384 or
 * -512 and verifies under that key; the subject alternative names are exactly one DNS name, equal
 * to the identity, and nothing else (no IP, email, URI or any other kind); and the subject's
 * common name is absent or equal to the identity. Other requested extensions are ignored: the
 * leaf's extensions are Sinew's alone. Neither function keeps a reference to its input.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { FailedPreconditionError, InvalidArgumentError } from '../streams/grpc-errors.js';
import { childAt, childrenOf, contentOf, contextConstructed, DerError, type DerElement, oidText, readWhole, Tag, bytesOf } from './der.js';

export interface SubjectAltName {
  /** The GeneralName's context tag: 1 email, 2 DNS, 6 URI, 7 IP, others rarer. */
  readonly tag: number;
  readonly kind: 'email' | 'dns' | 'uri' | 'ip' | 'other';
  readonly value: string;
}

export interface ParsedCsr {
  /** The signed part, exactly as sent. */
  readonly info: Buffer;
  readonly spki: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  readonly commonNames: readonly (string | undefined)[];
  /** undefined when the CSR requests no subjectAltName extension. */
  readonly subjectAltNames: readonly SubjectAltName[] | undefined;
  readonly subjectAltNameExtensions: number;
}

export interface CheckedCsr {
  readonly spki: Buffer;
  readonly publicKey: KeyObject;
  /** Whether the subject carries the identity as its common name (else it is empty). */
  readonly hasCommonName: boolean;
}

const oids = {
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
} as const;

const signatureHashes: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const nameKinds: Readonly<Record<number, SubjectAltName['kind']>> = { 1: 'email', 2: 'dns', 6: 'uri', 7: 'ip' };

function decodeString(input: Buffer, element: DerElement): string | undefined {
  const content = contentOf(input, element);
  if (element.tag === Tag.utf8String) return content.toString('utf8');
  if (element.tag === Tag.printableString || element.tag === Tag.ia5String) return content.toString('latin1');
  return undefined;
}

function commonNamesOf(input: Buffer, subject: DerElement): (string | undefined)[] {
  const names: (string | undefined)[] = [];
  for (const rdn of childrenOf(input, subject)) {
    for (const attribute of childrenOf(input, rdn)) {
      const type = childAt(input, attribute, 0, Tag.oid);
      if (oidText(contentOf(input, type)) !== oids.commonName) continue;
      const value = childrenOf(input, attribute)[1];
      if (value === undefined) throw new DerError('attribute without a value');
      names.push(decodeString(input, value));
    }
  }
  return names;
}

function altNamesOf(input: Buffer, extensionValue: Buffer): SubjectAltName[] {
  const names = readWhole(extensionValue);
  if (names.tag !== Tag.sequence) throw new DerError('subjectAltName is not a sequence');
  return childrenOf(extensionValue, names).map((name) => {
    const tag = name.tag & 0x1f;
    const kind = nameKinds[tag] ?? 'other';
    const content = kind === 'other' ? Buffer.alloc(0) : contentOf(extensionValue, name);
    const value = kind === 'ip' ? [...content].join('.') : content.toString('latin1');
    return { tag, kind, value };
  });
}

function requestedAltNames(input: Buffer, attributes: DerElement | undefined): { names: SubjectAltName[] | undefined; count: number } {
  let names: SubjectAltName[] | undefined;
  let count = 0;
  for (const attribute of attributes === undefined ? [] : childrenOf(input, attributes)) {
    if (oidText(contentOf(input, childAt(input, attribute, 0, Tag.oid))) !== oids.extensionRequest) continue;
    for (const extensions of childrenOf(input, childAt(input, attribute, 1, Tag.set))) {
      for (const extension of childrenOf(input, extensions)) {
        const parts = childrenOf(input, extension);
        if (oidText(contentOf(input, childAt(input, extension, 0, Tag.oid))) !== oids.subjectAltName) continue;
        const value = parts[parts.length - 1];
        if (value === undefined || value.tag !== Tag.octetString) throw new DerError('extension without a value');
        count++;
        names = altNamesOf(input, Buffer.from(contentOf(input, value)));
      }
    }
  }
  return { names, count };
}

/** The OID of an AlgorithmIdentifier with no parameters (as every ECDSA one is). */
function signatureAlgorithmOf(input: Buffer, algorithm: DerElement): string {
  const parts = childrenOf(input, algorithm);
  const oid = parts[0];
  if (oid?.tag !== Tag.oid) throw new DerError('signature algorithm is not an object identifier');
  return parts.length === 1 ? oidText(contentOf(input, oid)) : `${oidText(contentOf(input, oid))} (with parameters)`;
}

function parseStructure(input: Buffer): ParsedCsr {
  const request = readWhole(input);
  if (request.tag !== Tag.sequence) throw new DerError('not a sequence');
  const [info, algorithm, signature] = childrenOf(input, request);
  if (info?.tag !== Tag.sequence || algorithm?.tag !== Tag.sequence || signature?.tag !== Tag.bitString) {
    throw new DerError('not a CertificationRequest');
  }
  const fields = childrenOf(input, info);
  const [version, subject, spki, attributes] = fields;
  if (version?.tag !== Tag.integer || subject?.tag !== Tag.sequence || spki?.tag !== Tag.sequence) {
    throw new DerError('not a CertificationRequestInfo');
  }
  if (attributes !== undefined && attributes.tag !== contextConstructed(0)) throw new DerError('attributes are not [0]');
  const bits = contentOf(input, signature);
  if (bits.length < 1 || bits[0] !== 0) throw new DerError('signature bit string has unused bits');
  const altNames = requestedAltNames(input, attributes);
  return {
    info: Buffer.from(bytesOf(input, info)),
    spki: Buffer.from(bytesOf(input, spki)),
    signatureAlgorithm: signatureAlgorithmOf(input, algorithm),
    signature: Buffer.from(bits.subarray(1)),
    commonNames: commonNamesOf(input, subject),
    subjectAltNames: altNames.names,
    subjectAltNameExtensions: altNames.count,
  };
}

export function parseCsr(der: Uint8Array): ParsedCsr {
  try {
    return parseStructure(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch (error) {
    if (error instanceof DerError) throw new InvalidArgumentError(`certificate signing request does not parse: ${error.message}`);
    throw error;
  }
}

const ecPublicKeyOid = '1.2.840.10045.2.1';
const p256Oid = '1.2.840.10045.3.1.7';

/**
 * The coordinates of an uncompressed P-256 point, if the SPKI holds one. Importing a key from
 * its coordinates (as a JWK) takes a third of the time OpenSSL 3's SPKI decoder does, and
 * still checks that the point is on the curve.
 */
function p256Coordinates(spki: Buffer): { x: string; y: string } | undefined {
  try {
    const [algorithm, bits] = childrenOf(spki, readWhole(spki));
    if (algorithm?.tag !== Tag.sequence || bits?.tag !== Tag.bitString) return undefined;
    const [type, curve, ...rest] = childrenOf(spki, algorithm);
    if (type?.tag !== Tag.oid || curve?.tag !== Tag.oid || rest.length > 0) return undefined;
    if (oidText(contentOf(spki, type)) !== ecPublicKeyOid || oidText(contentOf(spki, curve)) !== p256Oid) return undefined;
    const point = contentOf(spki, bits);
    if (point.length !== 66 || point[0] !== 0 || point[1] !== 0x04) return undefined;
    return { x: point.subarray(2, 34).toString('base64url'), y: point.subarray(34).toString('base64url') };
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}

function publicKeyOf(csr: ParsedCsr): KeyObject {
  let key: KeyObject;
  const point = p256Coordinates(csr.spki);
  const fast = point !== undefined;
  try {
    key = point === undefined
      ? createPublicKey({ key: csr.spki, format: 'der', type: 'spki' })
      : createPublicKey({ key: { kty: 'EC', crv: 'P-256', ...point }, format: 'jwk' });
  } catch (error) {
    throw new FailedPreconditionError(`CSR public key does not parse: ${(error as Error).message}`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    const details = key.asymmetricKeyType === 'ec' ? `EC ${curve ?? 'unknown curve'}` : (key.asymmetricKeyType ?? 'unknown');
    throw new FailedPreconditionError(`CSR key must be ECDSA P-256; got ${details}`);
  }
  // A P-256 key in another encoding (a compressed point): Go's parser, and so Linkerd, refuse it,
  // and so do verifiers that would meet it in the leaf, which copies these bytes.
  if (!fast) throw new FailedPreconditionError('CSR key must be an uncompressed ECDSA P-256 point');
  return key;
}

function signatureVerifies(hash: string, csr: ParsedCsr, key: KeyObject): boolean {
  try {
    return verify(hash, csr.info, { key, dsaEncoding: 'der' }, csr.signature);
  } catch {
    return false; // a signature that is not even a DER (r, s) pair does not verify
  }
}

export function checkCsr(csr: ParsedCsr, identity: string): CheckedCsr {
  const publicKey = publicKeyOf(csr);
  const hash = signatureHashes[csr.signatureAlgorithm];
  if (hash === undefined) throw new FailedPreconditionError(`CSR signature algorithm ${csr.signatureAlgorithm} is not ECDSA with SHA-2`);
  if (!signatureVerifies(hash, csr, publicKey)) throw new FailedPreconditionError('CSR signature does not verify');
  const names = csr.subjectAltNames ?? [];
  if (csr.subjectAltNameExtensions > 1) throw new FailedPreconditionError('CSR has more than one subjectAltName extension');
  const others = names.filter((name) => name.kind !== 'dns');
  if (others.length > 0) throw new FailedPreconditionError(`CSR may name only DNS identities; it has ${others.map((name) => `${name.kind.toUpperCase()}:${name.value}`).join(', ')}`);
  if (names.length !== 1) throw new FailedPreconditionError(`CSR must have exactly one DNS name; it has ${names.length}`);
  if (names[0]?.value !== identity) throw new FailedPreconditionError(`CSR name ${JSON.stringify(names[0]?.value)} does not match the requested identity ${JSON.stringify(identity)}`);
  if (csr.commonNames.length > 1) throw new FailedPreconditionError('CSR subject has more than one common name');
  const commonName = csr.commonNames[0];
  if (csr.commonNames.length === 1 && commonName !== '' && commonName !== identity) {
    throw new FailedPreconditionError(`CSR common name ${JSON.stringify(commonName)} is neither empty nor the requested identity`);
  }
  return { spki: csr.spki, publicKey, hasCommonName: commonName !== undefined && commonName !== '' };
}
