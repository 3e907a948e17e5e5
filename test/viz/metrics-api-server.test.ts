/**
 * The metrics API over HTTP: queries round-trip through the client's parameters, malformed ones get
 * 400 naming the parameter, unknown paths 404, other methods 405, a failing Prometheus 503 — and
 * the server keeps answering after each.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/observe/logger.js';
import { metricsApiClient } from '../../src/viz/metrics-api-client.js';
import { statQueryFrom, statParams, windowMs } from '../../src/viz/metrics-api-query.js';
import { startMetricsApiServer, type MetricsApiServer } from '../../src/viz/metrics-api-server.js';
import { BadQueryError, MetricsApiError, type StatQuery } from '../../src/viz/metrics-api-types.js';
import { metricsService } from '../../src/viz/metrics-service.js';
import { prometheusBackend } from '../../src/viz/prometheus-backend.js';
import { serviceClient } from '../../src/viz/service-proxy.js';
import { fakeInventory, fakePod, recordingBackend } from './viz-fixtures.js';

const inventory = fakeInventory([fakePod('shop', 'web-1', { deployment: 'web' }), fakePod('other', 'x-1', { deployment: 'x', meshed: false })]);

describe('the metrics API over HTTP', () => {
  let server: MetricsApiServer;
  let down: MetricsApiServer;
  let url: string;
  const backend = recordingBackend();

  before(async () => {
    const log = createLogger({ level: 'error' });
    server = await startMetricsApiServer({ api: metricsService({ backend, inventory }), host: '127.0.0.1', port: 0, ready: () => true, log });
    url = `http://127.0.0.1:${server.port}`;
    down = await startMetricsApiServer({ api: metricsService({ backend: prometheusBackend({ url: 'http://127.0.0.1:9', timeoutMs: 2000 }), inventory }), host: '127.0.0.1', port: 0, ready: () => false, log });
  });

  after(async () => {
    await server.close();
    await down.close();
  });

  it('answers the client\'s stat query with the rows of the contract', async () => {
    const api = metricsApiClient(serviceClient({ kind: 'direct', url }));
    const answer = await api.stat({ resource: { type: 'deployment', namespace: 'shop', name: '' }, window: '30s', to: { type: 'service', namespace: 'shop', name: 'web' } });
    assert.deepEqual(answer.rows, []);
    assert.ok(backend.asked.some((query) => query.includes('dst_service="web"') && query.includes('[30s]')), backend.asked.join('\n'));
    assert.deepEqual((await api.namespaces()).namespaces, [{ name: 'other', podCount: 1, meshedPodCount: 0 }, { name: 'shop', podCount: 1, meshedPodCount: 1 }]);
  });

  for (const [query, parameter] of [
    ['namespace=shop', 'resource_type'],
    ['resource_type=deployments', 'resource_type'],
    ['resource_type=deployment&window=5', 'window'],
    ['resource_type=deployment&window=2h', 'window'],
    ['resource_type=deployment&namespace=Bad_NS', 'namespace'],
    ['resource_type=deployment&from_name=curl', 'from_type'],
    ['resource_type=deployment&from_type=deployment&from_name=a&to_type=deployment&to_name=b', 'to_type'],
    ['resource_type=deployment&tcp_stats=maybe', 'tcp_stats'],
    ['resource_type=deployment&all_namespaces=yes', 'all_namespaces'],
    ['resource_type=deployment&colour=blue', 'colour'],
    ['resource_type=authority', 'resource_type'],
  ] as const) {
    it(`answers 400 naming ${parameter} to ?${query}`, async () => {
      const response = await fetch(`${url}/api/v1/stat?${query}`);
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: string };
      assert.ok(body.error.startsWith(`${parameter}: `), body.error);
    });
  }

  it('answers 404 to an unknown path, 405 to POST, and 400 to parameters on /namespaces, then still serves', async () => {
    assert.equal((await fetch(`${url}/api/v1/nope`)).status, 404);
    const post = await fetch(`${url}/api/v1/stat?resource_type=deployment`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${url}/api/v1/namespaces?x=1`)).status, 400);
    assert.equal((await fetch(`${url}/api/v1/edges?resource_type=deployment&namespace=shop`)).status, 200);
  });

  it('answers a raw malformed request line without dying', async () => {
    const status = await new Promise<string>((resolve) => {
      const socket = new (http.Agent)().createConnection({ host: '127.0.0.1', port: server.port }) as import('node:net').Socket;
      let text = '';
      socket.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      socket.write('GET /api/v1/stat?resource_type=%zz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    });
    assert.match(status, /^HTTP\/1\.1 (200|400)/);
    assert.equal((await fetch(`${url}/live`)).status, 200);
  });

  it('answers 503 with the reason when Prometheus cannot be reached, and /ready is 503 until synced', async () => {
    const downUrl = `http://127.0.0.1:${down.port}`;
    const response = await fetch(`${downUrl}/api/v1/stat?resource_type=deployment&namespace=shop`);
    assert.equal(response.status, 503);
    assert.match(((await response.json()) as { error: string }).error, /cannot reach Prometheus at http:\/\/127\.0\.0\.1:9/);
    assert.equal((await fetch(`${downUrl}/ready`)).status, 503);
    const api = metricsApiClient(serviceClient({ kind: 'direct', url: downUrl }));
    await assert.rejects(api.edges({ resource: { type: 'deployment', namespace: 'shop', name: '' } }), (error: unknown) => error instanceof MetricsApiError && error.status === 503);
  });

  it('refuses a client answer outside the contract', async () => {
    const liar = http.createServer((_req, res) => res.end('{"rows":[{"nope":1}]}'));
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    try {
      const api = metricsApiClient(serviceClient({ kind: 'direct', url: `http://127.0.0.1:${(liar.address() as AddressInfo).port}` }));
      await assert.rejects(api.stat({ resource: { type: 'pod', namespace: 'shop', name: '' } }), /outside the contract/);
    } finally {
      await new Promise((resolve) => liar.close(resolve));
    }
  });
});

describe('metrics API query parameters', () => {
  it('parse back to the query they were written from', () => {
    const queries: StatQuery[] = [
      { resource: { type: 'deployment', namespace: 'shop', name: 'web' }, window: '1m', tcp: true },
      { resource: { type: 'pod', namespace: '', name: '' }, window: '10s', from: { type: 'deployment', namespace: 'shop', name: 'curl' } },
      { resource: { type: 'namespace', namespace: 'shop', name: 'shop' }, window: '1h', to: { type: 'service', namespace: 'shop', name: 'web' } },
    ];
    for (const query of queries) assert.deepEqual(statQueryFrom(statParams(query)), query);
  });

  it('reads Prometheus durations', () => {
    assert.equal(windowMs('1h30m'), 5_400_000);
    assert.equal(windowMs('250ms'), 250);
    assert.equal(windowMs('1.5m'), undefined);
    assert.throws(() => statQueryFrom(new URLSearchParams('resource_type=pod&window=500ms')), BadQueryError);
  });
});
