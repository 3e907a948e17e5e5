/**
 * Every admission case, through the real HTTPS server as the API server would call it: a valid
 * example of each kind is admitted, and each invalid one is denied with a message naming the field.
 */
import assert from 'node:assert/strict';
import { type AdmissionServer, admissionWebhooks, startAdmissionServer } from '../../src/admission/admission-server.js';
import type { Server } from '../../src/informers/kinds/server.js';
import { serverKind } from '../../src/informers/kinds/server.js';
import { silentLogger } from '../../src/observe/logger.js';
import { type Answer, review, send } from './admission-client.js';
import { examples, type GroupVersionKind } from './admission-examples.js';
import { webhookCertificates } from './webhook-certificates.js';

type Json = Record<string, unknown>;

interface ReviewAnswer {
  readonly apiVersion: string;
  readonly kind: string;
  readonly response: { readonly uid: string; readonly allowed: boolean; readonly status?: { readonly code: number; readonly message: string } };
}

function reviewAnswer(answer: Answer): ReviewAnswer {
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers['content-type'], 'application/json');
  return answer.json as ReviewAnswer;
}

/** `a Server`, `an HTTPRoute`. */
function a(label: string): string {
  return `${/^[AEIOU]|^HTTP/.test(label) ? 'an' : 'a'} ${label}`;
}

describe('admission webhooks, through HTTPS', () => {
  let ca: string;
  let server: AdmissionServer;
  let storedServers: Server[] = [];
  let lookupFails = false;

  before(async () => {
    const certificates = await webhookCertificates();
    ca = certificates.ca.pem;
    server = await startAdmissionServer({
      address: '127.0.0.1', port: 0, tls: { certPem: certificates.certPem, keyPem: certificates.keyPem }, log: silentLogger,
      webhooks: admissionWebhooks({
        serversInNamespace: (namespace) => {
          if (lookupFails) throw new Error('the store is not synced');
          return storedServers.filter((stored) => stored.metadata.namespace === namespace);
        },
      }),
    });
  });

  after(async () => {
    await server.close();
  });

  afterEach(() => {
    storedServers = [];
    lookupFails = false;
  });

  async function admit(path: string, object: unknown, gvk: GroupVersionKind, extra: Json = {}): Promise<{ readonly sent: Json; readonly answer: ReviewAnswer }> {
    const sent = review(object, gvk, extra);
    return { sent, answer: reviewAnswer(await send(server.port, { path, body: JSON.stringify(sent), ca })) };
  }

  function assertDenied(answer: ReviewAnswer, field: string, says: RegExp): void {
    assert.equal(answer.response.allowed, false, 'denied');
    assert.equal(answer.response.status?.code, 400);
    const message = answer.response.status?.message ?? '';
    const problems = message.split('; ').filter((problem) => problem.startsWith(`${field}: `));
    assert.ok(problems.length > 0, `the denial names ${field}: ${message}`);
    assert.ok(problems.some((problem) => says.test(problem.slice(field.length + 2))), `the denial of ${field} says ${String(says)}: ${message}`);
  }

  for (const example of examples) {
    describe(example.label, () => {
      it(`admits a valid ${example.label}, answering its uid in its review version`, async () => {
        const { sent, answer } = await admit(example.path, example.valid, example.gvk);
        assert.deepEqual(answer, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: (sent['request'] as Json)['uid'], allowed: true } });
      });

      for (const [description, object] of example.alsoValid) {
        it(`admits ${a(example.label)} ${description}`, async () => {
          const version = String(object['apiVersion']).split('/')[1] ?? example.gvk.version;
          const { answer } = await admit(example.path, object, { ...example.gvk, version });
          assert.equal(answer.response.allowed, true, answer.response.status?.message);
        });
      }

      for (const invalid of example.invalid) {
        it(`denies ${a(example.label)} whose ${invalid.why}, naming ${invalid.field}`, async () => {
          const { answer } = await admit(example.path, invalid.object, example.gvk);
          assertDenied(answer, invalid.field, invalid.says);
        });
      }
    });
  }

  it('has at least three invalid examples of every kind', () => {
    for (const example of examples) assert.ok(example.invalid.length >= 3, example.label);
  });

  describe('requests, not objects', () => {
    const server0 = examples[0];
    const profile = examples.find((example) => example.path === '/sp');
    assert.ok(server0 !== undefined && profile !== undefined);

    it('denies a kind its webhook does not validate, as Linkerd words it', async () => {
      const toPolicy = await admit('/policy', profile.valid, profile.gvk);
      assert.equal(toPolicy.answer.response.allowed, false);
      assert.equal(toPolicy.answer.response.status?.message, 'unsupported resource type: linkerd.io.v1alpha2.ServiceProfile');
      const toSp = await admit('/sp', server0.valid, server0.gvk);
      assert.equal(toSp.answer.response.status?.message, 'unsupported resource type: policy.linkerd.io.v1beta3.Server');
    });

    it('denies an object whose kind is not the one the request names', async () => {
      const { answer } = await admit('/policy', { ...server0.valid, kind: 'ServerAuthorization' }, server0.gvk);
      assert.match(answer.response.status?.message ?? '', /^kind: /);
    });

    it('denies an UPDATE to an invalid object as it denies a CREATE', async () => {
      const invalid = server0.invalid[0];
      assert.ok(invalid !== undefined);
      const { answer } = await admit('/policy', invalid.object, server0.gvk, { operation: 'UPDATE', oldObject: server0.valid });
      assertDenied(answer, invalid.field, invalid.says);
    });

    it('allows a DELETE without an object, on both webhooks', async () => {
      for (const example of [server0, profile]) {
        const { answer } = await admit(example.path, null, example.gvk, { operation: 'DELETE', name: 'web', namespace: 'shop', oldObject: example.valid });
        assert.equal(answer.response.allowed, true);
      }
    });

    it('denies a CREATE without an object', async () => {
      const { answer } = await admit('/policy', null, server0.gvk);
      assert.equal(answer.response.status?.message, 'the CREATE request has no object to validate');
    });

    it('admits a CREATE of an object with only a generateName, no resourceVersion, and its namespace only in the request', async () => {
      const metadata = { generateName: 'web-' };
      const { answer } = await admit('/policy', { ...server0.valid, metadata }, server0.gvk, { namespace: 'shop' });
      assert.equal(answer.response.allowed, true, answer.response.status?.message);
    });

    it('answers an AdmissionReview v1beta1 in v1beta1', async () => {
      const sent = { ...review(server0.valid, server0.gvk), apiVersion: 'admission.k8s.io/v1beta1' };
      const answer = reviewAnswer(await send(server.port, { path: '/policy', body: JSON.stringify(sent), ca }));
      assert.equal(answer.apiVersion, 'admission.k8s.io/v1beta1');
      assert.equal(answer.response.allowed, true);
    });

    it('spells out ten problems and counts the rest', async () => {
      const networks = Array.from({ length: 12 }, () => ({ cidr: 'nowhere' }));
      const net = examples.find((example) => example.gvk.kind === 'NetworkAuthentication');
      assert.ok(net !== undefined);
      const { answer } = await admit('/policy', { ...net.valid, spec: { networks } }, net.gvk);
      const message = answer.response.status?.message ?? '';
      assert.equal(message.split('; ').length, 10);
      assert.match(message, /spec\.networks\[9\]\.cidr: [^;]*\(and 2 more\)$/);
    });
  });

  describe('a Server that claims a port another Server in its namespace claims', () => {
    const example = examples[0];
    assert.ok(example !== undefined);

    function stored(name: string, spec: Json, namespace = 'shop'): Server {
      return serverKind.schema.parse({
        apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name, namespace, resourceVersion: '1' }, spec,
      });
    }

    const spec = example.valid['spec'] as Json;

    it('is denied when the other selects the same pods on the same port, naming the other', async () => {
      storedServers = [stored('web-http-old', spec)];
      const { answer } = await admit('/policy', example.valid, example.gvk);
      assertDenied(answer, 'spec.port', /Server 'shop\/web-http-old' already defines a policy for port http/);
    });

    it('is denied when either selects every pod', async () => {
      storedServers = [stored('everything', { podSelector: {}, port: 'http' })];
      const { answer } = await admit('/policy', example.valid, example.gvk);
      assertDenied(answer, 'spec.port', /'shop\/everything'/);
    });

    it('is admitted when the other is itself (an update), on another port, selects other pods, is in another namespace, or is invalid', async () => {
      storedServers = [
        stored('web-http', spec),
        stored('web-admin', { ...spec, port: 'admin' }),
        stored('db', { podSelector: { matchLabels: { app: 'db' } }, port: 'http' }),
        stored('web-http-elsewhere', spec, 'billing'),
        stored('broken', { ...spec, port: 'HTTP!' }),
        stored('external', { externalWorkloadSelector: {}, port: 'http' }),
      ];
      const { answer } = await admit('/policy', example.valid, example.gvk);
      assert.equal(answer.response.allowed, true, answer.response.status?.message);
    });

    it('is denied when the other Servers cannot be listed', async () => {
      lookupFails = true;
      const { answer } = await admit('/policy', example.valid, example.gvk);
      assertDenied(answer, 'spec.port', /could not list the Servers of namespace shop.*the store is not synced/);
    });
  });
});
