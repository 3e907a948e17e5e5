import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { generateCa } from '../../src/identity/generate-ca.js';
import { validateIssuer } from '../../src/identity/issuer.js';
import { parseTrustAnchors } from '../../src/identity/trust-anchors.js';
import { x509 } from '../../src/identity/x509.js';

describe('generating a CA', function () {
  this.timeout(60_000);

  it('makes a P-256 anchor and issuer named as Linkerd names them, that validate as an issuer pair', async () => {
    const now = new Date();
    const ca = await generateCa({ domain: { controllerNamespace: 'mesh', trustDomain: 'example.org' }, now });
    assert.equal(ca.anchorName, 'root.mesh.example.org');
    assert.equal(ca.issuerName, 'identity.mesh.example.org');
    const anchors = parseTrustAnchors(ca.anchorPem);
    assert.equal(anchors.certificates[0]?.subject, 'CN=root.mesh.example.org');
    const issuer = validateIssuer({ source: 'generated', certificatePem: ca.issuerPem, keyPem: ca.issuerKeyPem }, anchors, now);
    assert.equal(issuer.certificate.subject, 'CN=identity.mesh.example.org');
    assert.equal(issuer.certificate.issuer, 'CN=root.mesh.example.org');
    assert.ok(issuer.keyIdentifier !== undefined);
    for (const pem of [ca.anchorKeyPem, ca.issuerKeyPem]) {
      assert.match(pem, /^-----BEGIN EC PRIVATE KEY-----/);
      assert.equal(createPrivateKey(pem).asymmetricKeyDetails?.namedCurve, 'prime256v1');
    }
  });

  it('gives the anchor path length 1 and the issuer 0, 10 years and 1 year by default, the issuer never past the anchor', async () => {
    const ca = await generateCa({ domain: { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' } });
    const anchor = new x509.X509Certificate(ca.anchorPem);
    const issuer = new x509.X509Certificate(ca.issuerPem);
    const constraints = (certificate: InstanceType<typeof x509.X509Certificate>): unknown => {
      const extension = certificate.getExtension('2.5.29.19');
      return extension instanceof x509.BasicConstraintsExtension ? [extension.ca, extension.pathLength, extension.critical] : undefined;
    };
    assert.deepEqual(constraints(anchor), [true, 1, true]);
    assert.deepEqual(constraints(issuer), [true, 0, true]);
    assert.equal(anchor.notAfter.getTime() - anchor.notBefore.getTime(), 87_600 * 3600_000);
    assert.equal(issuer.notAfter.getTime() - issuer.notBefore.getTime(), 8_760 * 3600_000);
    const short = await generateCa({ domain: { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' }, anchorLifetimeMs: 3600_000, issuerLifetimeMs: 7200_000 });
    assert.equal(new X509Certificate(short.issuerPem).validTo, new X509Certificate(short.anchorPem).validTo);
  });
});
