/**
 * Certificates, keys and CSRs for identity tests, made with @peculiar/x509 (an encoder Sinew
 * does not use to issue leaves, so the tests cross-check its DER code against another one).
 *
 * Everything is configurable in the ways the tests need to break it: key kinds, CA or not,
 * validity windows, who signs, subject alternative names of every kind.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ecdsaP256, x509 } from '../../src/identity/x509.js';

export type KeyKind = 'p256' | 'p384' | 'rsa2048' | 'rsa4096';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const algorithms: Readonly<Record<KeyKind, webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams>> = {
  p256: ecdsaP256,
  p384: { name: 'ECDSA', namedCurve: 'P-384' },
  rsa2048: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  rsa4096: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

function signingAlgorithm(kind: KeyKind): webcrypto.EcdsaParams | webcrypto.Algorithm {
  if (kind === 'p256') return ecdsaP256;
  if (kind === 'p384') return { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams;
  return { name: 'RSASSA-PKCS1-v1_5' };
}

const keyCache = new Map<KeyKind, CryptoKeyPair>();

/** A key pair of the kind; RSA pairs are made once per process and reused (they are slow to make). */
export async function keyPair(kind: KeyKind, fresh = kind === 'p256' || kind === 'p384'): Promise<CryptoKeyPair> {
  const cached = keyCache.get(kind);
  if (!fresh && cached !== undefined) return cached;
  const keys = await webcrypto.subtle.generateKey(algorithms[kind], true, ['sign', 'verify']) as CryptoKeyPair;
  if (!fresh) keyCache.set(kind, keys);
  return keys;
}

export function privateKeyPem(keys: CryptoKeyPair): string {
  return KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
}

export interface TestCa {
  readonly certificate: InstanceType<typeof x509.X509Certificate>;
  readonly keys: CryptoKeyPair;
  readonly kind: KeyKind;
  readonly pem: string;
  readonly keyPem: string;
}

export interface CaOptions {
  readonly name?: string;
  readonly key?: KeyKind;
  readonly ca?: boolean;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Key usage flags; default keyCertSign | cRLSign. */
  readonly usages?: number;
}

const hour = 3600_000;

function caExtensions(options: CaOptions): InstanceType<typeof x509.Extension>[] {
  const usages = options.usages ?? (x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  return [new x509.BasicConstraintsExtension(options.ca ?? true, undefined, true), new x509.KeyUsagesExtension(usages, true)];
}

export async function rootCa(options: CaOptions = {}): Promise<TestCa> {
  const kind = options.key ?? 'p256';
  const keys = await keyPair(kind);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${options.name ?? 'root.linkerd.cluster.local'}`, keys, signingAlgorithm: signingAlgorithm(kind),
    notBefore: options.notBefore ?? new Date(Date.now() - hour), notAfter: options.notAfter ?? new Date(Date.now() + 1000 * hour),
    extensions: [...caExtensions(options), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  return { certificate, keys, kind, pem: certificate.toString('pem') + '\n', keyPem: privateKeyPem(keys) };
}

/** A CA certificate signed by `parent` (an issuer, or an intermediate). */
export async function childCa(parent: TestCa, options: CaOptions = {}): Promise<TestCa> {
  const kind = options.key ?? 'p256';
  const keys = await keyPair(kind);
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.name ?? 'identity.linkerd.cluster.local'}`, issuer: parent.certificate.subjectName,
    publicKey: keys.publicKey, signingKey: parent.keys.privateKey, signingAlgorithm: signingAlgorithm(parent.kind),
    notBefore: options.notBefore ?? new Date(Date.now() - hour), notAfter: options.notAfter ?? new Date(Date.now() + 500 * hour),
    extensions: [
      ...caExtensions(options),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(parent.keys.publicKey),
    ],
  });
  return { certificate, keys, kind, pem: certificate.toString('pem') + '\n', keyPem: privateKeyPem(keys) };
}

/** Writes an issuer into `dir` in one of the two layouts (replacing what is there). */
export function writeIssuer(dir: string, issuer: { pem: string; keyPem: string }, layout: 'crt.pem' | 'tls.crt' = 'crt.pem', caPem?: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const [crt, key] = layout === 'crt.pem' ? ['crt.pem', 'key.pem'] : ['tls.crt', 'tls.key'];
  // Write beside and rename, as Kubernetes swaps a Secret volume: a reader never sees half a file.
  for (const [name, text] of [[key, issuer.keyPem], [crt, issuer.pem], ...(caPem === undefined ? [] : [['ca.crt', caPem]])] as const) {
    fs.writeFileSync(path.join(dir, `.${name}.tmp`), text);
    fs.renameSync(path.join(dir, `.${name}.tmp`), path.join(dir, name));
  }
}

export interface CsrOptions {
  /** DNS names, IPs, URIs and emails for the subjectAltName extension; default: one DNS name, the identity. */
  readonly sans?: readonly { type: 'dns' | 'ip' | 'url' | 'email'; value: string }[];
  /** The subject common name; default none. */
  readonly commonName?: string;
  readonly key?: KeyKind;
}

export interface TestCsr {
  readonly der: Buffer;
  readonly keys: CryptoKeyPair;
}

export async function csrFor(identity: string, options: CsrOptions = {}): Promise<TestCsr> {
  const kind = options.key ?? 'p256';
  const keys = await keyPair(kind);
  const sans = options.sans ?? [{ type: 'dns', value: identity }];
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: options.commonName === undefined ? '' : `CN=${options.commonName}`,
    keys, signingAlgorithm: signingAlgorithm(kind),
    extensions: sans.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(sans.map((san) => ({ type: san.type, value: san.value })))],
  });
  return { der: Buffer.from(request.rawData), keys };
}

/** The same CSR with one bit of its signature flipped. */
export function withBrokenSignature(der: Buffer): Buffer {
  const copy = Buffer.from(der);
  const index = copy.length - 5;
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

export function identityOf(serviceAccount: string, namespace: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.linkerd.cluster.local`;
}
