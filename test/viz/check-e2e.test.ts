/**
 * The viz walkthrough against the fake API server, as a user runs it:
 *
 *   sinew install | kubectl apply -f -; (the control plane runs)
 *   sinew viz check                      (fails: no viz)
 *   sinew viz install | kubectl apply -f -; sinew viz check   (waits for the pods, then fails)
 *   (the cluster runs viz: injected pods, Prometheus, the metrics API); sinew viz check   (passes)
 *
 * Prometheus is Debian's, running viz's rendered configuration; the metrics API is `sinew viz
 * metrics-api` reading the fake API server. The cluster is then broken the ways a user meets (a
 * Deployment gone, a ClusterRole gone, a pod not injected, Prometheus or the metrics API down, the
 * namespace gone) and check must say so with the right hint and exit code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { installCommand } from '../../src/cli/install.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { vizInstallCommand } from '../../src/cli/viz-install.js';
import type { ManifestApplier } from '../support/apply-manifests.js';
import type { FakeApiServer, KubeObject } from '../support/fake-api-server.js';
import { startCluster, type TestCluster } from '../check/check-harness.js';
import {
  podsOf, type ServiceProcess, runPodOf, runVizCheck, startMetricsApiProcess, startVizPrometheus,
} from './check-harness.js';

async function render(command: typeof installCommand, argv: readonly string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await command(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
  assert.equal(code, 0, err);
  return out;
}

const hint = (anchor: string): string => `    see https://linkerd.io/2/checks/#${anchor} for hints\n`;

describe('sinew viz check against an installed viz extension (fake API server)', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let api: FakeApiServer;
  let applier: ManifestApplier;
  let kubeconfig: string;
  let trustAnchorsPem: string;
  let vizObjects: KubeObject[] = [];
  let prometheus: ServiceProcess | undefined;
  let metricsApi: ServiceProcess | undefined;
  const addrs = (): string[] => ['--api-addr', metricsApi?.url ?? '', '--prometheus-addr', prometheus?.url ?? ''];
  const check = (...argv: string[]) => runVizCheck(['--kubeconfig', kubeconfig, ...argv]);
  const vizDeployment = (name: string): KubeObject => vizObjects.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as KubeObject;

  before(async () => {
    cluster = await startCluster();
    ({ api, applier, kubeconfig } = cluster);
    const controlPlane = applier.apply(await render(installCommand, ['--ignore-cluster']));
    trustAnchorsPem = String((controlPlane.find((o) => o.metadata.name === 'linkerd-identity-trust-roots')?.['data'] as Record<string, string>)['ca-bundle.crt']);
    for (const deployment of controlPlane.filter((o) => o.kind === 'Deployment')) runPodOf(api, deployment, trustAnchorsPem);
  });

  after(async () => {
    await metricsApi?.stop();
    await prometheus?.stop();
    await cluster.stop();
  });

  it('fails at the namespace, with its hint and exit code 1, while viz is not installed', async () => {
    const { code, out } = await check();
    assert.equal(code, 1);
    assert.match(out, /^kubernetes-api\n-+\n√ can initialize the client\n√ can query the Kubernetes API\n\nlinkerd-existence\n-+\n/);
    assert.ok(out.includes('√ control plane pods are ready\n'), out);
    assert.ok(out.includes('linkerd-viz\n-----------\n× linkerd-viz Namespace exists\n'
      + '    could not find the linkerd-viz extension: no namespace is labelled linkerd.io/extension=viz\n' + hint('l5d-viz-ns-exists')), out);
    assert.match(out, /\nStatus check results are ×\n$/);
  });

  it('installs viz from the cluster\'s control plane; before its pods run, check waits for them and then fails', async () => {
    vizObjects = applier.apply(await render(vizInstallCommand, ['--kubeconfig', kubeconfig]));
    assert.ok(vizObjects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'metrics-api'));
    const started = Date.now();
    const { code, out } = await check('--wait', '300ms');
    assert.equal(code, 1);
    assert.ok(Date.now() - started < 10_000);
    assert.ok(out.includes('√ linkerd-viz Namespace exists\n√ linkerd-viz ClusterRoles exist\n√ linkerd-viz ClusterRoleBindings exist\n'), out);
    assert.ok(out.includes('× viz extension pods are running\n    No running pods for "metrics-api"\n' + hint('l5d-viz-pods-running')), out);
  });

  it('passes once viz runs: its pods injected and ready, Prometheus on viz\'s configuration, the metrics API answering', async () => {
    for (const name of ['metrics-api', 'tap', 'web', 'prometheus']) runPodOf(api, vizDeployment(name), trustAnchorsPem);
    for (const name of ['metrics-api', 'tap', 'web', 'prometheus']) {
      const [pod] = podsOf(api, vizDeployment(name));
      const containers = [...((pod?.['spec'] as { initContainers?: { name: string }[] }).initContainers ?? [])].map((c) => c.name);
      assert.ok(containers.includes('linkerd-proxy'), `the injector did not mesh ${name}: ${containers.join()}`);
    }
    const dir = fs.mkdtempSync(path.join(cluster.dir, 'prometheus-'));
    prometheus = await startVizPrometheus(api, 'linkerd-viz', dir);
    metricsApi = await startMetricsApiProcess(kubeconfig, prometheus.url);

    const { code, out } = await check(...addrs());
    assert.equal(code, 0, out);
    assert.ok(out.includes('linkerd-viz\n-----------\n√ linkerd-viz Namespace exists\n√ linkerd-viz ClusterRoles exist\n'
      + '√ linkerd-viz ClusterRoleBindings exist\n√ viz extension pods are running\n√ linkerd-viz pods are injected\n'
      + '√ prometheus is installed and configured correctly\n√ can initialize the client\n√ viz extension self-check\n'), out);
    assert.ok(!out.includes('×') && !out.includes('‼'), out);
    assert.match(out, /\n\nStatus check results are √\n$/);

    const json = JSON.parse((await check('-o', 'json', ...addrs())).out) as { success: boolean; categories: { categoryName: string }[] };
    assert.equal(json.success, true);
    assert.deepEqual(json.categories.map((c) => c.categoryName), ['kubernetes-api', 'linkerd-existence', 'linkerd-viz']);
    assert.deepEqual(await check('-o', 'short', ...addrs()), { code: 0, out: 'Status check results are √\n' });
  });

  it('fails with the pods hint and exit code 1 once a viz Deployment is gone', async () => {
    api.delete({ group: 'apps', plural: 'deployments' }, 'linkerd-viz', 'tap');
    const { code, out } = await check('--wait', '300ms', ...addrs());
    assert.equal(code, 1);
    assert.ok(out.includes('× viz extension pods are running\n    deployments.apps "tap" not found in the "linkerd-viz" namespace\n' + hint('l5d-viz-pods-running')), out);
    assert.ok(!out.includes('viz extension self-check'), 'a fatal failure ends the run');
    applier.applyObject(vizDeployment('tap'));
    assert.equal((await check(...addrs())).code, 0);
  });

  it('fails with the ClusterRoles hint when one is gone, naming it', async () => {
    api.delete({ group: 'rbac.authorization.k8s.io', plural: 'clusterroles' }, undefined, 'linkerd-linkerd-viz-tap');
    const { code, out } = await check(...addrs());
    assert.equal(code, 1);
    assert.ok(out.includes('× linkerd-viz ClusterRoles exist\n    missing ClusterRoles: linkerd-linkerd-viz-tap\n' + hint('l5d-viz-cr-exists')), out);
    applier.applyObject(vizObjects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'linkerd-linkerd-viz-tap') as KubeObject);
  });

  it('warns, and still exits 0, for a viz pod without a proxy and for Prometheus not answering', async () => {
    const plain = api.create('pods', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web-plain', namespace: 'linkerd-viz', labels: { 'linkerd.io/extension': 'viz', component: 'web', namespace: 'linkerd-viz' } },
      spec: { containers: [{ name: 'web', image: 'sinew' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'web', ready: true }] },
    });
    const stopped = await startVizPrometheus(api, 'linkerd-viz', fs.mkdtempSync(path.join(cluster.dir, 'prometheus-')));
    await stopped.stop();
    const { code, out } = await runVizCheck(['--kubeconfig', kubeconfig, '--wait', '300ms', '--api-addr', metricsApi?.url ?? '', '--prometheus-addr', stopped.url]);
    assert.equal(code, 0, out);
    assert.ok(out.includes('‼ linkerd-viz pods are injected\n    These viz pods have no "linkerd-proxy" container (is the proxy injector running?): web-plain\n' + hint('l5d-viz-pods-injection')), out);
    assert.match(out, /‼ prometheus is installed and configured correctly\n {4}cannot reach http:\/\/127\.0\.0\.1:\d+: .*\n {4}see https:\/\/linkerd\.io\/2\/checks\/#l5d-viz-prometheus for hints\n/);
    assert.match(out, /√ viz extension self-check\n\nStatus check results are √\n$/);
    api.delete('pods', 'linkerd-viz', plain.metadata.name);
  });

  it('fails the self-check, with its hint and exit code 1, while the metrics API does not answer', async () => {
    const url = metricsApi?.url ?? '';
    await metricsApi?.stop();
    const { code, out } = await check('--wait', '300ms', '--api-addr', url, '--prometheus-addr', prometheus?.url ?? '');
    assert.equal(code, 1);
    assert.ok(out.includes(`× viz extension self-check\n    cannot reach ${url}: `), out);
    assert.ok(out.includes(hint('l5d-api-control-api')), out);
    metricsApi = await startMetricsApiProcess(kubeconfig, prometheus?.url ?? '');
  });

  it('reaches the metrics API through the API server by default, and says so when that fails', async () => {
    const { code, out } = await check('--wait', '300ms', '--prometheus-addr', prometheus?.url ?? '');
    assert.equal(code, 1);
    assert.match(out, /× viz extension self-check\n {4}svc\/metrics-api:8085 in linkerd-viz via the API server http:\/\/127\.0\.0\.1:\d+ answered 404/);
  });

  it('finds a viz namespace of another name by its label, and checks the one --viz-namespace names', async () => {
    const named = await check('--viz-namespace', 'nowhere');
    assert.equal(named.code, 1);
    assert.ok(named.out.includes('× linkerd-viz Namespace exists\n    The "nowhere" namespace does not exist\n' + hint('l5d-viz-ns-exists')), named.out);
    assert.equal((await check('--viz-namespace', 'linkerd-viz', ...addrs())).code, 0);
  });

  it('refuses flags it cannot use with a usage error, and documents its flags', async () => {
    await assert.rejects(runVizCheck(['-o', 'wide']), (error: Error) => error instanceof UsageError && /--output must be one of table, json, short/.test(error.message));
    await assert.rejects(runVizCheck(['--api-addr', '127.0.0.1:8085']), (error: Error) => error instanceof UsageError && /--api-addr must be an http or https URL/.test(error.message));
    await assert.rejects(runVizCheck(['--viz-namespace', 'A_B']), (error: Error) => error instanceof UsageError && /--viz-namespace must be a DNS label/.test(error.message));
    await assert.rejects(runVizCheck(['--wait', 'soon']), (error: Error) => error instanceof UsageError && /--wait must be a duration/.test(error.message));
    const help = (await runVizCheck(['--help'])).out;
    for (const flag of ['--proxy', '-n, --namespace', '--viz-namespace', '--api-addr', '--prometheus-addr', '-o, --output', '--wait']) assert.ok(help.includes(flag), flag);
  });

  it('fails at the namespace, with its hint and exit code 1, once the viz namespace is deleted', async () => {
    applier.deleteNamespace('linkerd-viz');
    const { code, out } = await check(...addrs());
    assert.equal(code, 1);
    assert.ok(out.includes('× linkerd-viz Namespace exists\n    could not find the linkerd-viz extension: no namespace is labelled linkerd.io/extension=viz\n' + hint('l5d-viz-ns-exists')), out);
    assert.ok(!out.includes('ClusterRoles exist'), 'a fatal failure ends the run');
  });

  it('with viz on an external Prometheus, expects no Prometheus of its own and skips its check', async () => {
    const external = applier.apply(await render(vizInstallCommand, ['--kubeconfig', kubeconfig, '--viz-namespace', 'obs', '--prometheus-url', prometheus?.url ?? '']));
    for (const deployment of external.filter((o) => o.kind === 'Deployment')) runPodOf(api, deployment, trustAnchorsPem);
    const { code, out } = await check('--api-addr', metricsApi?.url ?? '');
    assert.equal(code, 0, out);
    assert.ok(out.includes('√ linkerd-viz pods are injected\n√ can initialize the client\n'), out);
    assert.ok(!out.includes('prometheus'), out);
  });
});
