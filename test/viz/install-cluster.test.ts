/**
 * `sinew viz install` asks the API server before it renders: against the fake API server it refuses
 * while no control plane is installed, takes the installed control plane's trust anchors and
 * domains (an operator's file and flags win), and says how to go on when the cluster cannot be
 * reached or its control plane's configuration cannot be read.
 */
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { FakeApiServer } from '../support/fake-api-server.js';
import { apply, kubeconfigFor, startInstallCluster } from '../install/fake-cluster.js';
import { at, containerOf, type KubeJson, objectsOf, only, rendered } from '../install/install-run.js';
import { type AnchorsFile, anchorsFile, runVizInstall } from './install-harness.js';

describe('sinew viz install against a cluster', function () {
  this.timeout(30_000);
  let server: FakeApiServer;
  let kubeconfig: string;
  let anchors: AnchorsFile;

  beforeEach(async () => {
    server = await startInstallCluster();
    anchors = await anchorsFile();
    kubeconfig = kubeconfigFor(server, anchors.dir);
  });
  afterEach(async () => {
    await server.close();
    anchors.remove();
  });

  async function installControlPlane(...args: string[]): Promise<KubeJson[]> {
    const objects = await rendered(...args);
    apply(server, objects);
    return objects;
  }

  it('refuses while no control plane is installed, saying what to install first, and prints nothing', async () => {
    const result = await runVizInstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.equal(result.out, '');
    assert.equal(result.err, 'Cannot find the Sinew control plane in the \'linkerd\' namespace (no ConfigMap/linkerd-config).\nInstall it first: sinew install | kubectl apply -f -\n');
    assert.ok(server.requests({ path: '/api/v1/namespaces/linkerd/configmaps/linkerd-config' }).length > 0);
  });

  it('renders with the installed control plane\'s trust anchors and domains, and says what to run next', async () => {
    const controlPlane = await installControlPlane('-L', 'mesh', '--cluster-domain', 'corp.example', '--identity-trust-domain', 'trust.example');
    const roots = at(only(controlPlane, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt');
    const result = await runVizInstall('--kubeconfig', kubeconfig, '-L', 'mesh');
    assert.equal(result.code, 0, result.err);
    assert.equal(result.err, 'Rendering the Sinew viz extension in namespace linkerd-viz...\nNext, run `sinew viz check` to wait until it is ready.\n\n');
    const objects = objectsOf(result.out);
    assert.equal(at(only(objects, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt'), roots);
    const args = containerOf(only(objects, 'Deployment', 'tap'), 'tap')['args'] as string[];
    assert.ok(args.includes('--identity-addr=linkerd-identity-headless.mesh.svc.corp.example.:8080'), args.join(' '));
    assert.ok(args.includes('--identity-name=tap.linkerd-viz.serviceaccount.identity.mesh.trust.example'), args.join(' '));
  });

  it('lets the operator\'s trust anchors file and domain flags win over the cluster\'s', async () => {
    await installControlPlane();
    const result = await runVizInstall('--kubeconfig', kubeconfig, '--identity-trust-anchors-file', anchors.file, '--identity-trust-domain', 'other.example');
    assert.equal(result.code, 0, result.err);
    const objects = objectsOf(result.out);
    assert.equal(at(only(objects, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt'), anchors.pem);
    assert.ok((containerOf(only(objects, 'Deployment', 'tap'), 'tap')['args'] as string[]).includes('--identity-name=tap.linkerd-viz.serviceaccount.identity.linkerd.other.example'));
  });

  it('refuses a control plane whose configuration cannot be read, naming what is wrong', async () => {
    const controlPlane = await installControlPlane();
    const config = only(controlPlane, 'ConfigMap', 'linkerd-config');
    apply(server, [{ ...config, data: { values: 'clusterDomain: [unclosed' } }]);
    const notYaml = await runVizInstall('--kubeconfig', kubeconfig);
    assert.equal(notYaml.code, 1);
    assert.match(notYaml.err, /^Unable to install the viz extension: ConfigMap linkerd\/linkerd-config: its values key is not YAML/);
    apply(server, [{ ...config, data: { values: 'clusterDomain: "bad domain!"' } }]);
    const badDomain = await runVizInstall('--kubeconfig', kubeconfig);
    assert.match(badDomain.err, /clusterDomain "bad domain!" is not a DNS name/);
    apply(server, [{ ...config, data: { values: 'clusterDomain: cluster.local' } }]);
    apply(server, [{ ...only(controlPlane, 'ConfigMap', 'linkerd-identity-trust-roots'), data: { 'ca-bundle.crt': 'not a certificate' } }]);
    const badAnchors = await runVizInstall('--kubeconfig', kubeconfig);
    assert.equal(badAnchors.code, 1);
    assert.match(badAnchors.err, /the trust anchors of the control plane in linkerd: no PEM certificate found/);
    assert.equal(badAnchors.out, '');
  });

  it('says the cluster cannot be reached, and how to render anyway, when the API server is down', async () => {
    await server.close();
    const result = await runVizInstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.match(result.err, /^Unable to install the viz extension\. Cannot connect to the Kubernetes cluster:\n\nGET \/api\/v1\/namespaces\/linkerd\/configmaps\/linkerd-config/);
    assert.match(result.err, /--ignore-cluster flag \(with --identity-trust-anchors-file\)/);
    const ignoring = await runVizInstall('--kubeconfig', kubeconfig, '--ignore-cluster', '--identity-trust-anchors-file', anchors.file);
    assert.equal(ignoring.code, 0, ignoring.err);
    assert.ok(parseAllDocuments(ignoring.out).length > 15);
    server = await startInstallCluster();
  });

  it('asks nothing of the cluster with --ignore-cluster', async () => {
    const result = await runVizInstall('--kubeconfig', kubeconfig, '--ignore-cluster', '--identity-trust-anchors-file', anchors.file);
    assert.equal(result.code, 0, result.err);
    assert.equal(server.requests().length, 0);
  });
});
