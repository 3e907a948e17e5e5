/**
 * The proxy while the mesh changes under it: endpoints removed under load, the control plane
 * stopped and restarted with different state, a policy that stops authorizing the client.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  curlPodIp, curlPortFor, curlProxyMap, meshNamespace, meshObjects, type MeshWorld, type ProxyProcess, resourceOf, startMeshWorld,
  startProxyProcess, webAppIp, webPodIp, webPorts, webProxyMap,
} from '../../support/mesh-world.js';
import { http1Get, type RunningApp, scrape, startWebApps } from '../../support/mesh-apps.js';
import { endpointSlice } from '../../support/objects.js';

interface Mesh {
  world: MeshWorld;
  curl: ProxyProcess;
  web: Map<number, ProxyProcess>;
  apps: RunningApp[];
}

async function startMesh(webPods: readonly number[], source: 'replay' | 'kube'): Promise<Mesh> {
  const world = await startMeshWorld(meshObjects(webPods), { source });
  const web = new Map<number, ProxyProcess>();
  const apps: RunningApp[] = [];
  for (const n of [1, 2]) {
    apps.push(await startWebApps(webAppIp(n), `web-${n}`));
    web.set(n, await startProxyProcess(world.proxyEnv({ name: `web-${n}`, ip: webPodIp(n), serviceAccount: 'web' }, { SINEW_PROXY_ORIGINAL_DST_MAP: webProxyMap(n) })));
  }
  const curl = await startProxyProcess(world.proxyEnv({ name: 'curl-1', ip: curlPodIp, serviceAccount: 'curl' }, { SINEW_PROXY_ORIGINAL_DST_MAP: curlProxyMap() }));
  return { world, curl, web, apps };
}

async function stopMesh(mesh: Mesh | undefined): Promise<void> {
  if (mesh === undefined) return;
  await mesh.curl.kill();
  for (const proxy of mesh.web.values()) await proxy.kill();
  for (const app of mesh.apps) await app.close();
  await mesh.world.close();
}

/** Which web pod answered `count` sequential requests. */
async function answeredBy(count: number, agent?: http.Agent): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const answer = await http1Get(curlPodIp, curlPortFor(80), `/n/${i}`, agent);
    names.push(answer.status === 200 ? (answer.body.split(' ')[0] ?? '') : `status ${answer.status}`);
  }
  return names;
}

async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('sinew proxy as the control plane changes', function () {
  this.timeout(120_000);

  describe('with the control plane replaying a log', () => {
    let mesh: Mesh | undefined;
    before(async () => { mesh = await startMesh([1], 'replay'); });
    after(async () => stopMesh(mesh));

    it('keeps routing on the last state while the control plane is down, and takes the restarted one\'s state whole', async () => {
      const m = mesh as Mesh;
      assert.deepEqual(new Set(await answeredBy(5)), new Set(['web-1']));
      await m.world.controlPlane.kill();
      assert.deepEqual(new Set(await answeredBy(10)), new Set(['web-1']), 'traffic must keep flowing on the last endpoints');
      await m.world.startControlPlane(meshObjects([2]));
      // The restarted control plane knows only web-2: its first update replaces the old set, so web-1 gets nothing.
      await eventually('requests after the restart', () => answeredBy(5), (names) => names.every((name) => name === 'web-2'));
      assert.deepEqual(new Set(await answeredBy(10)), new Set(['web-2']));
    });

    it('answers 403 and counts inbound_http_authz_deny_total once a Server authorizes nobody', async () => {
      const m = mesh as Mesh;
      const server = {
        apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 'web-http', namespace: meshNamespace },
        spec: { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/1' },
      };
      await m.world.startControlPlane(meshObjects([2], [server]));
      const denied = await eventually('a request under the Server', () => http1Get(curlPodIp, curlPortFor(80), '/denied'), (answer) => answer.status === 403, 45_000);
      assert.match(String(denied.headers['l5d-proxy-error']), /unauthorized/);
      const metrics = await scrape(webPodIp(2), m.web.get(2)!.adminPort);
      assert.match(metrics, /^inbound_http_authz_deny_total\{(?=[^}]*srv_name="web-http")(?=[^}]*srv_kind="server")[^}]*\} [1-9]/m);
    });
  });

  describe('with the control plane watching the API server', () => {
    let mesh: Mesh | undefined;
    before(async () => { mesh = await startMesh([1, 2], 'kube'); });
    after(async () => stopMesh(mesh));

    it('finishes every request in flight when an endpoint is removed under load, and moves traffic to the rest', async () => {
      const m = mesh as Mesh;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      const results: string[] = [];
      let running = true;
      const load = Promise.all(Array.from({ length: 8 }, async () => {
        for (let i = 0; running && i < 2_000; i += 1) {
          const answer = await http1Get(curlPodIp, curlPortFor(80), '/load', agent).catch((error: Error) => ({ status: 0, body: error.message, headers: {} }));
          results.push(answer.status === 200 ? (answer.body.split(' ')[0] ?? '') : `failed ${answer.status} ${answer.body}`);
        }
      }));
      await eventually('load on both endpoints', async () => new Set(results), (seen) => seen.has('web-1') && seen.has('web-2'));
      m.world.api.apply(resourceOf({ kind: 'EndpointSlice' }), endpointSlice(meshNamespace, 'web-abc', 'web', [{ ip: webPodIp(2), pod: 'web-2' }],
        webPorts.map((port) => ({ name: port.name, port: port.targetPort }))));
      const removedAt = results.length;
      await eventually('traffic only on web-2', async () => results.slice(-50), (recent) => recent.length === 50 && recent.every((name) => name === 'web-2'));
      running = false;
      await load;
      agent.destroy();
      assert.deepEqual(results.filter((result) => result.startsWith('failed')), [], 'no request may fail');
      assert.ok(results.length - removedAt >= 50, 'the load went on after the removal');
    });
  });
});
