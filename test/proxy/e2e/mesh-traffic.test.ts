/**
 * The proxy end to end: the real control plane replaying a log of two meshed workloads (curl and
 * web), real `sinew proxy` processes for each pod, and real applications, all on 127.0.0.0/8.
 */
import assert from 'node:assert/strict';
import { type ServiceError, status } from '@grpc/grpc-js';
import net from 'node:net';
import {
  curlPodIp, curlPortFor, curlProxyMap, identityOf, meshObjects, type MeshWorld, type ProxyProcess, startMeshWorld,
  startProxyProcess, webAppIp, webPodIp, webProxyMap,
} from '../../support/mesh-world.js';
import { grpcSay, http1Get, http2Get, type RunningApp, scrape, startWebApps, tcpExchange } from '../../support/mesh-apps.js';

const curlId = identityOf('curl');
const webId = identityOf('web');

describe('sinew proxy between two meshed workloads', function () {
  this.timeout(90_000);
  let world: MeshWorld;
  const proxies: ProxyProcess[] = [];
  const apps: RunningApp[] = [];
  let curl: ProxyProcess;

  async function startWeb(n: number): Promise<ProxyProcess> {
    apps.push(await startWebApps(webAppIp(n), `web-${n}`));
    const proxy = await startProxyProcess(world.proxyEnv({ name: `web-${n}`, ip: webPodIp(n), serviceAccount: 'web' },
      { SINEW_PROXY_ORIGINAL_DST_MAP: webProxyMap(n) }));
    proxies.push(proxy);
    return proxy;
  }

  before(async () => {
    world = await startMeshWorld(meshObjects([1, 2]));
    await startWeb(1);
    await startWeb(2);
    curl = await startProxyProcess(world.proxyEnv({ name: 'curl-1', ip: curlPodIp, serviceAccount: 'curl' },
      { SINEW_PROXY_ORIGINAL_DST_MAP: curlProxyMap(), SINEW_PROXY_HTTP_HEADER_TIMEOUT: '1s' }));
    proxies.push(curl);
  });

  after(async () => {
    for (const proxy of proxies) await proxy.kill();
    for (const app of apps) await app.close();
    await world?.close();
  });

  it('carries HTTP/1.1 over mutual TLS, and the server sees the client identity', async () => {
    const answer = await http1Get(curlPodIp, curlPortFor(80), '/hello');
    assert.equal(answer.status, 200, JSON.stringify(answer));
    assert.match(answer.body, new RegExp(`^web-[12] ${curlId} GET /hello$`));
  });

  it('carries HTTP/2 and gRPC over mutual TLS', async () => {
    const h2 = await http2Get(curlPodIp, curlPortFor(81), '/');
    assert.equal(h2.status, 200);
    assert.match(h2.body, new RegExp(`^web-[12] h2 ${curlId}$`));
    assert.match(await grpcSay(curlPodIp, curlPortFor(82), 'ping'), new RegExp(`^web-[12] grpc ${curlId} ping$`));
  });

  it('passes a gRPC error status (a Trailers-Only response) from the server to the client unchanged', async () => {
    await assert.rejects(grpcSay(curlPodIp, curlPortFor(82), 'missing:thing'), (error: ServiceError) => {
      assert.equal(error.code, status.NOT_FOUND, `${error.code} ${error.details}`);
      assert.match(error.details, /^web-[12] has no thing$/);
      return true;
    });
  });

  it('carries opaque TCP to an opaque port, over mutual TLS with a transport header', async () => {
    assert.match(await tcpExchange(curlPodIp, curlPortFor(83), 'raw bytes'), /^web-[12]:raw bytes$/);
  });

  it('shows tls="true" with client_id inbound and server_id outbound in both proxies\' metrics', async () => {
    await http1Get(curlPodIp, curlPortFor(80), '/metrics-check');
    const outbound = await scrape(curlPodIp, curl.adminPort);
    assert.match(outbound, series('request_total', { direction: 'outbound', server_id: webId, tls: 'true', dst_service: 'web' }));
    assert.match(outbound, series('response_total', { direction: 'outbound', status_code: '200', classification: 'success' }));
    const inbound = (await Promise.all([1, 2].map((n) => scrape(webPodIp(n), proxies[n - 1]!.adminPort)))).join('\n');
    assert.match(inbound, series('request_total', { direction: 'inbound', client_id: curlId, tls: 'true' }));
    assert.match(inbound, series('inbound_http_authz_allow_total', { srv_kind: 'default', authz_name: 'all-unauthenticated' }));
    assert.match(inbound, series('tcp_open_total', { direction: 'inbound', client_id: curlId, tls: 'true' }));
  });

  it('answers 400 to a malformed request and 431 to an oversized header block, without disturbing other connections', async () => {
    const bad = await rawExchange(curlPodIp, curlPortFor(80), 'GET / HTTP/1.1\r\nno colon here\r\n\r\n');
    assert.match(bad, /^HTTP\/1\.1 400/);
    const huge = await rawExchange(curlPodIp, curlPortFor(80), `GET / HTTP/1.1\r\nhost: web\r\nx-big: ${'a'.repeat(32 * 1024)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431/);
    assert.equal((await http1Get(curlPodIp, curlPortFor(80), '/after')).status, 200);
  });

  it('times out a slowloris client while other requests go through', async () => {
    const slow = net.connect({ host: curlPodIp, port: curlPortFor(80) });
    const closed = new Promise<number>((resolve) => slow.once('close', () => resolve(Date.now())));
    slow.on('error', () => undefined);
    const started = Date.now();
    slow.write('GET / HTTP/1.1\r\nhost: web\r\n');
    const drip = setInterval(() => { if (!slow.destroyed) slow.write('x-drip: 1\r\n'); }, 200);
    try {
      assert.equal((await http1Get(curlPodIp, curlPortFor(80), '/meanwhile')).status, 200);
      const closedAt = await closed;
      assert.ok(closedAt - started < 8_000, `the slow connection stayed open ${closedAt - started} ms`);
    } finally {
      clearInterval(drip);
      slow.destroy();
    }
  });
});

/** A pattern for a sample of `family` carrying every label of `labels`, in any order, with a non-zero value. */
function series(family: string, labels: Readonly<Record<string, string>>): RegExp {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lookaheads = Object.entries(labels).map(([name, value]) => `(?=[^}]*\\b${name}="${escape(value)}")`).join('');
  return new RegExp(`^${family}\\{${lookaheads}[^}]*\\} [1-9]`, 'm');
}

/** Sends `request` on a fresh connection and collects the answer until the server closes or 3 s pass. */
function rawExchange(host: string, port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect({ host, port }, () => socket.write(request));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { answer += chunk; });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 3_000).unref();
  });
}
