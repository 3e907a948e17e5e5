import assert from 'node:assert/strict';
import { linkerdWebhookChecks } from '../../src/check/linkerd-webhooks.js';
import { rootCa, type TestCa } from '../identity/pki-fixtures.js';
import { checkOptions, connectedFacts, day, resultOf, runCategories, servingCertificate, startCluster, type TestCluster, tlsSecret, webhookConfiguration } from './check-harness.js';

const hooks = [
  { component: 'proxy-injector', kind: 'Mutating', configuration: 'linkerd-proxy-injector-webhook-config', secret: 'linkerd-proxy-injector-k8s-tls', service: 'linkerd-proxy-injector' },
  { component: 'sp-validator', kind: 'Validating', configuration: 'linkerd-sp-validator-webhook-config', secret: 'linkerd-sp-validator-k8s-tls', service: 'linkerd-sp-validator' },
  { component: 'policy-validator', kind: 'Validating', configuration: 'linkerd-policy-validator-webhook-config', secret: 'linkerd-policy-validator-k8s-tls', service: 'linkerd-policy-validator' },
] as const;

describe('linkerd-webhooks-and-apisvc-tls checks', function () {
  this.timeout(30_000);
  let cluster: TestCluster;
  let ca: TestCa;

  beforeEach(async () => {
    cluster = await startCluster();
    ca = await rootCa({ name: 'webhook.linkerd.cluster.local', notAfter: new Date(Date.now() + 400 * day) });
  });
  afterEach(() => cluster.stop());

  async function install(options: { names?: (service: string) => string[]; notAfter?: Date; bundle?: string } = {}): Promise<void> {
    for (const hook of hooks) {
      const names = options.names?.(hook.service) ?? [`${hook.service}.linkerd.svc`];
      cluster.applier.applyObject(webhookConfiguration(hook.kind, hook.configuration, options.bundle ?? ca.pem));
      cluster.applier.applyObject(tlsSecret('linkerd', hook.secret, await servingCertificate(ca, names, options.notAfter)));
    }
  }

  const run = () => runCategories([linkerdWebhookChecks(checkOptions(), connectedFacts(cluster.reader))]);

  it('passes for serving certificates that name their Service and chain to the caBundle', async () => {
    await install();
    const { results, summary } = await run();
    assert.deepEqual(results.map((r) => [r.description, r.hintUrl.replace(/^.*#/, ''), r.error]), [
      ['proxy-injector webhook has valid cert', 'l5d-proxy-injector-webhook-cert-valid', undefined],
      ['proxy-injector cert is valid for at least 60 days', 'l5d-proxy-injector-webhook-cert-not-expiring-soon', undefined],
      ['sp-validator webhook has valid cert', 'l5d-sp-validator-webhook-cert-valid', undefined],
      ['sp-validator cert is valid for at least 60 days', 'l5d-sp-validator-webhook-cert-not-expiring-soon', undefined],
      ['policy-validator webhook has valid cert', 'l5d-policy-validator-webhook-cert-valid', undefined],
      ['policy-validator cert is valid for at least 60 days', 'l5d-policy-validator-webhook-cert-not-expiring-soon', undefined],
    ]);
    assert.equal(summary.success, true);
  });

  it('fails a certificate that does not name the webhook Service', async () => {
    await install({ names: () => ['somewhere.else.svc'] });
    const failed = resultOf(await run(), 'proxy-injector webhook has valid cert');
    assert.equal(failed.error, 'certificate is not valid for linkerd-proxy-injector.linkerd.svc (it names DNS:somewhere.else.svc)');
  });

  it('fails a certificate the caBundle did not issue', async () => {
    const other = await rootCa({ name: 'other.example' });
    await install({ bundle: other.pem });
    assert.match(resultOf(await run(), 'proxy-injector webhook has valid cert').error ?? '', /^cert is not issued by the trust anchor: CN=linkerd-proxy-injector\.linkerd\.svc is not signed by a trust anchor/);
  });

  it('warns on a certificate that expires within 60 days', async () => {
    await install({ notAfter: new Date(Date.now() + 20 * day) });
    const run1 = await run();
    const warned = resultOf(run1, 'sp-validator cert is valid for at least 60 days');
    assert.match(warned.error ?? '', /^certificate will expire on /);
    assert.deepEqual(run1.summary, { success: true, warning: true });
  });

  it('fails when the webhook configuration or its Secret is missing', async () => {
    assert.equal(resultOf(await run(), 'proxy-injector webhook has valid cert').error,
      'mutatingwebhookconfigurations.admissionregistration.k8s.io "linkerd-proxy-injector-webhook-config" not found');
    await install();
    cluster.api.delete('secrets', 'linkerd', 'linkerd-proxy-injector-k8s-tls');
    assert.equal(resultOf(await run(), 'proxy-injector webhook has valid cert').error, 'secrets "linkerd-proxy-injector-k8s-tls" not found');
  });
});
