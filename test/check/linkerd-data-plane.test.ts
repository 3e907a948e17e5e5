import assert from 'node:assert/strict';
import { linkerdDataPlaneChecks, linkerdIdentityDataPlaneChecks } from '../../src/check/linkerd-data-plane.js';
import { checkOptions, configMap, connectedFacts, namespaceObject, podObject, resultOf, runCategories, startCluster, type TestCluster } from './check-harness.js';

const meshed = { 'linkerd.io/control-plane-ns': 'linkerd', app: 'web' };

describe('linkerd-data-plane checks', function () {
  this.timeout(30_000);
  let cluster: TestCluster;

  beforeEach(async () => {
    cluster = await startCluster();
    cluster.applier.applyObject(namespaceObject('shop'));
    cluster.applier.applyObject(namespaceObject('linkerd'));
    cluster.applier.applyObject(configMap('linkerd', 'linkerd-identity-trust-roots', { 'ca-bundle.crt': 'ANCHORS\n' }));
  });
  afterEach(() => cluster.stop());

  function meshedPod(name: string, ready: boolean, version = 'v0.1.0', anchors = 'ANCHORS'): void {
    cluster.applier.applyObject(podObject('shop', name, {
      labels: meshed, annotations: { 'linkerd.io/proxy-version': version }, containers: ['web'], sidecars: ['linkerd-proxy'], ready,
      env: { 'linkerd-proxy': [{ name: 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS', value: anchors }] },
    }));
  }

  const run = (namespace: string | undefined = 'shop', waitMs = 0) => {
    const options = checkOptions({ dataPlaneNamespace: namespace });
    const facts = connectedFacts(cluster.reader);
    return runCategories([linkerdDataPlaneChecks(options, facts), linkerdIdentityDataPlaneChecks(options, facts)], waitMs);
  };

  it('passes when every injected pod runs a ready proxy of the CLI\'s version with the current anchors', async () => {
    meshedPod('web-1', true);
    cluster.applier.applyObject(podObject('shop', 'plain', { labels: { app: 'plain' }, containers: ['app'], ready: false }));
    const { results, summary } = await run();
    assert.deepEqual(results.map((r) => [r.category, r.description, r.error]), [
      ['linkerd-data-plane', 'data plane namespace exists', undefined],
      ['linkerd-data-plane', 'data plane proxies are ready', undefined],
      ['linkerd-data-plane', 'data plane and cli versions match', undefined],
      ['linkerd-identity-data-plane', 'data plane proxies certificate match CA', undefined],
    ]);
    assert.equal(summary.success, true);
  });

  it('fails on a missing namespace, no injected pods, or a proxy that is not ready', async () => {
    assert.equal(resultOf(await run('nowhere'), 'data plane namespace exists').error, 'The "nowhere" namespace does not exist');
    const none = resultOf(await run(), 'data plane proxies are ready');
    assert.deepEqual([none.error, none.hintUrl], ['No "linkerd-proxy" containers found in the "shop" namespace', 'https://linkerd.io/2/checks/#l5d-data-plane-ready']);
    meshedPod('web-1', false);
    assert.equal(resultOf(await run(undefined), 'data plane proxies are ready').error, 'The "linkerd-proxy" container in the "web-1" pod is not ready');
  });

  it('waits with --wait for proxies to become ready', async () => {
    meshedPod('web-1', false);
    setTimeout(() => meshedPod('web-1', true), 100);
    const { reports, summary } = await run('shop', 10_000);
    assert.ok(reports.some((r) => r.retry && r.error === 'waiting for check to complete'));
    assert.equal(summary.success, true);
  });

  it('warns on a proxy of another version and on a pod holding old trust anchors', async () => {
    meshedPod('web-1', true, 'v0.0.9', 'OLD ANCHORS');
    const run1 = await run();
    assert.equal(resultOf(run1, 'data plane and cli versions match').error, 'web-1 running v0.0.9 but cli running v0.1.0');
    assert.equal(resultOf(run1, 'data plane proxies certificate match CA').error,
      'Some pods do not have the current trust bundle and must be restarted:\n\t* web-1');
    assert.deepEqual(run1.summary, { success: true, warning: true });
  });
});
