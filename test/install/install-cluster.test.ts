/**
 * `sinew install` asks the API server before it renders the control plane: against the fake API
 * server, it refuses with Linkerd's hint while the CRDs are missing (or do not serve the version
 * Sinew reads), renders once `install --crds` has been applied, refuses over an existing control
 * plane, says how to go on when the cluster cannot be reached, and skips all of it with
 * --ignore-cluster.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../../src/cli/usage-error.js';
import type { FakeApiServer } from '../support/fake-api-server.js';
import { tempDir } from '../support/engine-harness.js';
import { apply, installResources, kubeconfigFor, startInstallCluster } from './fake-cluster.js';
import { type KubeJson, objectsOf, rendered, runInstall } from './install-run.js';

describe('sinew install against a cluster', function () {
  this.timeout(30_000);
  let server: FakeApiServer;
  let dir: string;
  let kubeconfig: string;

  beforeEach(async () => {
    server = await startInstallCluster();
    dir = tempDir('sinew-install-cluster-');
    kubeconfig = kubeconfigFor(server, dir);
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function installCrds(): Promise<KubeJson[]> {
    const crds = await runInstall('--crds', '--kubeconfig', kubeconfig);
    assert.equal(crds.code, 0, crds.err);
    const objects = objectsOf(crds.out);
    apply(server, objects);
    return objects;
  }

  it('refuses the control plane while the CRDs are not installed, with Linkerd\'s hint, printing nothing', async () => {
    const result = await runInstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.equal(result.out, '');
    assert.ok(result.err.startsWith('Sinew CRDs must be installed first. Run sinew install with the --crds flag.\n'), result.err);
    assert.match(result.err, /missing servers\.policy\.linkerd\.io/);
    assert.ok(server.requests({ path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/servers.policy.linkerd.io' }).length > 0);
  });

  it('prints the CRDs with --crds and says what to run next; once they are applied, renders the control plane', async () => {
    const crds = await runInstall('--crds', '--kubeconfig', kubeconfig);
    assert.equal(crds.code, 0);
    assert.equal(crds.err, 'Rendering Sinew CRDs...\nNext, run `sinew install | kubectl apply -f -` to install the control plane.\n\n');
    assert.deepEqual(objectsOf(crds.out).map((crd) => crd.metadata.name), [
      'authorizationpolicies.policy.linkerd.io', 'httproutes.policy.linkerd.io', 'meshtlsauthentications.policy.linkerd.io',
      'networkauthentications.policy.linkerd.io', 'serverauthorizations.policy.linkerd.io', 'servers.policy.linkerd.io',
      'serviceprofiles.linkerd.io',
    ]);
    apply(server, objectsOf(crds.out));
    const result = await runInstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 0, result.err);
    assert.ok(objectsOf(result.out).some((object) => object.kind === 'Deployment' && object.metadata.name === 'linkerd-destination'));
    assert.match(result.err, /^Rendering the Sinew control plane in namespace linkerd\.\.\.\n/);
    assert.match(result.err, /Next, run `sinew check`/);
  });

  it('refuses when a CRD does not serve the version Sinew reads', async () => {
    const crds = await installCrds();
    const server_ = crds.find((crd) => crd.metadata.name === 'servers.policy.linkerd.io') as KubeJson;
    const spec = server_['spec'] as { versions: { name: string }[] };
    apply(server, [{ ...server_, spec: { ...spec, versions: spec.versions.filter((version) => version.name !== 'v1beta3') } }]);
    const result = await runInstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.match(result.err, /CRD servers\.policy\.linkerd\.io does not serve version v1beta3/);
  });

  it('refuses to install over an existing control plane in the namespace', async () => {
    await installCrds();
    apply(server, (await rendered()).filter((object) => object.kind === 'Namespace' || object.metadata.name === 'linkerd-config'));
    const result = await runInstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.equal(result.out, '');
    assert.match(result.err, /Can't install the Sinew control plane in the 'linkerd' namespace\. Reason: ConfigMap\/linkerd-config already exists\./);
    const elsewhere = await runInstall('--kubeconfig', kubeconfig, '-L', 'mesh');
    assert.equal(elsewhere.code, 0, elsewhere.err);
  });

  it('says the cluster cannot be reached, and how to render anyway, when the API server is down', async () => {
    await server.close();
    const result = await runInstall('--kubeconfig', kubeconfig);
    assert.equal(result.code, 1);
    assert.match(result.err, /^Unable to install the Sinew control plane\. Cannot connect to the Kubernetes cluster:\n\nGET \/apis\/apiextensions\.k8s\.io/);
    assert.match(result.err, /You can use the --ignore-cluster flag if you just want to generate the installation config\.\n$/);
    const ignoring = await runInstall('--kubeconfig', kubeconfig, '--ignore-cluster');
    assert.equal(ignoring.code, 0, ignoring.err);
    assert.ok(objectsOf(ignoring.out).length > 20);
    const crds = await runInstall('--kubeconfig', kubeconfig, '--crds');
    assert.equal(crds.code, 0, 'rendering the CRDs needs no cluster');
    server = await startInstallCluster();
  });

  it('asks the cluster of the --context given, and names a context the kubeconfig lacks', async () => {
    await installCrds();
    const live = { name: 'live', cluster: { server: server.url, 'insecure-skip-tls-verify': true } };
    const dead = { name: 'dead', cluster: { server: 'http://127.0.0.1:9', 'insecure-skip-tls-verify': true } };
    const file = path.join(dir, 'two-contexts');
    fs.writeFileSync(file, stringify({
      apiVersion: 'v1', kind: 'Config', clusters: [live, dead], users: [{ name: 'u', user: { token: 'sinew-fake-token' } }],
      contexts: [{ name: 'live', context: { cluster: 'live', user: 'u' } }, { name: 'dead', context: { cluster: 'dead', user: 'u' } }],
      'current-context': 'dead',
    }));
    assert.equal((await runInstall('--kubeconfig', file)).code, 1);
    const result = await runInstall('--kubeconfig', file, '--context', 'live');
    assert.equal(result.code, 0, result.err);
    const unknown = await runInstall('--kubeconfig', file, '--context', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /context "nope" does not exist in the kubeconfig \(it has live, dead\)/);
  });

  it('refuses flags it cannot use with a usage error naming the flag', async () => {
    const cases: readonly [readonly string[], RegExp][] = [
      [['-L', 'Not_A_Namespace'], /--linkerd-namespace must be a DNS label/],
      [['-o', 'toml'], /--output must be one of yaml, json; got "toml"/],
      [['--admin-port', '70000'], /--admin-port must be an integer from 1 to 65535; got "70000"/],
      [['--inbound-port', '4140'], /the proxy's ports must differ/],
      [['--default-inbound-policy', 'allow'], /--default-inbound-policy must be one of all-unauthenticated/],
      [['--cluster-networks', '10.0.0.0/33'], /--cluster-networks must be a comma list of CIDRs/],
      [['--skip-outbound-ports', '443,9-1'], /--skip-outbound-ports must be a comma list of ports/],
      [['--identity-issuance-lifetime', '1d'], /--identity-issuance-lifetime must be a duration/],
      [['--image-pull-policy', 'Sometimes'], /--image-pull-policy must be one of Always, IfNotPresent, Never/],
      [['--cluster-domain', 'UPPER.case'], /--cluster-domain must be a DNS name/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['extra'], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(runInstall('--ignore-cluster', ...args), (error: Error) => error instanceof UsageError && message.test(error.message), args.join(' '));
    }
    assert.equal(server.requests().length, 0, 'nothing is asked of the cluster before the flags are checked');
  });

  it('documents its flags in --help', async () => {
    const help = (await runInstall('--help')).out;
    for (const flag of ['--crds', '--ignore-cluster', '--ha', '-L, --linkerd-namespace', '--identity-trust-anchors-file', '--identity-issuer-certificate-file',
      '--identity-issuer-key-file', '--proxy-image', '--proxy-log-level', '--default-inbound-policy', '--cluster-networks', '--context', '-o, --output']) {
      assert.ok(help.includes(flag), flag);
    }
  });

  it('serves every kind the install renders in the fake cluster used here', async () => {
    const kinds = new Set([...(await rendered('--ha')), ...(await rendered('--crds'))].map((object) => `${object.apiVersion} ${object.kind}`));
    for (const kind of kinds) assert.ok(installResources[kind] !== undefined, kind);
  });
});
