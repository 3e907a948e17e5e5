/**
 * `sinew viz tap` and `viz top` end to end: the real control plane, real proxies with
 * LINKERD2_PROXY_TAP_SVC_NAME, the real tap server (`sinew viz tap-server` replaying the world's
 * event log, certified by the real identity service), and the CLI commands.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { CommandIo } from '../../src/cli/command-io.js';
import { tapCommand } from '../../src/cli/viz-tap.js';
import { sinewBin } from '../support/control-plane-process.js';
import { http1Get } from '../support/mesh-apps.js';
import { curlPodIp, curlPortFor, identityOf, webPodIp } from '../support/mesh-world.js';
import { startTapWorld, type TapServerProcess, type TapWorld } from '../support/tap-world.js';

function captureIo(): CommandIo & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return { out: (text) => { out += text; }, err: (text) => { err += text; }, stdout: () => out, stderr: () => err };
}

/** Runs `send` over and over (bounded) until `done` settles; returns what `done` gave. */
async function whileRunning<T>(done: Promise<T>, send: (i: number) => Promise<unknown>): Promise<T> {
  let settled = false;
  void done.finally(() => { settled = true; });
  for (let i = 0; i < 400 && !settled; i += 1) {
    await send(i);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return done;
}

function post(host: string, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host, port, path, method: 'POST', headers: { host: 'web.shop.svc.cluster.local', 'content-length': 2 } }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('error', reject);
    request.end('{}');
  });
}

async function postTap(url: string, path: string, body: string): Promise<{ status: number; error: string }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const json = await response.json() as { error?: string };
  return { status: response.status, error: json.error ?? '' };
}

const tapPath = '/apis/tap.linkerd.io/v1alpha1/watch/namespaces/shop/deployments/web/tap';

describe('sinew viz tap and top against the tap server and real proxies', function () {
  this.timeout(120_000);
  let tap: TapWorld | undefined;
  let server: TapServerProcess;

  before(async () => {
    tap = await startTapWorld([1, 2]);
    server = await tap.startTapServer();
  });
  after(async () => tap?.close());

  it('prints Linkerd\'s req, rsp and end lines for the live requests under --path, and for no others', async () => {
    const io = captureIo();
    const sent = new Set<string>();
    const code = await whileRunning(tapCommand(['deploy/web', '-n', 'shop', '--path', '/tapped/', '--limit', '4', '--tap-addr', server.url], io), async (i) => {
      await http1Get(curlPodIp, curlPortFor(80), `/other/${i}`);
      sent.add(`/tapped/${i}`);
      await http1Get(curlPodIp, curlPortFor(80), `/tapped/${i}`);
    });
    assert.equal(code, 0, io.stderr());
    const lines = io.stdout().trim().split('\n');
    const flow = String.raw`proxy=in  src=127\.0\.31\.1:\d+ dst=(127\.0\.30\.[12]):8080 tls=true`;
    const reqs = lines.map((line) => new RegExp(String.raw`^req id=(\d+:\d+) ${flow} :method=GET :authority=web\.shop\.svc\.cluster\.local :path=(\S+)$`).exec(line)).filter((m) => m !== null);
    const rsps = lines.filter((line) => new RegExp(String.raw`^rsp id=\d+:\d+ ${flow} :status=200 latency=\d+µs$`).test(line));
    const ends = lines.map((line) => new RegExp(String.raw`^end id=(\d+:\d+) ${flow} duration=\d+µs response-length=(\d+)B$`).exec(line)).filter((m) => m !== null);
    assert.equal(lines.length, 12, lines.join('\n'));
    assert.equal(reqs.length, 4);
    assert.equal(rsps.length, 4);
    assert.equal(ends.length, 4);
    for (const [, , , path] of reqs) assert.ok(sent.has(path ?? ''), `${path} was sent`);
    for (const [, id, dst, length] of ends) {
      const req = reqs.find((m) => m[1] === id && m[2] === dst);
      assert.ok(req !== undefined, `end ${id} at ${dst} follows a req`);
      const pod = dst === webPodIp(1) ? 'web-1' : 'web-2';
      assert.equal(Number(length), `${pod} ${identityOf('curl')} GET ${req[3]}`.length, 'the response length is the body the app sent');
    }
  });

  it('-o wide adds each peer\'s deployment and namespace, as the tap server finds them', async () => {
    const io = captureIo();
    const code = await whileRunning(tapCommand(['deploy', 'web', '-n', 'shop', '--path', '/wide', '--limit', '1', '-o', 'wide', '--tap-addr', server.url], io),
      () => http1Get(curlPodIp, curlPortFor(80), '/wide'));
    assert.equal(code, 0, io.stderr());
    const lines = io.stdout().trim().split('\n');
    assert.equal(lines.length, 3);
    for (const line of lines) assert.match(line, / src_res=deploy\/curl src_ns=shop dst_res=deploy\/web dst_ns=shop$/);
  });

  it('-o json prints each event as an indented object with the request\'s headers, and ns/NAME taps the whole namespace', async () => {
    const io = captureIo();
    const code = await whileRunning(tapCommand(['ns/shop', '--path', '/json', '--limit', '1', '-o', 'json', '--tap-addr', server.url], io),
      () => http1Get(curlPodIp, curlPortFor(80), '/json', undefined, { 'x-tapped': 'yes' }));
    assert.equal(code, 0, io.stderr());
    const events = io.stdout().trim().split(/\n(?=\{)/).map((text) => JSON.parse(text) as Record<string, { headers?: { name: string; valueStr?: string }[] }>);
    // The namespace holds both ends: the curl pod's outbound proxy and a web pod's inbound proxy report the request.
    assert.ok(events.length === 3 || events.length === 6, `${events.length} events`);
    const init = events.find((event) => event.requestInitEvent !== undefined)?.requestInitEvent;
    assert.ok(init?.headers?.some((header) => header.name === 'x-tapped' && header.valueStr === 'yes'), JSON.stringify(init));
  });

  it('top counts the tapped requests by source, destination, method and path, and prints the table when stopped', async () => {
    const logged = server.stderr().length;
    const top = spawn(process.execPath, [sinewBin, 'viz', 'top', 'deploy/web', '-n', 'shop', '--path', '/top/', '--duration', '60s', '--tap-addr', server.url],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    top.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    const exited = new Promise<number | null>((resolve) => top.once('exit', (code) => resolve(code)));
    try {
      // Until both pods' proxies stream this tap, requests could go untapped: warm each pod up directly.
      for (let i = 0; i < 300; i += 1) {
        const streaming = server.stderr().slice(logged);
        if (streaming.includes('pod=shop/web-1') && streaming.includes('pod=shop/web-2')) break;
        await http1Get(webPodIp(1), 8080, '/top/warm');
        await http1Get(webPodIp(2), 8080, '/top/warm');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (let i = 0; i < 5; i += 1) assert.equal((await http1Get(curlPodIp, curlPortFor(80), '/top/a')).status, 200);
      for (let i = 0; i < 3; i += 1) assert.equal((await http1Get(curlPodIp, curlPortFor(80), '/top/b')).status, 200);
      for (let i = 0; i < 2; i += 1) assert.equal(await post(curlPodIp, curlPortFor(80), '/top/a'), 200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      top.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      top.kill('SIGKILL');
    }
    const [header, ...rows] = stdout.trim().split('\n');
    assert.match(header ?? '', /^Source\s+Destination\s+Method\s+Path\s+Count\s+Best\s+Worst\s+Last\s+Success Rate$/);
    const parsed = rows.map((row) => row.trim().split(/\s+/)).map(([source, destination, method, path, count, , , , rate]) => ({ source, destination, method, path, count: Number(count), rate }));
    const total = (method: string, path: string): number => parsed
      .filter((row) => row.source === 'curl-1' && row.method === method && row.path === path).reduce((sum, row) => sum + row.count, 0);
    assert.equal(total('GET', '/top/a'), 5, stdout);
    assert.equal(total('GET', '/top/b'), 3, stdout);
    assert.equal(total('POST', '/top/a'), 2, stdout);
    for (const row of parsed.filter((r) => r.source === 'curl-1')) {
      assert.ok(row.destination === 'web-1' || row.destination === 'web-2', `destination ${row.destination}`);
      assert.equal(row.rate, '100.00%');
    }
    const counts = parsed.map((row) => row.count);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'busiest rows first');
  });

  it('cancels its calls to the proxies when the client goes away', async () => {
    const logged = server.stderr().length;
    const client = new AbortController();
    const response = await fetch(`${server.url}/apis/tap.linkerd.io/v1alpha1/watch/namespaces/shop/pods/web-1/tap`, {
      method: 'POST', body: '{"path": "/gone"}', signal: client.signal,
    });
    assert.equal(response.status, 200);
    for (let i = 0; i < 200 && !server.stderr().slice(logged).includes('tap streaming'); i += 1) {
      await http1Get(webPodIp(1), 8080, '/gone');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    client.abort();
    for (let i = 0; i < 200 && !server.stderr().slice(logged).includes('tap ended'); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.match(server.stderr().slice(logged), /tap ended[^\n]*reason="the client went away"/);
  });

  it('answers a malformed tap request with 400 naming the field, and an unknown resource with 404', async () => {
    assert.deepEqual(await postTap(server.url, tapPath, '{"maxRps": -1}'), { status: 400, error: 'maxRps: Too small: expected number to be >0' });
    const unknown = await postTap(server.url, tapPath, '{"paht": "/x"}');
    assert.equal(unknown.status, 400);
    assert.match(unknown.error, /^paht: /);
    const notJson = await postTap(server.url, tapPath, '{');
    assert.equal(notJson.status, 400);
    assert.match(notJson.error, /^body: not JSON/);
    const badMethod = await postTap(server.url, tapPath, '{"method": "GET /"}');
    assert.equal(badMethod.status, 400);
    assert.match(badMethod.error, /^method: must be an HTTP method token/);
    const badType = await postTap(server.url, '/apis/tap.linkerd.io/v1alpha1/watch/namespaces/shop/widgets/web/tap', '{}');
    assert.equal(badType.status, 400);
    assert.match(badType.error, /^path: "widgets" is not a resource type/);
    const nothing = await postTap(server.url, '/apis/tap.linkerd.io/v1alpha1/watch/namespaces/shop/deployments/nope/tap', '{}');
    assert.equal(nothing.status, 404);
    assert.match(nothing.error, /no meshed pods .* deployment\/nope in namespace shop/);
  });

  it('gets nothing from the proxies when it runs with another identity than the tap service\'s: each refuses it', async () => {
    const impostor = await (tap as TapWorld).startTapServer({ namespace: 'shop', sa: 'web' });
    try {
      const io = captureIo();
      const code = await tapCommand(['deploy/web', '-n', 'shop', '--tap-addr', impostor.url], io);
      assert.equal(code, 1);
      assert.match(io.stderr(), /answered 502: every tapped proxy refused or failed/);
      assert.match(io.stderr(), /shop\/web-1: tap is served only to "tap\.linkerd-viz\.serviceaccount\.identity\.linkerd\.cluster\.local", not to the client "web\.shop\./);
      assert.equal(io.stdout(), '');
    } finally {
      await impostor.kill();
    }
  });
});
