import assert from 'node:assert/strict';
import { controlPlaneVersionChecks } from '../../src/check/control-plane-version.js';
import { readServerVersion } from '../../src/check/server-version.js';
import { checkOptions, configMap, connectedFacts, deployment, namespaceObject, resultOf, runCategories, startCluster, type TestCluster } from './check-harness.js';

describe('control-plane-version checks', function () {
  this.timeout(30_000);
  let cluster: TestCluster;

  beforeEach(async () => {
    cluster = await startCluster();
    cluster.applier.applyObject(namespaceObject('linkerd'));
  });
  afterEach(() => cluster.stop());

  const run = () => runCategories([controlPlaneVersionChecks(checkOptions({ cliVersion: 'v0.1.0' }), connectedFacts(cluster.reader))]);

  it('reads the version from linkerd-config and passes when it is the CLI\'s', async () => {
    cluster.applier.applyObject(configMap('linkerd', 'linkerd-config', { values: 'linkerdVersion: v0.1.0\nclusterDomain: cluster.local\n' }));
    const { results, summary } = await run();
    assert.deepEqual(results.map((r) => [r.description, r.error]), [
      ['can retrieve the control plane version', undefined], ['control plane and cli versions match', undefined],
    ]);
    assert.equal(summary.success, true);
  });

  it('warns when the control plane runs another version', async () => {
    cluster.applier.applyObject(configMap('linkerd', 'linkerd-config', { values: 'linkerdVersion: v0.0.9\n' }));
    const run1 = await run();
    const warned = resultOf(run1, 'control plane and cli versions match');
    assert.deepEqual([warned.warning, warned.error, warned.hintUrl], [true, 'control plane running v0.0.9 but cli running v0.1.0', 'https://linkerd.io/2/checks/#l5d-version-control']);
    assert.deepEqual(run1.summary, { success: true, warning: true });
  });

  it('falls back to the Deployments\' version label, and fails when nothing says', async () => {
    cluster.applier.applyObject(configMap('linkerd', 'linkerd-config', { values: 'clusterDomain: cluster.local\n' }));
    assert.match(resultOf(await run(), 'can retrieve the control plane version').error ?? '', /^neither configmap linkerd-config nor the control-plane Deployments say/);
    cluster.applier.applyObject(deployment('linkerd', 'linkerd-identity', 'identity', { 'app.kubernetes.io/version': 'v0.1.0' }));
    assert.equal(await readServerVersion(cluster.reader, 'linkerd', AbortSignal.timeout(5000)), 'v0.1.0');
  });
});
