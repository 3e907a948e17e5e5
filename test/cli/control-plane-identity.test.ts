import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { generateCa } from '../../src/identity/generate-ca.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import { callCertify, identityClient } from '../identity/identity-harness.js';
import { csrFor, identityOf } from '../identity/pki-fixtures.js';
import { type ControlPlaneProcess, getText, startControlPlane, waitReady } from '../support/control-plane-process.js';
import { tempDir } from '../support/engine-harness.js';
import { FakeApiServer } from '../support/fake-api-server.js';

const web = identityOf('web', 'shop');

describe('sinew control-plane --components identity', function () {
  this.timeout(60_000);
  let api: FakeApiServer;
  let dir: string;
  let kubeconfig: string;
  let issuerDir: string;
  let processes: ControlPlaneProcess[] = [];

  beforeEach(async () => {
    api = await FakeApiServer.start();
    for (const spec of allKinds) api.addResource(spec);
    api.addServiceAccountToken('token-web', 'shop', 'web', ['identity.l5d.io']);
    dir = tempDir('sinew-cp-identity-');
    kubeconfig = path.join(dir, 'kubeconfig');
    api.writeKubeconfig(kubeconfig);
    issuerDir = path.join(dir, 'issuer');
    fs.mkdirSync(issuerDir);
    const ca = await generateCa({ domain: { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' } });
    fs.writeFileSync(path.join(issuerDir, 'ca.crt'), ca.anchorPem);
    fs.writeFileSync(path.join(issuerDir, 'tls.crt'), ca.issuerPem);
    fs.writeFileSync(path.join(issuerDir, 'tls.key'), ca.issuerKeyPem);
  });

  afterEach(async () => {
    for (const cp of processes) if (cp.child.exitCode === null) await cp.kill();
    processes = [];
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(...args: string[]): Promise<ControlPlaneProcess> {
    const cp = await startControlPlane(['--kubeconfig', kubeconfig, '--identity-addr', '127.0.0.1:0', '--identity-issuer-dir', issuerDir,
      '--identity-trust-anchors-file', path.join(issuerDir, 'ca.crt'), ...args]);
    processes.push(cp);
    return cp;
  }

  it('issues a certificate to a gRPC client, runs no informers, and reports it on /metrics', async () => {
    const cp = await start('--components', 'identity');
    assert.ok(cp.identityPort !== undefined, cp.stderr());
    await waitReady(cp.adminPort);
    const client = identityClient(cp.identityPort);
    const answer = await callCertify(client, { identity: web, token: 'token-web', csr: (await csrFor(web)).der });
    client.close();
    if (!answer.ok) assert.fail(answer.error.details);
    const leaf = new X509Certificate(answer.response.leaf_certificate);
    const anchor = new X509Certificate(fs.readFileSync(path.join(issuerDir, 'ca.crt')));
    const issuer = new X509Certificate(answer.response.intermediate_certificates[0] as Buffer);
    assert.equal(leaf.subjectAltName, `DNS:${web}`);
    assert.ok(leaf.verify(issuer.publicKey) && issuer.verify(anchor.publicKey));

    const metrics = (await getText(cp.adminPort, '/metrics')).body;
    assert.match(metrics, /identity_certify_total\{code="OK"\} 1/);
    assert.match(metrics, /issuer_cert_ttl_seconds \d+/);
    assert.deepEqual(JSON.parse((await getText(cp.adminPort, '/views')).body), []);
    assert.equal(api.requests({ verb: 'list' }).length + api.requests({ verb: 'watch' }).length, 0, 'no informer ran');
    assert.equal(await cp.stop(), 0);
  });

  it('runs beside the destination component when both are named', async () => {
    const cp = await start('--components', 'destination,identity');
    await waitReady(cp.adminPort);
    assert.ok(api.requests({ verb: 'list' }).length > 0, 'the informers listed');
    const client = identityClient(cp.identityPort as number);
    const answer = await callCertify(client, { identity: web, token: 'token-web', csr: (await csrFor(web)).der });
    client.close();
    assert.ok(answer.ok);
    assert.equal(await cp.stop(), 0);
  });

  it('refuses command lines it cannot run, naming the flag', async () => {
    const usage = async (...argv: string[]): Promise<string> => {
      let err = '';
      const code = await main(['control-plane', ...argv], { out: () => undefined, err: (text) => { err += text; } });
      assert.equal(code, 2, err);
      return err;
    };
    assert.match(await usage('--components', 'identity'), /--identity-issuer-dir is required/);
    assert.match(await usage('--components', 'identity,tap'), /--components must be a comma list of destination, policy, identity/);
    assert.match(await usage('--identity-addr', '127.0.0.1:8080'), /--identity-addr needs --components to include identity/);
    assert.match(await usage('--components', 'identity', '--store', dir), /--store needs --components to include destination/);
    assert.match(await usage('--components', 'identity', '--identity-issuer-dir', issuerDir, '--identity-trust-anchors-file', 'x',
      '--identity-issuance-lifetime', '1 day'), /--identity-issuance-lifetime must be a duration/);
  });
});
