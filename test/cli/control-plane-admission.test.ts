/**
 * `sinew control-plane --components policy --admission-tls-dir DIR`: the validating webhooks served
 * by the real process, with the Server-overlap check reading the process's own store.
 */
import assert from 'node:assert/strict';
import { allKinds } from '../../src/informers/kinds/index.js';
import { send, review } from '../admission/admission-client.js';
import type { WebhookCertificates } from '../admission/webhook-certificates.js';
import type { ControlPlaneProcess } from '../support/control-plane-process.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { startWebhookPlane } from '../support/webhook-plane.js';
import { server } from '../support/policy-objects.js';

const serverKind = { group: 'policy.linkerd.io', version: 'v1beta3', kind: 'Server' };

interface ReviewResponse {
  readonly response: { readonly allowed: boolean; readonly status?: { readonly message?: string } };
}

describe('sinew control-plane --components policy with admission webhooks', function () {
  this.timeout(40_000);
  let api: FakeApiServer;
  let plane: ControlPlaneProcess;
  let certificates: WebhookCertificates;
  let port: number;

  before(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    for (const spec of allKinds) api.addResource(spec);
    api.create('servers.policy.linkerd.io', server('shop', 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 8080 }));
    ({ plane, certificates, port } = await startWebhookPlane(api, 'policy', 'admission', 'admission'));
  });

  after(async () => {
    await plane.stop();
    await api.close();
  });

  async function verdict(object: Record<string, unknown>): Promise<ReviewResponse['response']> {
    const answer = await send(port, { path: '/policy', body: JSON.stringify(review(object, serverKind)), ca: certificates.ca.pem });
    assert.equal(answer.status, 200, answer.text);
    return (answer.json as ReviewResponse).response;
  }

  it('admits a valid Server and denies an invalid one, naming the field', async () => {
    assert.equal((await verdict(server('shop', 'admin', { podSelector: { matchLabels: { app: 'web' } }, port: 9990 }))).allowed, true);
    const denied = await verdict(server('shop', 'admin', { podSelector: { matchLabels: { app: 'web' } }, port: 'Not A Port' }));
    assert.equal(denied.allowed, false);
    assert.match(denied.status?.message ?? '', /spec\.port/);
  });

  it('denies a Server that selects a port an existing Server (in the store) already selects', async () => {
    const denied = await verdict(server('shop', 'web-http-2', { podSelector: { matchLabels: { app: 'web' } }, port: 8080 }));
    assert.equal(denied.allowed, false);
    assert.match(denied.status?.message ?? '', /web-http/);
  });

  it('answers a malformed review with HTTP 400 and keeps serving', async () => {
    const bad = await send(port, { path: '/policy', body: '{"kind":', ca: certificates.ca.pem });
    assert.equal(bad.status, 400);
    assert.equal((await verdict(server('shop', 'metrics', { podSelector: {}, port: 9102 }))).allowed, true);
  });
});
