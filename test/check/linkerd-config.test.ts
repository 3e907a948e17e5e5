import assert from 'node:assert/strict';
import type { ExpectedCrd } from '../../src/check/expected-crds.js';
import { readExpectedCrds } from '../../src/check/expected-crds.js';
import { expectedClusterRbac, linkerdConfigChecks, linkerdCrdChecks } from '../../src/check/linkerd-config.js';
import type { KubeObject } from '../support/fake-api-server.js';
import { checkOptions, connectedFacts, namespaceObject, resultOf, runCategories, startCluster, type TestCluster, webhookConfiguration } from './check-harness.js';

const labels = { 'linkerd.io/control-plane-ns': 'linkerd' };

function crd(name: string, versions: readonly string[]): KubeObject {
  const [plural, ...group] = name.split('.');
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name, labels },
    spec: {
      group: group.join('.'), scope: 'Namespaced', names: { plural, kind: `K${plural ?? ''}` },
      versions: versions.map((version, index) => ({ name: version, served: true, storage: index === 0 })),
    },
  };
}

describe('linkerd-config checks', function () {
  this.timeout(30_000);
  let cluster: TestCluster;
  const expected: readonly ExpectedCrd[] = [{ name: 'servers.policy.linkerd.io', versions: ['v1beta3', 'v1beta2'] }, { name: 'serviceprofiles.linkerd.io', versions: ['v1alpha2'] }];

  beforeEach(async () => { cluster = await startCluster(); });
  afterEach(() => cluster.stop());

  function installAll(): void {
    const { applier } = cluster;
    applier.applyObject(namespaceObject('linkerd'));
    for (const name of expectedClusterRbac('linkerd')) {
      applier.applyObject({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules: [] });
      applier.applyObject({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects: [] });
    }
    for (const name of ['linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector']) {
      applier.applyObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'linkerd', labels } });
    }
    for (const c of expected) applier.applyObject(crd(c.name, c.versions));
    applier.applyObject(webhookConfiguration('Mutating', 'linkerd-proxy-injector-webhook-config', 'unused'));
    applier.applyObject(webhookConfiguration('Validating', 'linkerd-sp-validator-webhook-config', 'unused'));
    applier.applyObject(webhookConfiguration('Validating', 'linkerd-policy-validator-webhook-config', 'unused'));
  }

  const run = () => runCategories([linkerdConfigChecks(checkOptions(), connectedFacts(cluster.reader), () => expected)]);

  it('passes when the namespace, RBAC, ServiceAccounts, CRDs and webhook configurations are all there', async () => {
    installAll();
    const { results, summary } = await run();
    assert.deepEqual(results.map((r) => [r.description, r.error]), [
      ['control plane Namespace exists', undefined],
      ['control plane ClusterRoles exist', undefined],
      ['control plane ClusterRoleBindings exist', undefined],
      ['control plane ServiceAccounts exist', undefined],
      ['control plane CustomResourceDefinitions exist', undefined],
      ['control plane MutatingWebhookConfigurations exist', undefined],
      ['control plane ValidatingWebhookConfigurations exist', undefined],
    ]);
    assert.equal(summary.success, true);
  });

  it('fails first, and fatally, on a missing namespace, with its hint', async () => {
    const { results, summary } = await run();
    assert.equal(results.length, 1);
    assert.deepEqual(results[0], {
      category: 'linkerd-config', description: 'control plane Namespace exists', hintUrl: 'https://linkerd.io/2/checks/#l5d-existence-ns',
      warning: false, retry: false, error: 'The "linkerd" namespace does not exist',
    });
    assert.equal(summary.success, false);
  });

  it('names each missing ClusterRole, ServiceAccount and webhook configuration', async () => {
    installAll();
    cluster.api.delete({ group: 'rbac.authorization.k8s.io', plural: 'clusterroles' }, undefined, 'linkerd-linkerd-identity');
    assert.equal(resultOf(await run(), 'control plane ClusterRoles exist').error, 'missing ClusterRoles: linkerd-linkerd-identity');
    installAll();
    cluster.api.delete('serviceaccounts', 'linkerd', 'linkerd-proxy-injector');
    assert.equal(resultOf(await run(), 'control plane ServiceAccounts exist').error, 'missing ServiceAccounts: linkerd-proxy-injector');
    installAll();
    cluster.api.delete({ group: 'admissionregistration.k8s.io', plural: 'validatingwebhookconfigurations' }, undefined, 'linkerd-sp-validator-webhook-config');
    assert.equal(resultOf(await run(), 'control plane ValidatingWebhookConfigurations exist').error,
      'missing ValidatingWebhookConfigurations: linkerd-sp-validator-webhook-config');
  });

  it('fails on a missing CRD, and on a CRD that does not serve a version the CLI installs', async () => {
    installAll();
    cluster.api.delete({ group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions' }, undefined, 'serviceprofiles.linkerd.io');
    const missing = resultOf(await run(), 'control plane CustomResourceDefinitions exist');
    assert.equal(missing.error, 'missing CustomResourceDefinitions: serviceprofiles.linkerd.io');
    assert.equal(missing.hintUrl, 'https://linkerd.io/2/checks/#l5d-existence-crd');
    installAll();
    cluster.applier.applyObject(crd('servers.policy.linkerd.io', ['v1beta1']));
    assert.equal(resultOf(await run(), 'control plane CustomResourceDefinitions exist').error,
      'CustomResourceDefinitions of another version are installed:\n\tservers.policy.linkerd.io does not serve v1beta3, v1beta2 (it serves v1beta1)');
  });

  it('checks the CRDs alone for --crds', async () => {
    for (const c of expected) cluster.applier.applyObject(crd(c.name, c.versions));
    const { results } = await runCategories([linkerdCrdChecks(connectedFacts(cluster.reader), () => expected)]);
    assert.deepEqual(results.map((r) => [r.category, r.description, r.error]), [['linkerd-crds', 'control plane CustomResourceDefinitions exist', undefined]]);
  });

  it('expects the CRDs of manifests/crds, at the versions they serve', () => {
    const crds = readExpectedCrds();
    assert.deepEqual(crds.map((c) => c.name), [
      'authorizationpolicies.policy.linkerd.io', 'httproutes.policy.linkerd.io', 'meshtlsauthentications.policy.linkerd.io',
      'networkauthentications.policy.linkerd.io', 'serverauthorizations.policy.linkerd.io', 'servers.policy.linkerd.io', 'serviceprofiles.linkerd.io',
    ]);
    assert.deepEqual(crds.find((c) => c.name === 'servers.policy.linkerd.io')?.versions, ['v1beta3', 'v1beta2', 'v1beta1', 'v1alpha1']);
  });
});
