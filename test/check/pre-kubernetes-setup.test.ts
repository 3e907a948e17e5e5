import assert from 'node:assert/strict';
import type { ClusterReader } from '../../src/check/cluster-reader.js';
import { preKubernetesSetupChecks } from '../../src/check/pre-kubernetes-setup.js';
import { clusterReader } from '../../src/check/cluster-reader.js';
import { kubeApiClient } from '../../src/informers/api-client.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { checkOptions, connectedFacts, namespaceObject, resultOf, runCategories, startCluster, type TestCluster } from './check-harness.js';

const expected = [{ name: 'servers.policy.linkerd.io', versions: ['v1beta3'] }];

function node(name: string, heartbeat: Date): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name },
    status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat.toISOString().replace(/\.\d{3}Z$/, 'Z') }] },
  };
}

/** A reader whose SelfSubjectAccessReviews answer `allowed` from a function of the resource. */
function reviewing(reader: ClusterReader, allowed: (resource: string, verb: string) => boolean): ClusterReader {
  return {
    ...reader,
    post: async (_path, body) => {
      const attributes = (body as { spec: { resourceAttributes: { resource: string; verb: string } } }).spec.resourceAttributes;
      const ok = allowed(attributes.resource, attributes.verb);
      return { status: 201, body: { status: { allowed: ok, ...(ok ? {} : { reason: `RBAC: ${attributes.verb} ${attributes.resource} not granted` }) } } };
    },
  };
}

describe('pre-kubernetes-setup checks', function () {
  this.timeout(30_000);
  let cluster: TestCluster;

  beforeEach(async () => {
    cluster = await startCluster();
    cluster.api.create('nodes', node('node-1', new Date()));
  });
  afterEach(() => cluster.stop());

  const run = (reader: ClusterReader = cluster.reader) =>
    runCategories([preKubernetesSetupChecks(checkOptions(), connectedFacts(reader), () => expected)]);

  it('passes on a cluster without the control plane, answering through discovery when SelfSubjectAccessReview is not served', async () => {
    const { results, summary } = await run();
    assert.deepEqual(results.map((r) => [r.description, r.hintUrl.replace(/^.*#/, ''), r.error]), [
      ['control plane namespace does not already exist', 'pre-ns', undefined],
      ['can create non-namespaced resources', 'pre-k8s-cluster-k8s', undefined],
      ['can create ServiceAccounts', 'pre-k8s', undefined],
      ['can create Services', 'pre-k8s', undefined],
      ['can create Deployments', 'pre-k8s', undefined],
      ['can create ConfigMaps', 'pre-k8s', undefined],
      ['can create Secrets', 'pre-k8s', undefined],
      ['can read Secrets', 'pre-k8s', undefined],
      ['no clock skew detected', 'pre-k8s-clock-skew', undefined],
      ['no CustomResourceDefinitions exist', 'pre-l5d-existence', undefined],
    ]);
    assert.ok(cluster.api.requests({ path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' }).length > 0, 'it asked first');
    assert.equal(summary.success, true);
  });

  it('fails when the control-plane namespace already exists', async () => {
    cluster.applier.applyObject(namespaceObject('linkerd'));
    assert.equal(resultOf(await run(), 'control plane namespace does not already exist').error, 'The "linkerd" namespace already exists');
  });

  it('fails what a SelfSubjectAccessReview denies, with the reviewer\'s reason', async () => {
    const { results, summary } = await run(reviewing(cluster.reader, (resource, verb) => !(resource === 'secrets' && verb === 'get') && resource !== 'clusterroles'));
    const failed = results.filter((r) => r.error !== undefined).map((r) => [r.description, r.error]);
    assert.deepEqual(failed, [
      ['can create non-namespaced resources', 'not authorized to create clusterroles.rbac.authorization.k8s.io: RBAC: create clusterroles not granted'],
      ['can read Secrets', 'not authorized to get secrets in namespace "linkerd": RBAC: get secrets not granted'],
    ]);
    assert.equal(summary.success, false);
  });

  it('fails through discovery when the server serves no such resource', async () => {
    const bare = await FakeApiServer.start();
    try {
      const reader = clusterReader(kubeApiClient(bare.kubeConfig()));
      const { results } = await runCategories([preKubernetesSetupChecks(checkOptions(), connectedFacts(reader), () => expected)]);
      assert.equal(results.find((r) => r.description === 'can create Services')?.error, undefined);
      assert.equal(results.find((r) => r.description === 'can create Deployments')?.error,
        'cannot create deployments.apps in namespace "linkerd": the API server does not serve SelfSubjectAccessReview, and its discovery does not offer that verb on that resource');
    } finally {
      await bare.close();
    }
  });

  it('warns about nodes whose clocks are off and about CRDs already installed', async () => {
    cluster.api.apply('nodes', node('node-2', new Date(Date.now() - 3600_000)));
    cluster.applier.applyObject({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'servers.policy.linkerd.io' },
      spec: { group: 'policy.linkerd.io', scope: 'Namespaced', names: { plural: 'servers', kind: 'Server' }, versions: [{ name: 'v1beta3', served: true, storage: true }] },
    });
    const run1 = await run();
    assert.equal(resultOf(run1, 'no clock skew detected').error, 'clock skew detected for node(s): node-2');
    assert.equal(resultOf(run1, 'no CustomResourceDefinitions exist').error, 'CustomResourceDefinitions found but should not exist: servers.policy.linkerd.io');
    assert.deepEqual(run1.summary, { success: true, warning: true });
  });
});
