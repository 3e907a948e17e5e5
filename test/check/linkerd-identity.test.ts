import assert from 'node:assert/strict';
import { linkerdIdentityChecks } from '../../src/check/linkerd-identity.js';
import { generateCa } from '../../src/identity/generate-ca.js';
import { childCa, rootCa } from '../identity/pki-fixtures.js';
import { checkOptions, configMap, connectedFacts, day, namespaceObject, resultOf, runCategories, secret, startCluster, type TestCluster } from './check-harness.js';

const domain = { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' };

describe('linkerd-identity checks', function () {
  this.timeout(30_000);
  let cluster: TestCluster;

  beforeEach(async () => {
    cluster = await startCluster();
    cluster.applier.applyObject(namespaceObject('linkerd'));
  });
  afterEach(() => cluster.stop());

  function install(anchorsPem: string, issuer: Record<string, string>): void {
    cluster.applier.applyObject(configMap('linkerd', 'linkerd-identity-trust-roots', { 'ca-bundle.crt': anchorsPem }));
    cluster.applier.applyObject(secret('linkerd', 'linkerd-identity-issuer', issuer));
  }

  const run = (now = new Date()) => runCategories([linkerdIdentityChecks(checkOptions({ now: () => now }), connectedFacts(cluster.reader))]);

  it('passes every check for a freshly generated anchor and issuer', async () => {
    const ca = await generateCa({ domain });
    install(ca.anchorPem, { 'crt.pem': ca.issuerPem, 'key.pem': ca.issuerKeyPem });
    const { results, summary } = await run();
    assert.deepEqual(results.map((r) => [r.description, r.error]), [
      ['certificate config is valid', undefined],
      ['trust anchors are using supported crypto algorithm', undefined],
      ['trust anchors are within their validity period', undefined],
      ['trust anchors are valid for at least 60 days', undefined],
      ['issuer cert is using supported crypto algorithm', undefined],
      ['issuer cert is within its validity period', undefined],
      ['issuer cert is valid for at least 60 days', undefined],
      ['issuer cert is issued by the trust anchor', undefined],
    ]);
    assert.deepEqual(summary, { success: true, warning: false });
  });

  it('reads a kubernetes.io/tls issuer Secret (tls.crt, tls.key) too', async () => {
    const ca = await generateCa({ domain });
    install(ca.anchorPem, { 'tls.crt': ca.issuerPem, 'tls.key': ca.issuerKeyPem, 'ca.crt': ca.anchorPem });
    assert.equal((await run()).summary.success, true);
  });

  it('fails, fatally, on an expired issuer with the validity hint', async () => {
    const ca = await generateCa({ domain, now: new Date(Date.now() - 40 * day), issuerLifetimeMs: 30 * day });
    install(ca.anchorPem, { 'crt.pem': ca.issuerPem, 'key.pem': ca.issuerKeyPem });
    const run1 = await run();
    const failed = resultOf(run1, 'issuer cert is within its validity period');
    assert.match(failed.error ?? '', /^issuer certificate expired at \d{4}-\d\d-\d\dT/);
    assert.equal(failed.hintUrl, 'https://linkerd.io/2/checks/#l5d-identity-issuer-cert-is-time-valid');
    assert.equal(failed.warning, false);
    assert.equal(run1.results[run1.results.length - 1], failed, 'nothing ran after the fatal failure');
    assert.equal(run1.summary.success, false);
  });

  it('warns, without failing, on an issuer that expires within 60 days', async () => {
    const ca = await generateCa({ domain, issuerLifetimeMs: 30 * day });
    install(ca.anchorPem, { 'crt.pem': ca.issuerPem, 'key.pem': ca.issuerKeyPem });
    const { summary, ...rest } = await run();
    const warned = resultOf({ summary, ...rest }, 'issuer cert is valid for at least 60 days');
    assert.match(warned.error ?? '', /^issuer certificate will expire on /);
    assert.equal(warned.warning, true);
    assert.deepEqual(summary, { success: true, warning: true });
  });

  it('fails an issuer that is not signed by the trust anchors', async () => {
    const ca = await generateCa({ domain });
    const other = await generateCa({ domain });
    install(other.anchorPem, { 'crt.pem': ca.issuerPem, 'key.pem': ca.issuerKeyPem });
    const failed = resultOf(await run(), 'issuer cert is issued by the trust anchor');
    assert.match(failed.error ?? '', /^issuer certificate CN=identity\.linkerd\.cluster\.local is not signed by a trust anchor/);
  });

  it('fails trust anchors with an unsupported key and an issuer with a key that is not P-256', async () => {
    const anchor = await rootCa({ key: 'p384' });
    const issuer = await childCa(anchor);
    install(anchor.pem, { 'crt.pem': issuer.pem, 'key.pem': issuer.keyPem });
    const failed = resultOf(await run(), 'trust anchors are using supported crypto algorithm');
    assert.match(failed.error ?? '', /^Invalid trustAnchors:\n\t\* \d+ root\.linkerd\.cluster\.local must use an ECDSA P-256 or an RSA 2048\/4096 public key, instead its key is ECDSA P-384$/);

    const rsaAnchor = await rootCa({ key: 'rsa2048' });
    const p384Issuer = await childCa(rsaAnchor, { key: 'p384' });
    install(rsaAnchor.pem, { 'crt.pem': p384Issuer.pem, 'key.pem': p384Issuer.keyPem });
    const second = await run();
    assert.equal(resultOf(second, 'trust anchors are using supported crypto algorithm').error, undefined);
    assert.equal(resultOf(second, 'issuer cert is using supported crypto algorithm').error,
      'issuer certificate must use an ECDSA P-256 public key, instead its key is ECDSA P-384');
  });

  it('fails on expired trust anchors and warns on anchors expiring soon', async () => {
    const expired = await rootCa({ notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) });
    const issuer = await childCa(expired);
    install(expired.pem, { 'crt.pem': issuer.pem, 'key.pem': issuer.keyPem });
    assert.match(resultOf(await run(), 'trust anchors are within their validity period').error ?? '', /^Invalid anchors:\n\t\* \d+ root\.linkerd\.cluster\.local expired at /);

    const soon = await rootCa({ notAfter: new Date(Date.now() + 10 * day) });
    const issuer2 = await childCa(soon, { notAfter: new Date(Date.now() + 9 * day) });
    install(soon.pem, { 'crt.pem': issuer2.pem, 'key.pem': issuer2.keyPem });
    const warned = resultOf(await run(), 'trust anchors are valid for at least 60 days');
    assert.match(warned.error ?? '', /^Anchors expiring soon:\n\t\* \d+ root\.linkerd\.cluster\.local will expire on /);
  });

  it('fails the config check when the issuer Secret is missing, or its key is not its certificate\'s', async () => {
    const ca = await generateCa({ domain });
    cluster.applier.applyObject(configMap('linkerd', 'linkerd-identity-trust-roots', { 'ca-bundle.crt': ca.anchorPem }));
    const missing = resultOf(await run(), 'certificate config is valid');
    assert.equal(missing.error, 'secrets "linkerd-identity-issuer" not found');
    assert.equal(missing.hintUrl, 'https://linkerd.io/2/checks/#l5d-identity-cert-config-valid');

    const other = await generateCa({ domain });
    install(ca.anchorPem, { 'crt.pem': ca.issuerPem, 'key.pem': other.issuerKeyPem });
    assert.match(resultOf(await run(), 'certificate config is valid').error ?? '',
      /^secret linkerd-identity-issuer key\.pem: the private key does not belong to the certificate CN=identity\.linkerd\.cluster\.local$/);
  });

  it('fails the config check when the trust roots ConfigMap has no bundle', async () => {
    cluster.applier.applyObject(configMap('linkerd', 'linkerd-identity-trust-roots', {}));
    assert.equal(resultOf(await run(), 'certificate config is valid').error, 'key ca-bundle.crt needs to exist in configmap linkerd-identity-trust-roots');
  });
});
