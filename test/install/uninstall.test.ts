/**
 * `sinew uninstall` against the fake API server: it refuses while meshed pods remain outside the
 * control plane's namespace (naming them) unless --force, and otherwise prints exactly the
 * install's objects that exist, webhooks first and CRDs last, so that deleting what it prints
 * leaves nothing of the install behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { controlPlaneManifests } from '../../src/install/control-plane-manifests.js';
import { crdManifests } from '../../src/install/crd-manifests.js';
import { defaultInstallValues, haValues } from '../../src/install/install-values.js';
import { describeRef, refOf } from '../../src/install/manifest.js';
import { uninstallRefs } from '../../src/install/uninstall-manifests.js';
import { installMaterial } from '../../src/install/certificates.js';
import { UsageError } from '../../src/cli/usage-error.js';
import type { FakeApiServer } from '../support/fake-api-server.js';
import { tempDir } from '../support/engine-harness.js';
import { apply, installedObjects, kubeconfigFor, meshedPod, remove, startInstallCluster } from './fake-cluster.js';
import { type KubeJson, objectsOf, rendered, runUninstall } from './install-run.js';

describe('sinew uninstall', function () {
  this.timeout(30_000);
  let server: FakeApiServer;
  let dir: string;
  let kubeconfig: string;
  let installed: KubeJson[];

  async function install(...args: string[]): Promise<KubeJson[]> {
    const objects = [...(await rendered('--crds', ...args)), ...(await rendered(...args))];
    apply(server, objects);
    return objects;
  }

  beforeEach(async () => {
    server = await startInstallCluster();
    dir = tempDir('sinew-uninstall-');
    kubeconfig = kubeconfigFor(server, dir);
    installed = await install();
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses while meshed pods run outside the control plane\'s namespace, naming them and printing nothing', async () => {
    server.create('pods', meshedPod('shop', 'web-0'));
    server.create('pods', meshedPod('shop', 'api-1'));
    server.create('pods', meshedPod('linkerd', 'linkerd-destination-abc'));
    server.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'app' }] } });
    const result = await runUninstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.equal(result.out, '');
    assert.equal(result.err, 'Please uninject the following pods before uninstalling the control-plane:\n\t* shop/api-1\n\t* shop/web-0\n'
      + 'Or run `sinew uninstall --force` to uninstall anyway; their proxies will stop working.\n');
    const asked = server.requests({ path: '/api/v1/pods' });
    assert.equal(asked[0]?.query['labelSelector'], 'linkerd.io/control-plane-ns');
  });

  it('prints everything with --force, meshed pods or not', async () => {
    server.create('pods', meshedPod('shop', 'web-0'));
    for (const force of ['--force', '-f']) {
      const result = await runUninstall('--kubeconfig', kubeconfig, force);
      assert.equal(result.code, 0, result.err);
      assert.equal(objectsOf(result.out).length, installed.length);
    }
  });

  it('prints exactly the installed objects, webhooks first, the namespace after what lives in it, CRDs last', async () => {
    const result = await runUninstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 0, result.err);
    const printed = objectsOf(result.out);
    assert.deepEqual(printed.map((object) => describeRef(object)).sort(), installed.map((object) => describeRef(refOf(object))).sort());
    assert.ok(printed.every((object) => Object.keys(object).sort().join() === 'apiVersion,kind,metadata'), 'only what names each object');
    const kinds = printed.map((object) => object.kind);
    assert.deepEqual(kinds.slice(0, 3), ['ValidatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);
    assert.ok(kinds.indexOf('Namespace') > kinds.lastIndexOf('Deployment') && kinds.indexOf('Namespace') > kinds.lastIndexOf('Secret'));
    assert.deepEqual(kinds.slice(-7), Array(7).fill('CustomResourceDefinition'));
    assert.ok(!kinds.includes('PodDisruptionBudget'), 'no budget was installed without --ha, so none is listed');
  });

  it('leaves nothing of the install once what it prints is deleted', async () => {
    assert.ok(installedObjects(server).length > 0);
    remove(server, objectsOf((await runUninstall('--kubeconfig', kubeconfig)).out));
    assert.deepEqual(installedObjects(server), []);
    const again = await runUninstall('--kubeconfig', kubeconfig);
    assert.equal(again.code, 0);
    assert.equal(again.out, '');
    assert.equal(again.err, 'Nothing to uninstall: no Sinew control plane in namespace linkerd and no Sinew CRDs.\n');
  });

  it('finds an HA control plane in another namespace with -L, budgets included, and prints JSON with -o json', async () => {
    const other = await install('--ha', '-L', 'mesh');
    const result = await runUninstall('--kubeconfig', kubeconfig, '-L', 'mesh', '-o', 'json');
    assert.equal(result.code, 0, result.err);
    const list = JSON.parse(result.out) as { kind: string; items: KubeJson[] };
    assert.equal(list.kind, 'List');
    const controlPlane = other.filter((object) => object.kind !== 'CustomResourceDefinition');
    assert.deepEqual(list.items.filter((object) => object.kind !== 'CustomResourceDefinition').map((object) => describeRef(object)).sort(),
      controlPlane.map((object) => describeRef(refOf(object))).sort());
    assert.ok(list.items.some((object) => object.kind === 'PodDisruptionBudget' && object.metadata.name === 'linkerd-dst'));
  });

  it('says when the cluster cannot be read', async () => {
    await server.close();
    const result = await runUninstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.match(result.err, /^Unable to uninstall: cannot read the Kubernetes cluster:\n\nGET \/api\/v1\/pods/);
    server = await startInstallCluster();
  });

  it('refuses bad flags with usage errors', async () => {
    await assert.rejects(runUninstall('-L', 'Bad_Name'), (error: Error) => error instanceof UsageError && /--linkerd-namespace must be a DNS label/.test(error.message));
    await assert.rejects(runUninstall('-o', 'xml'), (error: Error) => error instanceof UsageError && /--output must be one of yaml, json/.test(error.message));
    assert.match((await runUninstall('--help')).out, /sinew uninstall \| kubectl delete -f -/);
  });
});

describe('the uninstall list', () => {
  it('names every object an install can create (with --ha or not) and every CRD, each once', async () => {
    for (const namespace of ['linkerd', 'mesh']) {
      const values = { ...defaultInstallValues('v0.0.0'), namespace };
      const material = await installMaterial(values, undefined);
      const everything = [...controlPlaneManifests(haValues(values), material), ...controlPlaneManifests(values, material), ...crdManifests(namespace)]
        .map((object) => describeRef(refOf(object)));
      const listed = uninstallRefs(namespace, crdManifests(namespace)).map(describeRef);
      assert.equal(new Set(listed).size, listed.length, 'no object twice');
      assert.deepEqual([...new Set(everything)].sort(), [...listed].sort());
    }
  });
});
