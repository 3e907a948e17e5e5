/**
 * Certificates for webhook tests: a CA, and a server certificate it signs for `localhost` and
 * 127.0.0.1, as the API server would be given a caBundle and the webhook its Secret.
 */
import { x509 } from '../../src/identity/x509.js';
import { keyPair, privateKeyPem, rootCa, type TestCa } from '../identity/pki-fixtures.js';

export interface WebhookCertificates {
  readonly ca: TestCa;
  readonly certPem: string;
  readonly keyPem: string;
}

const hour = 3600_000;

export async function webhookCertificates(name = 'sinew-admission.test'): Promise<WebhookCertificates> {
  const ca = await rootCa({ name: `webhook-ca.${name}` });
  const keys = await keyPair('p256');
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`, issuer: ca.certificate.subjectName,
    publicKey: keys.publicKey, signingKey: ca.keys.privateKey, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    notBefore: new Date(Date.now() - hour), notAfter: new Date(Date.now() + 24 * hour),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  return { ca, certPem: certificate.toString('pem') + '\n', keyPem: privateKeyPem(keys) };
}
