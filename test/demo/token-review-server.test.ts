/** The demo's stand-in for TokenReview: the identity service's own reviewer accepts what it minted and nothing else. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintTokens, startTokenReviewServer, type TokenReviewServer, tokenReviewPath } from '../../src/demo/token-review-server.js';
import { kubeApiClient } from '../../src/informers/api-client.js';
import { loadKubeConfig } from '../../src/informers/kube-config.js';
import { createTokenReviewer, type TokenReviewer } from '../../src/identity/token-reviewer.js';

async function post(url: string, body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, body: method === 'GET' ? undefined : body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

describe('the demo token review server', () => {
  const tokens = mintTokens([{ namespace: 'demo', serviceAccount: 'web' }, { namespace: 'demo', serviceAccount: 'api' }]);
  let dir: string;
  let server: TokenReviewServer;
  let reviewer: TokenReviewer;
  let kubeconfig: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-demo-review-'));
    server = await startTokenReviewServer(tokens);
    kubeconfig = path.join(dir, 'kubeconfig');
    server.writeKubeconfig(kubeconfig);
    reviewer = createTokenReviewer({ client: kubeApiClient(loadKubeConfig({ kubeconfig })) });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mints a different random token for every service account', () => {
    assert.equal(new Set(tokens.map((entry) => entry.token)).size, tokens.length);
    assert.ok(tokens.every((entry) => entry.token.length >= 40));
  });

  it('proves each minted token as its service account to the identity service\'s reviewer', async () => {
    assert.deepEqual(await reviewer.review(tokens[0]!.token), { namespace: 'demo', name: 'web' });
    assert.deepEqual(await reviewer.review(tokens[1]!.token), { namespace: 'demo', name: 'api' });
  });

  it('does not authenticate a token it did not mint', async () => {
    await assert.rejects(reviewer.review('made-up-token'), /not minted by this sinew demo/);
  });

  it('listens on loopback only and answers only callers with the kubeconfig\'s bearer token', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: tokens[0]!.token } });
    const anonymous = await post(`${server.url}${tokenReviewPath}`, review);
    assert.equal(anonymous.status, 401);
    const wrong = await post(`${server.url}${tokenReviewPath}`, review, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
  });

  it('answers another path 404, another method 405 and a body that is no TokenReview 400', async () => {
    const config = JSON.parse(fs.readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
    const auth = { authorization: `Bearer ${config.users[0]!.user.token}` };
    assert.equal((await post(`${server.url}/api/v1/namespaces`, '{}', auth)).status, 404);
    assert.equal((await post(`${server.url}${tokenReviewPath}`, '', auth, 'GET')).status, 405);
    const bad = await post(`${server.url}${tokenReviewPath}`, '{"spec":{}}', auth);
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.message), /TokenReview/);
  });

  it('refuses a review for another audience, as an API server would', async () => {
    const config = JSON.parse(fs.readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
    const answer = await post(`${server.url}${tokenReviewPath}`, JSON.stringify({ spec: { token: tokens[0]!.token, audiences: ['vault'] } }),
      { authorization: `Bearer ${config.users[0]!.user.token}` });
    assert.equal(answer.status, 201);
    assert.equal((answer.body.status as { authenticated: boolean }).authenticated, false);
  });
});
