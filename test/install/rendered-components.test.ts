/**
 * The rendered control plane, run: each Deployment's `sinew control-plane` container started as a
 * process against the fake API server with its rendered Secrets and ConfigMaps as files (the
 * check tests' kubelet), then used the way the API server uses it, over TLS trusting only the
 * webhook configuration's caBundle and dialling the Service name it names. Every request each
 * component makes of the API server is one its ClusterRole grants: the RBAC is not only small
 * but enough.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import { allKinds } from '../../src/informers/kinds/index.js';
import { resourceId } from '../../src/informers/kind.js';
import type { FakeApiServer, RecordedRequest } from '../support/fake-api-server.js';
import { tempDir } from '../support/engine-harness.js';
import { runDeployment } from '../check/kubelet.js';
import { apply, kubeconfigFor, startInstallCluster } from './fake-cluster.js';
import { at, type KubeJson, only, rendered } from './install-run.js';

interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** `verb resource-id` for every grant of the component's ClusterRole. */
function granted(objects: readonly KubeJson[], component: string): Set<string> {
  const rules = only(objects, 'ClusterRole', `linkerd-linkerd-${component}`)['rules'] as readonly Rule[];
  return new Set(rules.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((plural) => rule.verbs.map((verb) => `${verb} ${resourceId({ group, plural })}`)))));
}

function asked(requests: readonly RecordedRequest[]): string[] {
  return [...new Set(requests.map((request) => `${request.verb ?? request.method} ${request.resource ?? request.path}`))].sort();
}

/** POSTs an AdmissionReview to `port` as the API server would call the webhook: TLS to `name`, trusting `caPem`. */
async function admit(port: number, path: string, name: string, caPem: string, object: Record<string, unknown>,
  kind: { group: string; version: string; kind: string; resource: string }): Promise<Record<string, unknown>> {
  const metadata = object['metadata'] as { name: string; namespace: string };
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: 'uid-1', kind: { group: kind.group, version: kind.version, kind: kind.kind }, resource: { group: kind.group, version: kind.version, resource: kind.resource },
      name: metadata.name, namespace: metadata.namespace, operation: 'CREATE', userInfo: { username: 'admin' }, object, oldObject: null, dryRun: false,
    },
  });
  return new Promise((resolve, reject) => {
    const request = https.request({
      host: '127.0.0.1', port, path: `${path}?timeout=10s`, method: 'POST', ca: caPem, servername: name, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode ?? 0}: ${text}`));
        else resolve((JSON.parse(text) as { response: Record<string, unknown> }).response);
      });
    });
    request.once('error', reject);
    request.end(body);
  });
}

function portOf(stderr: string, field: string): number {
  const match = new RegExp(`control plane started[^\\n]*${field}=[\\d.]+:(\\d+)`).exec(stderr);
  assert.ok(match !== null, `no ${field} port in:\n${stderr}`);
  return Number(match[1]);
}

function caBundle(objects: readonly KubeJson[], kind: string, name: string): string {
  return Buffer.from(String(at(only(objects, kind, name), 'webhooks', 0, 'clientConfig', 'caBundle')), 'base64').toString('utf8');
}

describe('the rendered control plane, run against the fake API server', function () {
  this.timeout(90_000);
  let server: FakeApiServer;
  let dir: string;
  let kubeconfig: string;
  let objects: KubeJson[];

  before(async () => {
    server = await startInstallCluster();
    for (const kind of allKinds) server.addResource(kind);
    dir = tempDir('sinew-rendered-components-');
    kubeconfig = kubeconfigFor(server, dir);
    objects = await rendered();
    apply(server, [...await rendered('--crds'), ...objects]);
    server.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', annotations: { 'linkerd.io/inject': 'enabled' } } });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(deployment: string, use: (stderr: string) => Promise<void>): Promise<string[]> {
    const before = server.requests().length;
    const running = await runDeployment(server, only(objects, 'Deployment', deployment) as Parameters<typeof runDeployment>[1], kubeconfig, dir);
    try {
      await use(running.process.stderr());
    } finally {
      await running.process.stop();
    }
    return asked(server.requests().slice(before));
  }

  it('destination and policy: ready, the validators answer over TLS for both Service names, and only list and watch what is granted', async () => {
    const requests = await run('linkerd-destination', async (stderr) => {
      const port = portOf(stderr, 'admission');
      const ca = caBundle(objects, 'ValidatingWebhookConfiguration', 'linkerd-sp-validator-webhook-config');
      const profile = {
        apiVersion: 'linkerd.io/v1alpha2', kind: 'ServiceProfile', metadata: { name: 'web.shop.svc.cluster.local', namespace: 'shop' },
        spec: { routes: [{ name: 'GET /', condition: { method: 'GET', pathRegex: '/' } }] },
      };
      const answer = await admit(port, '/sp', 'linkerd-sp-validator.linkerd.svc', ca, profile,
        { group: 'linkerd.io', version: 'v1alpha2', kind: 'ServiceProfile', resource: 'serviceprofiles' });
      assert.equal(answer['allowed'], true, JSON.stringify(answer));
      const bad = await admit(port, '/sp', 'linkerd-sp-validator.linkerd.svc', ca, { ...profile, spec: { routes: [] } },
        { group: 'linkerd.io', version: 'v1alpha2', kind: 'ServiceProfile', resource: 'serviceprofiles' });
      assert.equal(bad['allowed'], false);
      const server_ = {
        apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 'web', namespace: 'shop' },
        spec: { podSelector: { matchLabels: { app: 'web' } }, port: 8080 },
      };
      const policyAnswer = await admit(port, '/policy', 'linkerd-policy-validator.linkerd.svc',
        caBundle(objects, 'ValidatingWebhookConfiguration', 'linkerd-policy-validator-webhook-config'), server_,
        { group: 'policy.linkerd.io', version: 'v1beta3', kind: 'Server', resource: 'servers' });
      assert.equal(policyAnswer['allowed'], true, JSON.stringify(policyAnswer));
    });
    const allowed = granted(objects, 'destination');
    assert.ok(requests.length > 0);
    assert.deepEqual(requests.filter((request) => !allowed.has(request)), []);
  });

  it('identity: ready with the rendered issuer and trust roots, asking nothing it is not granted', async () => {
    const requests = await run('linkerd-identity', async () => undefined);
    const allowed = granted(objects, 'identity');
    assert.deepEqual(requests.filter((request) => !allowed.has(request)), []);
  });

  it('proxy injector: injects a pod over TLS for its Service name, reading only the namespace it is granted', async () => {
    const requests = await run('linkerd-proxy-injector', async (stderr) => {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'shop' }, spec: { containers: [{ name: 'web', image: 'web', ports: [{ containerPort: 8080 }] }] } };
      const answer = await admit(portOf(stderr, 'injector'), '/', 'linkerd-proxy-injector.linkerd.svc',
        caBundle(objects, 'MutatingWebhookConfiguration', 'linkerd-proxy-injector-webhook-config'), pod,
        { group: '', version: 'v1', kind: 'Pod', resource: 'pods' });
      assert.equal(answer['allowed'], true);
      const patch = Buffer.from(String(answer['patch']), 'base64').toString('utf8');
      assert.match(patch, /linkerd-proxy/);
      assert.match(patch, /ghcr\.io\/sinew-mesh\/sinew:v/, 'with the image the install recorded in linkerd-config');
    });
    const allowed = granted(objects, 'proxy-injector');
    assert.ok(requests.includes('get namespaces'), requests.join());
    assert.deepEqual(requests.filter((request) => !allowed.has(request)), []);
  });
});
