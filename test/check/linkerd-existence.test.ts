import assert from 'node:assert/strict';
import { linkerdExistenceChecks } from '../../src/check/linkerd-existence.js';
import { checkOptions, configMap, connectedFacts, deployment, namespaceObject, podObject, resultOf, runCategories, startCluster, type TestCluster } from './check-harness.js';

const components = [['linkerd-destination', 'destination'], ['linkerd-identity', 'identity'], ['linkerd-proxy-injector', 'proxy-injector']] as const;

describe('linkerd-existence checks', function () {
  this.timeout(30_000);
  let cluster: TestCluster;

  beforeEach(async () => {
    cluster = await startCluster();
    cluster.applier.applyObject(namespaceObject('linkerd'));
    cluster.applier.applyObject(configMap('linkerd', 'linkerd-config', { values: 'linkerdVersion: v0.1.0\n' }));
    for (const [name, component] of components) cluster.applier.applyObject(deployment('linkerd', name, component));
  });
  afterEach(() => cluster.stop());

  function runPods(ready: boolean, sidecarReady = ready): void {
    for (const [name, component] of components) {
      const labels = { 'linkerd.io/control-plane-component': component, 'linkerd.io/control-plane-ns': 'linkerd' };
      const pod = podObject('linkerd', `${name}-7d9f8c-abcde`, { labels, containers: [component], sidecars: ['linkerd-proxy'], ready });
      const statuses = (pod.status as { initContainerStatuses: { ready: boolean }[] }).initContainerStatuses;
      for (const status of statuses) status.ready = sidecarReady;
      cluster.applier.applyObject(pod);
    }
  }

  const run = (waitMs = 0) => runCategories([linkerdExistenceChecks(checkOptions(), connectedFacts(cluster.reader))], waitMs);

  it('passes when every control-plane Deployment has a running pod with all containers ready', async () => {
    runPods(true);
    const { results, summary } = await run();
    assert.deepEqual(results.map((r) => [r.description, r.error]), [
      ["'linkerd-config' config map exists", undefined],
      ['control plane replica sets are ready', undefined],
      ['no unschedulable pods', undefined],
      ['control plane pods are ready', undefined],
    ]);
    assert.equal(summary.success, true);
  });

  it('fails on a missing linkerd-config, with its hint', async () => {
    cluster.api.delete('configmaps', 'linkerd', 'linkerd-config');
    const { results } = await run();
    assert.deepEqual([results.length, results[0]?.error, results[0]?.hintUrl],
      [1, 'configmaps "linkerd-config" not found', 'https://linkerd.io/2/checks/#l5d-existence-linkerd-config']);
  });

  it('fails when a component has no running pod, or a container (the native-sidecar proxy too) is not ready', async () => {
    const none = resultOf(await run(), 'control plane pods are ready');
    assert.equal(none.error, 'No running pods for "linkerd-destination"');
    assert.equal(none.hintUrl, 'https://linkerd.io/2/checks/#l5d-api-control-ready');
    runPods(true, false);
    assert.equal(resultOf(await run(), 'control plane pods are ready').error, 'pod/linkerd-destination-7d9f8c-abcde container linkerd-proxy is not ready');
  });

  it('waits with --wait until the pods become ready, showing why it waits', async () => {
    runPods(false);
    setTimeout(() => runPods(true), 150);
    const { reports, results, summary } = await run(10_000);
    assert.equal(resultOf({ reports, results, summary }, 'control plane pods are ready').error, undefined);
    const waits = reports.filter((r) => r.retry);
    assert.ok(waits.length >= 1);
    assert.equal(waits[0]?.error, 'pod/linkerd-destination-7d9f8c-abcde container linkerd-proxy is not ready');
    assert.equal(summary.success, true);
  });

  it('warns about pods the scheduler cannot place', async () => {
    runPods(true);
    cluster.applier.applyObject({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'linkerd-identity-7d9f8c-zzzzz', namespace: 'linkerd' },
      spec: { containers: [{ name: 'identity' }] },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] },
    });
    const run1 = await run();
    const warned = resultOf(run1, 'no unschedulable pods');
    assert.deepEqual([warned.warning, warned.error], [true, 'linkerd-identity-7d9f8c-zzzzz: 0/3 nodes are available']);
    assert.deepEqual(run1.summary, { success: true, warning: true });
  });
});
