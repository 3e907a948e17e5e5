/**
 * `sinew replay FILE --explain NS/POD:PORT`: the decision and its chain at a point in a recorded
 * log, for the question Linkerd users ask most ("why was my request denied?").
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runSinew } from '../support/control-plane-process.js';
import { tempDir } from '../support/engine-harness.js';
import {
  annotatedNamespace, authorizationPolicy, meshedPod, meshTlsAuthentication, meshTlsRef, server, serverTarget,
} from '../support/policy-objects.js';

type Json = Record<string, unknown>;

const sinew = runSinew;

function entry(second: number, type: string, object: Json): string {
  const withVersion = { ...object, metadata: { ...(object.metadata as Json), resourceVersion: String(100 + second) } };
  return JSON.stringify({ at: `2026-03-01T10:00:${String(second).padStart(2, '0')}Z`, type, object: withVersion });
}

const api = 'api.shop.serviceaccount.identity.linkerd.cluster.local';
const batch = 'batch.jobs.serviceaccount.identity.linkerd.cluster.local';

describe('sinew replay --explain', function () {
  this.timeout(30_000);
  let log: string;

  before(() => {
    const policy = authorizationPolicy('shop', 'orders-from-api', serverTarget('orders-http'), [meshTlsRef('api-only')]);
    const lines = [
      entry(1, 'ADDED', annotatedNamespace('shop', { 'config.linkerd.io/default-inbound-policy': 'all-authenticated' })),
      entry(2, 'ADDED', meshedPod('shop', 'orders-0', { ip: '10.1.0.7', labels: { app: 'orders' }, ports: { http: 8080, metrics: 9102 } })),
      entry(3, 'ADDED', server('shop', 'orders-http', { podSelector: { matchLabels: { app: 'orders' } }, port: 'http', proxyProtocol: 'HTTP/1' })),
      entry(4, 'ADDED', meshTlsAuthentication('shop', 'api-only', { identities: [api] })),
      entry(5, 'ADDED', policy),
      entry(9, 'DELETED', policy),
    ];
    log = path.join(tempDir('explain'), 'policy.events.jsonl');
    fs.writeFileSync(log, lines.join('\n') + '\n');
  });

  it('explains an allowed request: the Server, the policy that admits the client and why', async () => {
    const result = await sinew(['replay', log, '--quiet', '--until', '2026-03-01T10:00:06Z', '--explain', 'shop/orders-0:8080',
      '--client-identity', api, '--client-ip', '10.1.3.3', '--path', '/orders', '--method', 'post']);
    assert.equal(result.code, 0, result.stderr);
    const text = result.stdout;
    assert.match(text, /^shop\/orders-0:8080: ALLOW$/m);
    assert.match(text, /server: Server shop\/orders-http \(protocol http1\)/);
    assert.match(text, /\+ AuthorizationPolicy shop\/orders-from-api: targets Server orders-http/);
    assert.match(text, /route: default \(built-in\)/);
    assert.match(text, /admits: AuthorizationPolicy shop\/orders-from-api/);
    assert.match(text, /decision: the request POST \/orders .* is allowed by AuthorizationPolicy shop\/orders-from-api/);
  });

  it('explains a denied client, naming the identity it lacks', async () => {
    const result = await sinew(['replay', log, '--quiet', '--until', '2026-03-01T10:00:06Z', '--explain', 'shop/orders-0:8080',
      '--client-identity', batch, '--client-ip', '10.1.3.3']);
    assert.match(result.stdout, /: DENY$/m);
    assert.match(result.stdout, new RegExp(`no: AuthorizationPolicy shop/orders-from-api: identity ${batch.replace(/\./g, '\\.')} is not ${api.replace(/\./g, '\\.')}`));
  });

  it('after the last AuthorizationPolicy is deleted, the same client is denied: there are no authorizations', async () => {
    const result = await sinew(['replay', log, '--quiet', '--explain', 'shop/orders-0:8080', '--client-identity', api]);
    assert.match(result.stdout, /: DENY$/m);
    assert.match(result.stdout, /authorizations: none/);
    assert.match(result.stdout, /is denied: there are no authorizations/);
  });

  it('a port no Server selects is explained by the default policy and where it came from', async () => {
    const result = await sinew(['replay', log, '--quiet', '--explain', 'shop/orders-0:9102', '--client-ip', '10.1.3.3', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const explanation = JSON.parse(result.stdout) as { verdict: string; server: { ref: Json; notes: { reason: string }[] }; considered: { reason: string }[] };
    assert.equal(explanation.verdict, 'deny');
    assert.deepEqual(explanation.server.ref, { kind: 'default', name: 'all-authenticated' });
    assert.match(explanation.server.notes.map((note) => note.reason).join('\n'), /default policy all-authenticated comes from the namespace annotation/);
    assert.match(explanation.considered[0]?.reason ?? '', /requires a mesh identity/);
  });

  it('an unknown pod exits 1 naming it; a malformed target or client flag exits 2', async () => {
    const missing = await sinew(['replay', log, '--quiet', '--explain', 'shop/nobody:80']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /pod shop\/nobody does not exist/);
    for (const args of [['--explain', 'shop-orders:80'], ['--explain', 'shop/orders-0:8080', '--client-ip', '10.1'], ['--explain', 'shop/orders-0:8080', '--path', 'orders']]) {
      const bad = await sinew(['replay', log, '--quiet', ...args]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /--(explain|client-ip|path)/);
    }
  });
});
