/**
 * The certificates an install carries: a generated trust anchor and issuer with Linkerd's names
 * that chain and load as the identity component loads them; the operator's own, checked before
 * anything is printed; and webhook serving certificates that a TLS client holding the webhook's
 * caBundle accepts for the Service name the API server dials.
 */
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../src/cli/usage-error.js';
import { generateCa } from '../../src/identity/generate-ca.js';
import { validateIssuer } from '../../src/identity/issuer.js';
import { parseTrustAnchors } from '../../src/identity/trust-anchors.js';
import { x509 } from '../../src/identity/x509.js';
import { tempDir } from '../support/engine-harness.js';
import { at, type KubeJson, objectsOf, only, rendered, runInstall, secretText } from './install-run.js';

function subjectCn(pem: string): string {
  return new X509Certificate(pem).subject.replace(/^CN=/, '');
}

/** Completes a TLS handshake against a server using `secret`'s certificate, as a client trusting `caPem` and dialling `name`. */
async function handshake(secret: KubeJson, caPem: string, name: string): Promise<void> {
  const server = https.createServer({ cert: secretText(secret, 'tls.crt'), key: secretText(secret, 'tls.key') }, (_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      const request = https.request({ host: '127.0.0.1', port, path: '/', method: 'POST', ca: caPem, servername: name, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => { text += chunk; });
        response.on('end', () => resolve(text));
      });
      request.once('error', reject);
      request.end();
    });
    assert.equal(body, 'ok');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function caBundleOf(objects: readonly KubeJson[], kind: string, name: string): string {
  return Buffer.from(String(at(only(objects, kind, name), 'webhooks', 0, 'clientConfig', 'caBundle')), 'base64').toString('utf8');
}

async function rsaAnchorPem(): Promise<string> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=rsa-root', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3600_000),
    signingAlgorithm: algorithm, keys, extensions: [new x509.BasicConstraintsExtension(true, 1, true)],
  });
  return certificate.toString('pem') + '\n';
}

describe('install certificates', function () {
  this.timeout(60_000);

  describe('generated', () => {
    let objects: KubeJson[];
    before(async () => { objects = await rendered(); });

    it('names the anchor root.linkerd.cluster.local and the issuer identity.linkerd.cluster.local, and they chain', () => {
      const anchors = String(at(only(objects, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt'));
      const issuer = only(objects, 'Secret', 'linkerd-identity-issuer');
      assert.equal(subjectCn(anchors), 'root.linkerd.cluster.local');
      assert.equal(subjectCn(secretText(issuer, 'crt.pem')), 'identity.linkerd.cluster.local');
      const loaded = validateIssuer({ source: 'the issuer Secret', certificatePem: secretText(issuer, 'crt.pem'), keyPem: secretText(issuer, 'key.pem') },
        parseTrustAnchors(anchors), new Date());
      assert.ok(loaded.notAfter.getTime() > Date.now() + 300 * 24 * 3600_000, 'the issuer lasts about a year');
      const values = parse(String(at(only(objects, 'ConfigMap', 'linkerd-config'), 'data', 'values'))) as Record<string, unknown>;
      assert.equal(at(values, 'identity', 'issuer', 'tls', 'crtPEM'), secretText(issuer, 'crt.pem'));
    });

    it('follows the namespace and trust domain into the names', async () => {
      const custom = await rendered('-L', 'mesh', '--identity-trust-domain', 'example.org');
      assert.equal(subjectCn(String(at(only(custom, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt'))), 'root.mesh.example.org');
      assert.equal(subjectCn(secretText(only(custom, 'Secret', 'linkerd-identity-issuer'), 'crt.pem')), 'identity.mesh.example.org');
    });

    it('makes a new anchor each time and says so', async () => {
      const again = await runInstall('--ignore-cluster');
      assert.match(again.err, /Generated a new trust anchor root\.linkerd\.cluster\.local and issuer identity\.linkerd\.cluster\.local/);
      const anchorsOf = (from: readonly KubeJson[]): string => String(at(only(from, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt'));
      assert.notEqual(anchorsOf(objectsOf(again.out)), anchorsOf(objects));
      assert.equal(subjectCn(anchorsOf(objectsOf(again.out))), subjectCn(anchorsOf(objects)));
    });

    for (const [kind, configuration, secret, name] of [
      ['MutatingWebhookConfiguration', 'linkerd-proxy-injector-webhook-config', 'linkerd-proxy-injector-k8s-tls', 'linkerd-proxy-injector.linkerd.svc'],
      ['ValidatingWebhookConfiguration', 'linkerd-sp-validator-webhook-config', 'linkerd-policy-validator-k8s-tls', 'linkerd-sp-validator.linkerd.svc'],
      ['ValidatingWebhookConfiguration', 'linkerd-policy-validator-webhook-config', 'linkerd-policy-validator-k8s-tls', 'linkerd-policy-validator.linkerd.svc'],
    ] as const) {
      it(`${configuration}'s caBundle accepts the served certificate (Secret ${secret}) for ${name}`, async () => {
        const ca = caBundleOf(objects, kind, configuration);
        await handshake(only(objects, 'Secret', secret), ca, name);
        await assert.rejects(handshake(only(objects, 'Secret', secret), ca, 'linkerd-dst.linkerd.svc'), /altnames|Hostname/i);
        assert.equal(secretText(only(objects, 'Secret', secret), 'ca.crt'), ca);
      });
    }

    it('gives the sp-validator Secret the same certificate as the policy-validator one, which one server presents for both', () => {
      assert.equal(secretText(only(objects, 'Secret', 'linkerd-sp-validator-k8s-tls'), 'tls.crt'), secretText(only(objects, 'Secret', 'linkerd-policy-validator-k8s-tls'), 'tls.crt'));
      const certificate = new X509Certificate(secretText(only(objects, 'Secret', 'linkerd-sp-validator-k8s-tls'), 'tls.crt'));
      assert.equal(certificate.subjectAltName, 'DNS:linkerd-policy-validator.linkerd.svc, DNS:linkerd-sp-validator.linkerd.svc');
      assert.equal(certificate.ca, false);
    });
  });

  describe('given as files', () => {
    let dir: string;
    beforeEach(() => { dir = tempDir('sinew-install-certs-'); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function write(name: string, text: string): string {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    }

    async function pair(prefix: string, options: { now?: Date; issuerLifetimeMs?: number } = {}): Promise<{ anchors: string; crt: string; key: string }> {
      const ca = await generateCa({ domain: { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' }, ...options });
      return { anchors: write(`${prefix}-ca.crt`, ca.anchorPem), crt: write(`${prefix}-issuer.crt`, ca.issuerPem), key: write(`${prefix}-issuer.key`, ca.issuerKeyPem) };
    }

    function flags(files: { anchors: string; crt: string; key: string }): string[] {
      return ['--identity-trust-anchors-file', files.anchors, '--identity-issuer-certificate-file', files.crt, '--identity-issuer-key-file', files.key];
    }

    it('renders the operator\'s anchors and issuer as they are, generating nothing', async () => {
      const files = await pair('good');
      const result = await runInstall('--ignore-cluster', ...flags(files));
      assert.equal(result.code, 0, result.err);
      assert.doesNotMatch(result.err, /Generated/);
      const objects = objectsOf(result.out);
      assert.equal(String(at(only(objects, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt')), fs.readFileSync(files.anchors, 'utf8'));
      assert.equal(secretText(only(objects, 'Secret', 'linkerd-identity-issuer'), 'crt.pem'), fs.readFileSync(files.crt, 'utf8'));
      assert.equal(secretText(only(objects, 'Secret', 'linkerd-identity-issuer'), 'key.pem'), fs.readFileSync(files.key, 'utf8'));
    });

    it('refuses an issuer that does not chain to the anchors, naming the file', async () => {
      const ours = await pair('ours');
      const theirs = await pair('theirs');
      await assert.rejects(runInstall('--ignore-cluster', ...flags({ ...ours, crt: theirs.crt, key: theirs.key })),
        (error: Error) => error.message.includes(theirs.crt) && /does not chain to the trust anchors/.test(error.message));
    });

    it('refuses an expired issuer', async () => {
      const old = await pair('old', { now: new Date(Date.now() - 48 * 3600_000), issuerLifetimeMs: 3600_000 });
      await assert.rejects(runInstall('--ignore-cluster', ...flags(old)), /issuer certificate CN=identity\.linkerd\.cluster\.local expired at/);
    });

    it('refuses a key that is not the issuer\'s', async () => {
      const ours = await pair('ours');
      const theirs = await pair('theirs');
      await assert.rejects(runInstall('--ignore-cluster', ...flags({ ...ours, key: theirs.key })), /the issuer key does not belong to the issuer certificate/);
    });

    it('refuses a trust anchor that is not ECDSA P-256', async () => {
      const ours = await pair('ours');
      const rsa = write('rsa.crt', await rsaAnchorPem());
      await assert.rejects(runInstall('--ignore-cluster', ...flags({ ...ours, anchors: rsa })),
        (error: Error) => error.message.includes(rsa) && /has an RSA 2048 key; trust anchors must be ECDSA P-256/.test(error.message));
    });

    it('refuses files that are not PEM, or missing, naming the flag and file', async () => {
      const ours = await pair('ours');
      const junk = write('junk.crt', 'not a certificate\n');
      await assert.rejects(runInstall('--ignore-cluster', ...flags({ ...ours, anchors: junk })), (error: Error) => error.message.includes(junk));
      const missing = path.join(dir, 'missing.key');
      await assert.rejects(runInstall('--ignore-cluster', ...flags({ ...ours, key: missing })),
        (error: Error) => error.message.startsWith(`--identity-issuer-key-file ${missing}: cannot be read`));
      await assert.rejects(runInstall('--ignore-cluster', ...flags({ ...ours, crt: junk })), /junk\.crt/);
    });

    it('wants all three files or none', async () => {
      const ours = await pair('ours');
      await assert.rejects(runInstall('--ignore-cluster', '--identity-trust-anchors-file', ours.anchors),
        (error: Error) => error instanceof UsageError && /missing --identity-issuer-certificate-file, --identity-issuer-key-file/.test(error.message));
    });
  });
});
