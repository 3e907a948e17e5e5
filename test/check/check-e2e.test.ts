/**
 * The install walkthrough against the fake API server, as a user runs it:
 *
 *   sinew check --pre; sinew install --crds | kubectl apply -f -; sinew check --crds
 *   sinew install | kubectl apply -f -; (the cluster runs the control plane); sinew check
 *
 * The control-plane Deployments are run as `sinew control-plane` processes with their own
 * arguments and mounted Secrets (test/check/kubelet.ts), and their pods are recorded ready only
 * once the processes answer /ready. Then the cluster is broken in the two ways a user most often
 * meets, an expired issuer and a missing namespace, and check must say so with the right hint.
 */
import assert from 'node:assert/strict';
import { installCommand } from '../../src/cli/install.js';
import { sinewVersion } from '../../src/cli/sinew-version.js';
import { versionCommand } from '../../src/cli/version.js';
import { generateCa } from '../../src/identity/generate-ca.js';
import type { ManifestApplier } from '../support/apply-manifests.js';
import type { FakeApiServer, KubeObject } from '../support/fake-api-server.js';
import { base64, day, runCheck, startCluster, type TestCluster } from './check-harness.js';
import { type RunningDeployment, runDeployment } from './kubelet.js';

async function install(argv: readonly string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await installCommand(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
  assert.equal(code, 0, err);
  return out;
}

describe('sinew check against an installed control plane (fake API server)', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let api: FakeApiServer;
  let applier: ManifestApplier;
  let dir: string;
  let kubeconfig: string;
  let running: RunningDeployment[] = [];
  const cli = `v${sinewVersion()}`;

  before(async () => {
    cluster = await startCluster();
    ({ api, applier, dir, kubeconfig } = cluster);
    api.create('nodes', {
      metadata: { name: 'node-1' },
      status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }] },
    });
  });

  after(async () => {
    for (const workload of running) if (workload.process.child.exitCode === null) await workload.process.kill();
    running = [];
    await cluster.stop();
  });

  it('passes the pre-installation checks on the empty cluster', async () => {
    const { code, out } = await runCheck(['--pre', '--kubeconfig', kubeconfig]);
    assert.equal(code, 0, out);
    assert.match(out, /Status check results are √\n$/);
  });

  it('installs the CRDs, which check --crds then finds at the CLI\'s versions', async () => {
    const before = await runCheck(['--crds', '--kubeconfig', kubeconfig]);
    assert.equal(before.code, 1);
    assert.match(before.out, /× control plane CustomResourceDefinitions exist\n {4}missing CustomResourceDefinitions: authorizationpolicies\.policy\.linkerd\.io, /);
    const applied = applier.apply(await install(['--crds']));
    assert.ok(applied.length >= 7 && applied.every((o) => o.kind === 'CustomResourceDefinition'));
    const after = await runCheck(['--crds', '--kubeconfig', kubeconfig]);
    assert.equal(after.code, 0, after.out);
    assert.match(after.out, /\nlinkerd-crds\n-+\n√ control plane CustomResourceDefinitions exist\n\nStatus check results are √\n$/);
  });

  it('installs the control plane; before its pods run, check waits for them and then fails', async () => {
    const applied = applier.apply(await install(['--kubeconfig', kubeconfig]));
    assert.ok(applied.some((o) => o.kind === 'Deployment'));
    const started = Date.now();
    const { code, out } = await runCheck(['--kubeconfig', kubeconfig, '--wait', '300ms']);
    assert.equal(code, 1);
    assert.ok(Date.now() - started < 10_000);
    assert.match(out, /√ control plane Namespace exists\n/);
    assert.match(out, /\n× control plane pods are ready\n {4}No running pods for "linkerd-destination"\n {4}see https:\/\/linkerd\.io\/2\/checks\/#l5d-api-control-ready for hints\n/);
  });

  it('passes once the control-plane components run against the API server and their pods are ready', async () => {
    const deployments = api.list({ group: 'apps', plural: 'deployments' }).filter((d) => d.metadata.namespace === 'linkerd');
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), ['linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector']);
    // check --wait is already waiting while the components start: it passes once the last pod is ready.
    const waiting = runCheck(['--kubeconfig', kubeconfig, '--wait', '2m']);
    running = await Promise.all(deployments.map((d) => runDeployment(api, d, kubeconfig, dir)));
    const waited = await waiting;
    assert.equal(waited.code, 0, waited.out);

    const { code, out } = await runCheck(['--kubeconfig', kubeconfig]);
    assert.equal(code, 0, out);
    for (const line of [
      'kubernetes-api\n--------------\n√ can initialize the client\n√ can query the Kubernetes API\n',
      'linkerd-config\n--------------\n√ control plane Namespace exists\n√ control plane ClusterRoles exist\n√ control plane ClusterRoleBindings exist\n'
        + '√ control plane ServiceAccounts exist\n√ control plane CustomResourceDefinitions exist\n'
        + '√ control plane MutatingWebhookConfigurations exist\n√ control plane ValidatingWebhookConfigurations exist\n',
      "linkerd-existence\n-----------------\n√ 'linkerd-config' config map exists\n√ control plane replica sets are ready\n√ no unschedulable pods\n√ control plane pods are ready\n",
      'linkerd-identity\n----------------\n√ certificate config is valid\n',
      '√ issuer cert is issued by the trust anchor\n',
      '√ proxy-injector webhook has valid cert\n√ proxy-injector cert is valid for at least 60 days\n',
      '√ policy-validator webhook has valid cert\n',
      'control-plane-version\n---------------------\n√ can retrieve the control plane version\n√ control plane and cli versions match\n',
    ]) assert.ok(out.includes(line), `missing:\n${line}\nin:\n${out}`);
    assert.ok(!out.includes('×') && !out.includes('‼'), out);
    assert.match(out, /\n\nStatus check results are √\n$/);

    const json = JSON.parse((await runCheck(['--kubeconfig', kubeconfig, '-o', 'json'])).out) as { success: boolean; categories: { categoryName: string }[] };
    assert.equal(json.success, true);
    assert.deepEqual(json.categories.map((c) => c.categoryName), [
      'kubernetes-api', 'kubernetes-version', 'linkerd-config', 'linkerd-existence', 'linkerd-identity', 'linkerd-webhooks-and-apisvc-tls', 'control-plane-version',
    ]);
    assert.deepEqual(await runCheck(['--kubeconfig', kubeconfig, '-o', 'short']), { code: 0, out: 'Status check results are √\n' });

    let version = '';
    await versionCommand(['--kubeconfig', kubeconfig], (text) => { version += text; });
    assert.equal(version, `Client version: ${cli}\nServer version: ${cli}\n`);
  });

  it('fails, with the issuer-validity hint and exit code 1, once the issuer Secret holds an expired issuer', async () => {
    const installed = api.get('secrets', 'linkerd', 'linkerd-identity-issuer') as KubeObject;
    const expired = await generateCa({ domain: { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' }, now: new Date(Date.now() - 400 * day), issuerLifetimeMs: 365 * day });
    api.apply('secrets', { ...installed, data: { 'crt.pem': base64(expired.issuerPem), 'key.pem': base64(expired.issuerKeyPem) } });
    try {
      const { code, out } = await runCheck(['--kubeconfig', kubeconfig]);
      assert.equal(code, 1);
      assert.match(out, /\n× issuer cert is within its validity period\n {4}issuer certificate expired at \d{4}-\d\d-\d\dT[\d:.]+Z\n {4}see https:\/\/linkerd\.io\/2\/checks\/#l5d-identity-issuer-cert-is-time-valid for hints\n\nStatus check results are ×\n$/);
      assert.ok(!out.includes('linkerd-webhooks-and-apisvc-tls'), 'the failure is fatal: nothing after it ran');
      const short = await runCheck(['--kubeconfig', kubeconfig, '-o', 'short']);
      assert.equal(short.code, 1);
      assert.match(short.out, /^linkerd-identity\n-+\n× issuer cert is within its validity period\n/);
    } finally {
      api.apply('secrets', installed);
    }
    assert.equal((await runCheck(['--kubeconfig', kubeconfig])).code, 0);
  });

  it('fails, with the namespace hint and exit code 1, once the control-plane namespace is gone', async () => {
    applier.deleteNamespace('linkerd');
    const { code, out } = await runCheck(['--kubeconfig', kubeconfig]);
    assert.equal(code, 1);
    assert.match(out, /\nlinkerd-config\n-+\n× control plane Namespace exists\n {4}The "linkerd" namespace does not exist\n {4}see https:\/\/linkerd\.io\/2\/checks\/#l5d-existence-ns for hints\n\nStatus check results are ×\n$/);
    const json = JSON.parse((await runCheck(['--kubeconfig', kubeconfig, '-o', 'json'])).out) as { success: boolean; categories: { categoryName: string; checks: unknown[] }[] };
    assert.equal(json.success, false);
    assert.deepEqual(json.categories.at(-1), {
      categoryName: 'linkerd-config',
      checks: [{ description: 'control plane Namespace exists', hint: 'https://linkerd.io/2/checks/#l5d-existence-ns', error: 'The "linkerd" namespace does not exist', result: 'error' }],
    });
    let version = '';
    await versionCommand(['--kubeconfig', kubeconfig, '--short'], (text) => { version += text; });
    assert.equal(version, `${cli}\nunavailable\n`);
  });
});
