import assert from 'node:assert/strict';
import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { CheckFacts } from '../../src/check/check-facts.js';
import { clusterReader } from '../../src/check/cluster-reader.js';
import { loadKubeConfig } from '../../src/informers/kube-config.js';
import { kubernetesApiChecks } from '../../src/check/kubernetes-api.js';
import { checkKubernetesVersion, kubernetesVersionChecks } from '../../src/check/kubernetes-version.js';
import { kubeApiClient } from '../../src/informers/api-client.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { kubeconfigText } from '../support/kubeconfig.js';
import { runCategories, startCluster } from './check-harness.js';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function runApiChecks(connect: Parameters<typeof kubernetesApiChecks>[1]) {
  const facts: CheckFacts = {};
  return runCategories([kubernetesApiChecks(facts, connect), kubernetesVersionChecks(facts)]);
}

describe('kubernetes-api and kubernetes-version checks', function () {
  this.timeout(30_000);

  it('pass against a reachable API server of a supported version', async () => {
    const api = await FakeApiServer.start();
    try {
      const { results, summary } = await runApiChecks(() => clusterReader(kubeApiClient(api.kubeConfig())));
      assert.deepEqual(results.map((r) => [r.category, r.description, r.error]), [
        ['kubernetes-api', 'can initialize the client', undefined],
        ['kubernetes-api', 'can query the Kubernetes API', undefined],
        ['kubernetes-version', 'is running the minimum Kubernetes API version', undefined],
      ]);
      assert.equal(summary.success, true);
    } finally {
      await api.close();
    }
  });

  it('fail fatally when no API server answers, with the k8s-api hint', async () => {
    const config = new KubeConfig();
    config.loadFromString(kubeconfigText({ server: `http://127.0.0.1:${await closedPort()}`, token: 't' }, 'json'));
    const { results, summary } = await runApiChecks(() => clusterReader(kubeApiClient(config)));
    assert.deepEqual(results.map((r) => r.description), ['can initialize the client', 'can query the Kubernetes API']);
    assert.match(results[1]?.error ?? '', /ECONNREFUSED/);
    assert.equal(results[1]?.hintUrl, 'https://linkerd.io/2/checks/#k8s-api');
    assert.equal(summary.success, false);
  });

  it('fail at the first check when the kubeconfig cannot be read or has no such context', async () => {
    const missing = await runApiChecks(() => clusterReader(kubeApiClient(loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig' }))));
    assert.equal(missing.results.length, 1);
    assert.match(missing.results[0]?.error ?? '', /ENOENT/);
    const cluster = await startCluster();
    try {
      const wrong = await runApiChecks(() => clusterReader(kubeApiClient(loadKubeConfig({ kubeconfig: cluster.kubeconfig, context: 'elsewhere' }))));
      assert.equal(wrong.results[0]?.error, 'context "elsewhere" does not exist in the kubeconfig (it has sinew-fake)');
    } finally {
      await cluster.stop();
    }
  });

  it('require Kubernetes 1.22 or newer', () => {
    assert.throws(() => checkKubernetesVersion({ major: '1', minor: '21', gitVersion: 'v1.21.14' }),
      { message: 'Kubernetes is on version [1.21.14], but version [1.22.0] or more recent is required' });
    assert.doesNotThrow(() => checkKubernetesVersion({ major: '1', minor: '22', gitVersion: 'v1.22.0-eks-1' }));
    assert.doesNotThrow(() => checkKubernetesVersion({ major: '2', minor: '0', gitVersion: 'v2.0.0' }));
    assert.doesNotThrow(() => checkKubernetesVersion({ major: '1', minor: '30+', gitVersion: 'unknown' }));
  });
});
