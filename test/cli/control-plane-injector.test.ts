/**
 * `sinew control-plane --components injector`: the proxy-injector webhook as a real process against
 * the fake API server. The pod it admits for a Deployment ends up exactly as `sinew inject
 * --manual` writes that Deployment's pod template (but for who created it), and the namespace's
 * annotations are read from the API server.
 */
import assert from 'node:assert/strict';
import jsonPatch from 'fast-json-patch';
import { allKinds } from '../../src/informers/kinds/index.js';
import { createdBy, defaultMeshConfig, injectWorkload } from '../../src/inject/index.js';
import { review, send } from '../admission/admission-client.js';
import type { WebhookCertificates } from '../admission/webhook-certificates.js';
import type { ControlPlaneProcess } from '../support/control-plane-process.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { startWebhookPlane } from '../support/webhook-plane.js';
import { annotatedNamespace } from '../support/policy-objects.js';

type Json = Record<string, unknown>;
const podKind = { group: '', version: 'v1', kind: 'Pod' };

function deployment(): Json {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, annotations: { 'config.linkerd.io/proxy-log-level': 'debug' } },
        spec: {
          serviceAccountName: 'web',
          containers: [{ name: 'app', image: 'example/web:1', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/ready', port: 'http' } } }],
        },
      },
    },
  };
}

/** The pod the ReplicaSet of `deployment()` creates from its template. */
function podOf(template: Json): Json {
  const metadata = template.metadata as Json;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      ...metadata, generateName: 'web-5d8f7c-', namespace: 'shop',
      labels: { ...(metadata.labels as Json), 'pod-template-hash': '5d8f7c' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7c', uid: 'rs-1', controller: true }],
    },
    spec: template.spec,
  };
}

describe('sinew control-plane --components injector', function () {
  this.timeout(40_000);
  let api: FakeApiServer;
  let plane: ControlPlaneProcess;
  let certificates: WebhookCertificates;
  let port: number;

  before(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    for (const spec of allKinds) api.addResource(spec);
    api.create('namespaces', annotatedNamespace('shop', { 'linkerd.io/inject': 'enabled' }));
    api.create('namespaces', annotatedNamespace('plain'));
    ({ plane, certificates, port } = await startWebhookPlane(api, 'injector', 'injector', 'injector'));
  });

  after(async () => {
    await plane.stop();
    await api.close();
  });

  async function admit(pod: Json, namespace: string): Promise<Json | undefined> {
    const body = review(pod, podKind, { namespace });
    const answer = await send(port, { path: '/', body: JSON.stringify(body), ca: certificates.ca.pem });
    assert.equal(answer.status, 200, answer.text);
    const response = (answer.json as { response: { allowed: boolean; patch?: string } }).response;
    assert.equal(response.allowed, true);
    if (response.patch === undefined) return undefined;
    const operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as jsonPatch.Operation[];
    return jsonPatch.applyPatch(structuredClone(pod), operations).newDocument;
  }

  it('patches a pod of an injected namespace into what inject --manual makes of its Deployment', async () => {
    const manual = injectWorkload(deployment(), { mesh: defaultMeshConfig(), mode: 'manual', origin: 'cli', createdBy: createdBy('cli') });
    assert.equal(manual.report.outcome, 'injected');
    const expected = podOf((manual.object.spec as Json).template as Json);
    const admitted = await admit(podOf((deployment().spec as Json).template as Json), 'shop');
    assert.ok(admitted !== undefined, 'the pod was patched');
    const withoutCreator = (pod: Json): Json => {
      const copy = structuredClone(pod);
      delete ((copy.metadata as Json).annotations as Json)['linkerd.io/created-by'];
      delete ((copy.metadata as Json).annotations as Json)['linkerd.io/inject'];
      return copy;
    };
    assert.deepEqual(withoutCreator(admitted), withoutCreator(expected));
    assert.match(String(((admitted.metadata as Json).annotations as Json)['linkerd.io/created-by']), /^sinew\/proxy-injector /);
  });

  it('leaves a pod of a namespace without the annotation alone', async () => {
    const pod = podOf((deployment().spec as Json).template as Json);
    (pod.metadata as Json).namespace = 'plain';
    assert.equal(await admit(pod, 'plain'), undefined);
  });
});
