/**
 * The proxy-injector webhook's admission mechanics, through the real HTTPS admission server: what
 * it patches, what it leaves alone, and that nothing a request carries can make it block a pod.
 * (That its patch equals `sinew inject --manual` is shown with the real injection in
 * test/cli/control-plane-injector.test.ts.)
 */
import assert from 'node:assert/strict';
import jsonPatch from 'fast-json-patch';
import { type AdmissionServer, startAdmissionServer } from '../../src/admission/admission-server.js';
import { type PodInjector, proxyInjector } from '../../src/admission/proxy-injector.js';
import { silentLogger } from '../../src/observe/logger.js';
import { review, send } from './admission-client.js';
import { webhookCertificates, type WebhookCertificates } from './webhook-certificates.js';

type Json = Record<string, unknown>;
const podKind = { group: '', version: 'v1', kind: 'Pod' };

/** A stand-in injection, so this test is about the webhook: it adds a container and an annotation when the pod or namespace asks. */
const markInjected: PodInjector = (pod, namespaceAnnotations) => {
  const metadata = (pod.metadata ?? {}) as Json;
  const annotations = (metadata.annotations ?? {}) as Record<string, string>;
  if (annotations['linkerd.io/inject'] !== 'enabled' && namespaceAnnotations['linkerd.io/inject'] !== 'enabled') return { injected: false, reason: 'not annotated' };
  if (annotations['test/explode'] === 'yes') throw new Error('cannot read this pod');
  const spec = pod.spec as { containers: Json[] };
  return {
    injected: true,
    pod: { ...pod, metadata: { ...metadata, annotations: { ...annotations, 'linkerd.io/proxy-version': 'test' } }, spec: { ...spec, containers: [...spec.containers, { name: 'linkerd-proxy' }] } },
  };
};

function pod(name: string, annotations: Record<string, string> = {}): Json {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', annotations }, spec: { containers: [{ name: 'app', image: 'app:1' }] } };
}

interface Answer {
  readonly response: { readonly allowed: boolean; readonly patchType?: string; readonly patch?: string; readonly status?: { readonly message: string } };
}

describe('proxy-injector webhook', () => {
  let certificates: WebhookCertificates;
  let server: AdmissionServer;
  let namespaceAnnotations: Record<string, Record<string, string>>;
  let failNamespaces = false;

  before(async () => {
    certificates = await webhookCertificates();
    server = await startAdmissionServer({
      address: '127.0.0.1', port: 0, tls: { certPem: certificates.certPem, keyPem: certificates.keyPem }, log: silentLogger,
      webhooks: {
        '/': proxyInjector({
          inject: markInjected, log: silentLogger,
          namespaceAnnotations: (namespace) => (failNamespaces ? Promise.reject(new Error('API server down')) : Promise.resolve(namespaceAnnotations[namespace] ?? {})),
        }),
      },
    });
  });

  beforeEach(() => {
    namespaceAnnotations = {};
    failNamespaces = false;
  });

  after(async () => {
    await server.close();
  });

  async function admit(object: Json, kind = podKind, extra: Json = {}): Promise<Answer['response']> {
    const answer = await send(server.port, { path: '/', body: JSON.stringify(review(object, kind, extra)), ca: certificates.ca.pem });
    assert.equal(answer.status, 200, answer.text);
    return (answer.json as Answer).response;
  }

  function patched(object: Json, response: Answer['response']): Json {
    assert.equal(response.patchType, 'JSONPatch');
    const operations = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8')) as jsonPatch.Operation[];
    return jsonPatch.applyPatch(structuredClone(object), operations).newDocument;
  }

  it('answers an annotated pod with a JSONPatch that turns it into the injected pod', async () => {
    const object = pod('web', { 'linkerd.io/inject': 'enabled' });
    const response = await admit(object);
    assert.equal(response.allowed, true);
    const expected = markInjected(object, {}, 'shop');
    assert.ok(expected.injected);
    assert.deepEqual(patched(object, response), expected.pod);
  });

  it('injects a pod whose namespace asks for it', async () => {
    namespaceAnnotations = { shop: { 'linkerd.io/inject': 'enabled' } };
    const object = pod('web');
    const result = patched(object, await admit(object));
    assert.equal(((result.spec as { containers: Json[] }).containers[1] as Json).name, 'linkerd-proxy');
  });

  it('admits a pod it skips, a non-pod and an UPDATE without a patch', async () => {
    for (const response of [
      await admit(pod('plain')),
      await admit({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', annotations: { 'linkerd.io/inject': 'enabled' } } }, { group: 'apps', version: 'v1', kind: 'Deployment' }),
      await admit(pod('web', { 'linkerd.io/inject': 'enabled' }), podKind, { operation: 'UPDATE' }),
    ]) {
      assert.equal(response.allowed, true);
      assert.equal(response.patch, undefined);
    }
  });

  it('never blocks a pod: an injection that throws, or namespaces it cannot read, still admit', async () => {
    const exploding = await admit(pod('odd', { 'linkerd.io/inject': 'enabled', 'test/explode': 'yes' }));
    assert.equal(exploding.allowed, true);
    assert.equal(exploding.patch, undefined);
    failNamespaces = true;
    const annotated = pod('web', { 'linkerd.io/inject': 'enabled' });
    const response = await admit(annotated);
    assert.equal(response.allowed, true);
    assert.ok(response.patch !== undefined, 'the pod\'s own annotation still decides');
  });

  it('answers a malformed review with 400 and keeps serving', async () => {
    const bad = await send(server.port, { path: '/', body: '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}', ca: certificates.ca.pem });
    assert.equal(bad.status, 400);
    assert.equal((await admit(pod('plain'))).allowed, true);
  });
});
