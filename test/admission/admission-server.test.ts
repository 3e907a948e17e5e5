/**
 * The admission server as an HTTP server: bad requests get clear 4xx answers and never stop it,
 * a validator that throws gets a 500, certificates come from PEM text or files and are reloaded.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import {
  AdmissionListenError,
  type AdmissionServer,
  type AdmissionServerOptions,
  admissionWebhooks,
  startAdmissionServer,
} from '../../src/admission/admission-server.js';
import { WebhookTlsError } from '../../src/admission/webhook-tls.js';
import { createLogger, silentLogger } from '../../src/observe/logger.js';
import { type Answer, review, send } from './admission-client.js';
import { examples } from './admission-examples.js';
import { type WebhookCertificates, webhookCertificates } from './webhook-certificates.js';

type Json = Record<string, unknown>;

const server0 = examples[0];
assert.ok(server0 !== undefined);
const validReview = (): string => JSON.stringify(review(server0.valid, server0.gvk));

interface StatusBody {
  readonly kind: string;
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

function statusOf(answer: Answer, code: number): StatusBody {
  assert.equal(answer.status, code, answer.text);
  assert.equal(answer.headers['content-type'], 'application/json');
  const body = answer.json as StatusBody;
  assert.equal(body.kind, 'Status');
  assert.equal(body.code, code);
  return body;
}

describe('admission server', () => {
  let certificates: WebhookCertificates;
  const running: AdmissionServer[] = [];

  before(async () => {
    certificates = await webhookCertificates();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
  });

  async function start(options: Partial<AdmissionServerOptions> = {}): Promise<AdmissionServer> {
    const server = await startAdmissionServer({
      address: '127.0.0.1', port: 0, tls: { certPem: certificates.certPem, keyPem: certificates.keyPem },
      webhooks: admissionWebhooks(), log: silentLogger, ...options,
    });
    running.push(server);
    return server;
  }

  async function assertServes(server: AdmissionServer, ca = certificates.ca.pem): Promise<void> {
    const answer = await send(server.port, { path: '/policy', body: validReview(), ca });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((answer.json as { response: { allowed: boolean } }).response.allowed, true);
  }

  describe('bad requests', () => {
    const bad: readonly (readonly [string, Partial<Parameters<typeof send>[1]>, number, RegExp])[] = [
      ['a body that is not JSON', { body: '{"apiVersion": "admission.k8s.io/v1",' }, 400, /^the request body is not JSON: /],
      ['an empty body', { body: '' }, 400, /^the request body is not JSON: /],
      ['JSON that is not an AdmissionReview', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }) }, 400,
        /^the request body is not an AdmissionReview \(admission\.k8s\.io\/v1\): apiVersion: .*kind: .*request: /],
      ['a review without a request uid', { body: JSON.stringify({ ...review(server0.valid, server0.gvk), request: { kind: server0.gvk, operation: 'CREATE' } }) }, 400,
        /request\.uid: Invalid input: expected string/],
      ['a review with an unknown operation', { body: JSON.stringify(review(server0.valid, server0.gvk, { operation: 'PATCH' })) }, 400, /request\.operation: /],
      ['a JSON array', { body: '[1, 2, 3]' }, 400, /\(root\): Invalid input: expected object/],
      ['a GET', { method: 'GET', body: undefined }, 405, /^GET is not allowed: admission webhooks take POST$/],
      ['a path no webhook serves', { path: '/validate' }, 404, /^no webhook at \/validate; this server serves \/policy, \/sp$/],
      ['a path that is no URL (//)', { path: '//' }, 404, /^no webhook at \/\//],
      ['a path that is no URL (//a)', { path: '//a?x' }, 404, /^no webhook at \/\/a;/],
    ];

    for (const [what, request, code, says] of bad) {
      it(`answers ${what} with ${code} and a Status saying why, and keeps serving`, async () => {
        const server = await start();
        const answer = await send(server.port, { path: '/policy', body: validReview(), ca: certificates.ca.pem, ...request });
        assert.match(statusOf(answer, code).message, says);
        await assertServes(server);
      });
    }

    it('names the allowed method on a 405', async () => {
      const server = await start();
      const answer = await send(server.port, { method: 'PUT', path: '/sp', body: validReview(), ca: certificates.ca.pem });
      assert.equal(answer.headers['allow'], 'POST');
      statusOf(answer, 405);
    });

    it('ignores the query string the API server adds to the path', async () => {
      const server = await start();
      const answer = await send(server.port, { path: '/policy?timeout=10s', body: validReview(), ca: certificates.ca.pem });
      assert.equal(answer.status, 200);
    });
  });

  describe('body size', () => {
    const limit = 4096;

    function padded(size: number): string {
      const text = validReview();
      assert.ok(text.length <= size);
      return text + ' '.repeat(size - text.length);
    }

    it('reads a body of exactly the limit', async () => {
      const server = await start({ maxBodyBytes: limit });
      const answer = await send(server.port, { path: '/policy', body: padded(limit), ca: certificates.ca.pem });
      assert.equal(answer.status, 200, answer.text);
    });

    it('answers 413 to a body one byte over the limit, and serves the same connection after', async () => {
      const server = await start({ maxBodyBytes: limit });
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const answer = await send(server.port, { path: '/policy', body: padded(limit + 1), ca: certificates.ca.pem, agent });
        assert.equal(statusOf(answer, 413).message, `the request body is larger than ${limit} bytes`);
        const next = await send(server.port, { path: '/policy', body: validReview(), ca: certificates.ca.pem, agent });
        assert.equal(next.status, 200);
        assert.equal(next.reusedSocket, true, 'the oversized body was read to its end, so the connection stayed usable');
      } finally {
        agent.destroy();
      }
    });

    it('answers 413 to a chunked body that grows past the limit', async () => {
      const server = await start({ maxBodyBytes: limit });
      const answer = await new Promise<Answer>((resolve, reject) => {
        const request = https.request({
          host: '127.0.0.1', servername: 'localhost', port: server.port, method: 'POST', path: '/sp', ca: certificates.ca.pem, agent: false,
        }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: JSON.parse(text), reusedSocket: false });
          });
        });
        request.on('error', reject);
        for (let i = 0; i < 8; i++) request.write('x'.repeat(1024));
        request.end();
      });
      statusOf(answer, 413);
      await assertServes(server);
    });

    it('answers 413 at once to a body that declares a length far past the limit, and closes that connection', async () => {
      const server = await start({ maxBodyBytes: limit });
      const answer = await send(server.port, { path: '/policy', body: '{}', headers: { 'content-length': 100 * limit }, ca: certificates.ca.pem });
      statusOf(answer, 413);
      assert.equal(answer.headers['connection'], 'close');
      await assertServes(server);
    });

    it('defaults to a 1 MiB limit', async () => {
      const server = await start();
      const over = await send(server.port, { path: '/policy', body: padded(1024 * 1024 + 1), ca: certificates.ca.pem });
      statusOf(over, 413);
      const at = await send(server.port, { path: '/policy', body: padded(1024 * 1024), ca: certificates.ca.pem });
      assert.equal(at.status, 200);
    });
  });

  describe('validators that fail', () => {
    for (const [what, validator] of [
      ['throws', () => { throw new Error('kaput'); }],
      ['rejects', async () => { await sleep(1); throw new Error('kaput'); }],
    ] as const) {
      it(`answers 500 when a validator ${what}, logs it, and keeps serving`, async () => {
        const lines: string[] = [];
        const log = createLogger({ format: 'json', level: 'debug', write: (line) => lines.push(line) });
        const server = await start({ log, webhooks: { ...admissionWebhooks(), '/broken': validator } });
        const answer = await send(server.port, { path: '/broken', body: validReview(), ca: certificates.ca.pem });
        assert.equal(statusOf(answer, 500).message, 'the webhook failed: kaput');
        const logged = lines.map((line) => JSON.parse(line) as Json).filter((record) => record['level'] === 'error');
        assert.deepEqual(logged.map((record) => [record['msg'], record['webhook'], record['error']]), [['admission request failed', '/broken', 'kaput']]);
        await assertServes(server);
      });
    }
  });

  it('counts answers by webhook and outcome', async () => {
    const registry = new Registry();
    const server = await start({ registry });
    const invalid = server0.invalid[0];
    assert.ok(invalid !== undefined);
    await send(server.port, { path: '/policy', body: validReview(), ca: certificates.ca.pem });
    await send(server.port, { path: '/policy', body: JSON.stringify(review(invalid.object, server0.gvk)), ca: certificates.ca.pem });
    await send(server.port, { path: '/sp', body: 'nope', ca: certificates.ca.pem });
    await send(server.port, { path: '/nowhere', body: 'nope', ca: certificates.ca.pem });
    const counted = (await registry.getSingleMetric('admission_requests_total')?.get())?.values
      .map((value) => `${String(value.labels['webhook'])} ${String(value.labels['outcome'])} ${value.value}`).sort();
    assert.deepEqual(counted, ['/policy allowed 1', '/policy denied 1', '/sp bad_request 1', 'unknown not_found 1']);
  });

  describe('TLS', () => {
    it('presents its certificate: a client trusting another CA is refused', async () => {
      const server = await start();
      const other = await webhookCertificates('elsewhere.test');
      await assert.rejects(send(server.port, { path: '/policy', body: validReview(), ca: other.ca.pem }), /self-signed|unable to (verify|get)/);
    });

    it('reads its certificate and key from files, and serves the new pair once the files change', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-admission-'));
      try {
        const certFile = path.join(dir, 'tls.crt');
        const keyFile = path.join(dir, 'tls.key');
        fs.writeFileSync(certFile, certificates.certPem);
        fs.writeFileSync(keyFile, certificates.keyPem);
        const registry = new Registry();
        const server = await start({ tls: { certFile, keyFile }, certificatePollMs: 20, registry });
        await assertServes(server);
        const rotated = await webhookCertificates('rotated.test');
        fs.writeFileSync(keyFile, rotated.keyPem);
        fs.writeFileSync(certFile, rotated.certPem);
        await waitFor(async () => (await send(server.port, { path: '/policy', body: validReview(), ca: rotated.ca.pem }).then(() => true, () => false)));
        await assertServes(server, rotated.ca.pem);
        const reloads = (await registry.getSingleMetric('admission_certificate_reloads_total')?.get())?.values ?? [];
        assert.ok(reloads.some((value) => value.labels['result'] === 'loaded' && value.value >= 1));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('keeps its certificate when the files change to something that does not load, and says so', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-admission-'));
      try {
        const certFile = path.join(dir, 'tls.crt');
        const keyFile = path.join(dir, 'tls.key');
        fs.writeFileSync(certFile, certificates.certPem);
        fs.writeFileSync(keyFile, certificates.keyPem);
        const lines: string[] = [];
        const log = createLogger({ format: 'json', level: 'debug', write: (line) => lines.push(line) });
        const server = await start({ tls: { certFile, keyFile }, certificatePollMs: 20, log });
        fs.writeFileSync(certFile, 'not a certificate\n');
        await waitFor(async () => lines.some((line) => line.includes('webhook certificate refused')));
        assert.ok(lines.some((line) => line.includes(`is not PEM: no BEGIN CERTIFICATE block`)));
        await assertServes(server);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('start-up errors', () => {
    it('refuses a key that is not PEM, naming it', async () => {
      await assert.rejects(start({ tls: { certPem: certificates.certPem, keyPem: 'secret' } }),
        (error: Error) => error instanceof WebhookTlsError && /the webhook TLS key \(the PEM text given\) is not PEM/.test(error.message));
    });

    it('refuses a key that does not match the certificate', async () => {
      const other = await webhookCertificates('other.test');
      await assert.rejects(start({ tls: { certPem: certificates.certPem, keyPem: other.keyPem } }),
        (error: Error) => error instanceof WebhookTlsError && /cannot be used: .*key values mismatch/.test(error.message));
    });

    it('refuses certificate files that are missing, naming the file', async () => {
      const certFile = path.join(os.tmpdir(), 'sinew-no-such-dir', 'tls.crt');
      await assert.rejects(start({ tls: { certFile, keyFile: `${certFile}.key` } }),
        (error: Error) => error instanceof WebhookTlsError && error.message.includes(`certificate file ${certFile}`) && /ENOENT/.test(error.message));
    });

    it('refuses a port that is taken, naming the address', async () => {
      const first = await start();
      await assert.rejects(start({ port: first.port }),
        (error: Error) => error instanceof AdmissionListenError && error.message.includes(`127.0.0.1:${first.port}`) && /EADDRINUSE/.test(error.message));
    });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail('timed out waiting');
    await sleep(20);
  }
}
