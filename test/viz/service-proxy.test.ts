/**
 * Reaching viz services: `sinew viz stat` through the Kubernetes API server's service proxy with
 * the kubeconfig's credentials (a stand-in API server forwards to a real metrics API), and the
 * client's streaming responses (NDJSON read line by line while the server is still writing).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { statCommand } from '../../src/cli/viz-stat.js';
import { createLogger } from '../../src/observe/logger.js';
import { startMetricsApiServer, type MetricsApiServer } from '../../src/viz/metrics-api-server.js';
import { metricsService } from '../../src/viz/metrics-service.js';
import { serviceClient, ServiceProxyError } from '../../src/viz/service-proxy.js';
import { writeKubeconfigFile } from '../support/kubeconfig.js';
import { fakeInventory, fakePod, recordingBackend } from './viz-fixtures.js';

const proxyPrefix = '/api/v1/namespaces/linkerd-viz/services/metrics-api:8085/proxy';

describe('viz services through the API server', () => {
  let metrics: MetricsApiServer;
  let apiServer: http.Server;
  let dir: string;
  const seen: { path: string; authorization: string | undefined }[] = [];

  before(async () => {
    const backend = recordingBackend((query) => (query.kind === 'increase' && query.metric === 'response_total'
      ? [{ labels: { namespace: 'shop', deployment: 'web', classification: 'success' }, value: 120 }]
      : []));
    metrics = await startMetricsApiServer({
      api: metricsService({ backend, inventory: fakeInventory([fakePod('shop', 'web-1', { deployment: 'web' })]) }),
      host: '127.0.0.1', port: 0, ready: () => true, log: createLogger({ level: 'error' }),
    });
    apiServer = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      if (req.url === '/stream') {
        res.write('{"n":1}\n');
        setTimeout(() => res.end('{"n":2}\n'), 300);
        return;
      }
      if (!(req.url ?? '').startsWith(proxyPrefix)) {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', message: 'services "nope" not found' }));
        return;
      }
      http.get({ host: '127.0.0.1', port: metrics.port, path: (req.url ?? '').slice(proxyPrefix.length) }, (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      });
    });
    await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-viz-proxy-'));
    writeKubeconfigFile(path.join(dir, 'kubeconfig'), { server: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`, token: 'viz-token', namespace: 'shop' });
  });

  after(async () => {
    await metrics.close();
    apiServer.closeAllConnections();
    await new Promise((resolve) => apiServer.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs viz stat through the service proxy with the kubeconfig\'s token and namespace', async () => {
    let out = '';
    const code = await statCommand(['deploy', '-o', 'json', '--kubeconfig', path.join(dir, 'kubeconfig')], { out: (text) => { out += text; }, err: () => undefined });
    assert.equal(code, 0);
    const request = seen.find((each) => each.path.startsWith(`${proxyPrefix}/api/v1/stat?`));
    assert.ok(request !== undefined, JSON.stringify(seen));
    assert.equal(request.authorization, 'Bearer viz-token');
    assert.match(request.path, /resource_type=deployment&namespace=shop&window=1m&tcp_stats=true$/);
    const rows = JSON.parse(out) as { name: string; rps: number; success: number }[];
    assert.deepEqual(rows.map((row) => [row.name, row.rps, row.success]), [['web', 2, 1]]);
  });

  it('hands over a streaming body line by line, before the server has finished', async () => {
    const client = serviceClient({ kind: 'direct', url: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}` });
    const response = await client.request({ path: '/stream' });
    const lines = createInterface({ input: response.body });
    const started = Date.now();
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    assert.equal(first, '{"n":1}');
    assert.ok(Date.now() - started < 250, 'the first line arrives before the response ends');
    const rest: string[] = [];
    for await (const line of lines) rest.push(line);
    assert.deepEqual(rest, ['{"n":2}']);
  });

  it('names the service and the API server\'s message when the proxy fails', async () => {
    const client = serviceClient({ kind: 'direct', url: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}/elsewhere` });
    await assert.rejects(client.json({ path: '/x' }), (error: unknown) => error instanceof ServiceProxyError && error.status === 404 && /answered 404: services "nope" not found/.test(error.message));
    assert.throws(() => serviceClient({ kind: 'direct', url: 'ftp://x' }), /must be an http or https URL/);
  });
});
