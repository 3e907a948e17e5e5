/**
 * `sinew viz uninstall` against the fake API server prints exactly the objects `sinew viz install`
 * created (whatever its flags), workloads first and the namespace last, and nothing of the control
 * plane beside it; deleting what it prints leaves nothing of viz behind.
 */
import assert from 'node:assert/strict';
import { vizUninstallRefs } from '../../src/install/viz-uninstall-manifests.js';
import { describeRef } from '../../src/install/manifest.js';
import type { FakeApiServer } from '../support/fake-api-server.js';
import { apply, installedObjects, kubeconfigFor, remove, startInstallCluster } from '../install/fake-cluster.js';
import { type KubeJson, objectsOf, rendered } from '../install/install-run.js';
import { type AnchorsFile, anchorsFile, refsOf, renderedViz, runVizUninstall } from './install-harness.js';

describe('sinew viz uninstall', function () {
  this.timeout(30_000);
  let server: FakeApiServer;
  let kubeconfig: string;
  let anchors: AnchorsFile;
  let controlPlane: string[];

  beforeEach(async () => {
    server = await startInstallCluster();
    anchors = await anchorsFile();
    kubeconfig = kubeconfigFor(server, anchors.dir);
    apply(server, await rendered());
    controlPlane = installedObjects(server);
  });
  afterEach(async () => {
    await server.close();
    anchors.remove();
  });

  async function install(...args: string[]): Promise<KubeJson[]> {
    const objects = await renderedViz(anchors, ...args);
    apply(server, objects);
    return objects;
  }

  const variants: readonly (readonly string[])[] = [[], ['--ha'], ['--prometheus-url', 'http://prom.example:9090'], ['--ha', '--viz-namespace', 'obs']];
  for (const args of variants) {
    it(`lists exactly what viz install ${args.join(' ') || '(defaults)'} created, and deleting it leaves the control plane alone`, async () => {
      const installed = await install(...args);
      const result = await runVizUninstall('--kubeconfig', kubeconfig);
      assert.equal(result.code, 0, result.err);
      const listed = objectsOf(result.out);
      assert.deepEqual([...refsOf(listed)].sort(), [...refsOf(installed)].sort());
      assert.equal(listed[listed.length - 1]?.kind, 'Namespace');
      const kinds = listed.map((object) => object.kind);
      const lastWorkload = Math.max(kinds.lastIndexOf('Deployment'), kinds.lastIndexOf('PodDisruptionBudget'));
      assert.ok(lastWorkload < kinds.indexOf('Service') && kinds.indexOf('Service') < kinds.indexOf('ClusterRoleBinding'), kinds.join());
      remove(server, listed);
      assert.deepEqual(installedObjects(server), controlPlane);
    });
  }

  it('finds the viz namespace by its label, and takes --viz-namespace when given', async () => {
    await install('--viz-namespace', 'obs');
    const found = objectsOf((await runVizUninstall('--kubeconfig', kubeconfig)).out);
    assert.ok(found.some((object) => object.kind === 'Namespace' && object.metadata.name === 'obs'));
    const elsewhere = await runVizUninstall('--kubeconfig', kubeconfig, '--viz-namespace', 'linkerd-viz');
    assert.equal(elsewhere.code, 0);
    assert.equal(elsewhere.out, '');
    assert.equal(elsewhere.err, 'Nothing to uninstall: no viz extension in namespace linkerd-viz.\n');
  });

  it('names every object an install can create, in the reverse of install order', async () => {
    const superset = await renderedViz(anchors, '--ha');
    assert.deepEqual(vizUninstallRefs('linkerd-viz').map(describeRef), refsOf(superset).reverse());
  });

  it('says the cluster cannot be read when the API server is down, and refuses a bad namespace flag', async () => {
    await server.close();
    const result = await runVizUninstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.match(result.err, /^Unable to uninstall the viz extension: cannot read the Kubernetes cluster:\n\nGET \/api\/v1\/namespaces/);
    await assert.rejects(runVizUninstall('--viz-namespace', 'Bad_NS'), /--viz-namespace must be a DNS label/);
    server = await startInstallCluster();
  });
});
