import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sinewVersion } from '../../src/cli/sinew-version.js';
import { versionCommand } from '../../src/cli/version.js';
import { startCluster, type TestCluster } from '../check/check-harness.js';
import type { FakeApiServer } from '../support/fake-api-server.js';
import { writeKubeconfigFile } from '../support/kubeconfig.js';

describe('sinew version', function () {
  this.timeout(30_000);
  let cluster: TestCluster;
  let api: FakeApiServer;
  let dir: string;
  let kubeconfig: string;

  beforeEach(async () => {
    cluster = await startCluster();
    ({ api, dir, kubeconfig } = cluster);
  });
  afterEach(() => cluster.stop());

  async function version(...argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await versionCommand(argv, (text) => { out += text; }, { timeoutMs: 2000 });
    return { code, out };
  }

  function installControlPlane(values: string): void {
    api.create('namespaces', { metadata: { name: 'linkerd' } });
    api.create('configmaps', { metadata: { name: 'linkerd-config', namespace: 'linkerd' }, data: { values } });
  }

  it('prints the client version from package.json, and only it with --client', async () => {
    const client = `v${sinewVersion()}`;
    assert.match(client, /^v\d+\.\d+\.\d+/);
    assert.deepEqual(await version('--client'), { code: 0, out: `Client version: ${client}\n` });
    assert.deepEqual(await version('--client', '--short'), { code: 0, out: `${client}\n` });
  });

  it('prints the server version the linkerd-config ConfigMap records', async () => {
    installControlPlane('linkerdVersion: v0.1.0\nclusterDomain: cluster.local\n');
    assert.deepEqual(await version('--kubeconfig', kubeconfig), { code: 0, out: `Client version: v${sinewVersion()}\nServer version: v0.1.0\n` });
    assert.deepEqual(await version('--kubeconfig', kubeconfig, '--short'), { code: 0, out: `v${sinewVersion()}\nv0.1.0\n` });
  });

  it('reads the control plane of another namespace with -L', async () => {
    api.create('namespaces', { metadata: { name: 'mesh' } });
    api.create('configmaps', { metadata: { name: 'linkerd-config', namespace: 'mesh' }, data: { values: 'linkerdVersion: v0.0.7\n' } });
    assert.equal((await version('--kubeconfig', kubeconfig, '-L', 'mesh', '--short')).out.split('\n')[1], 'v0.0.7');
    assert.equal((await version('--kubeconfig', kubeconfig, '--short')).out.split('\n')[1], 'unavailable');
  });

  it('says unavailable when no control plane is installed, no API server answers, or the kubeconfig is missing', async () => {
    assert.equal((await version('--kubeconfig', kubeconfig)).out, `Client version: v${sinewVersion()}\nServer version: unavailable\n`);
    await api.close();
    const started = Date.now();
    assert.equal((await version('--kubeconfig', kubeconfig)).out.split('\n')[1], 'Server version: unavailable');
    assert.ok(Date.now() - started < 2500);
    assert.equal((await version('--kubeconfig', path.join(dir, 'missing'))).out.split('\n')[1], 'Server version: unavailable');
  });

  it('gives up after its timeout on an API server that never answers', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const file = path.join(dir, 'silent.json');
      writeKubeconfigFile(file, { server: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, token: 't' });
      let out = '';
      const started = Date.now();
      await versionCommand(['--kubeconfig', file], (text) => { out += text; }, { timeoutMs: 300 });
      assert.ok(Date.now() - started < 2000);
      assert.match(out, /Server version: unavailable\n$/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
