/**
 * Serving certificates for the admission webhooks, and the CA bundle the API server checks them
 * with.
 *
 * Contract: one fresh, self-signed ECDSA P-256 CA per install (`webhook-ca.<ns>.svc`, path
 * length 0, its key thrown away once it has signed) issues two serving certificates: one for the
 * proxy injector (`linkerd-proxy-injector.<ns>.svc`) and one for the validators, which Sinew
 * serves from one HTTPS server in the destination pod, so it names both
 * `linkerd-policy-validator.<ns>.svc` and `linkerd-sp-validator.<ns>.svc`. Leaves are
 * serverAuth only, 365 days like Linkerd's chart makes them, backdated 20 s for clock skew; keys
 * are PKCS#8 PEM. Every webhook configuration gets the CA as its caBundle.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import { ecdsaP256, x509 } from '../identity/x509.js';

export interface ServingCertificate {
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly dnsNames: readonly string[];
}

export interface WebhookMaterial {
  readonly caPem: string;
  readonly injector: ServingCertificate;
  readonly validators: ServingCertificate;
}

export const webhookCertificateLifetimeMs = 365 * 24 * 3600_000;
const backdateMs = 20_000;

/** The Service DNS names the API server dials for each webhook. */
export function webhookDnsNames(namespace: string): { readonly injector: readonly string[]; readonly validators: readonly string[] } {
  return {
    injector: [`linkerd-proxy-injector.${namespace}.svc`],
    validators: [`linkerd-policy-validator.${namespace}.svc`, `linkerd-sp-validator.${namespace}.svc`],
  };
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

function pkcs8Pem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

interface Window {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

async function serving(ca: { readonly certificate: x509.X509Certificate; readonly keys: webcrypto.CryptoKeyPair },
  dnsNames: readonly string[], window: Window): Promise<ServingCertificate> {
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: `CN=${dnsNames[0] ?? ''}`, issuer: ca.certificate.subjectName, ...window,
    signingAlgorithm: ecdsaP256, publicKey: keys.publicKey, signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((name) => ({ type: 'dns' as const, value: name }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { certificatePem: certificate.toString('pem') + '\n', keyPem: pkcs8Pem(keys.privateKey), dnsNames };
}

export async function generateWebhookMaterial(namespace: string, now: Date = new Date()): Promise<WebhookMaterial> {
  const notBefore = new Date(Math.floor((now.getTime() - backdateMs) / 1000) * 1000);
  const window = { notBefore, notAfter: new Date(notBefore.getTime() + webhookCertificateLifetimeMs) };
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=webhook-ca.${namespace}.svc`, ...window, signingAlgorithm: ecdsaP256, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const names = webhookDnsNames(namespace);
  const ca = { certificate, keys };
  return {
    caPem: certificate.toString('pem') + '\n',
    injector: await serving(ca, names.injector, window),
    validators: await serving(ca, names.validators, window),
  };
}
