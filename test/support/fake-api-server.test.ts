/**
 * Tests of the fake Kubernetes API server, driven by the real @kubernetes/client-node where it can
 * be, and by raw node:http for faults and wire details. Each test names one behaviour it guards.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { FakeApiError, FakeApiServer, type FakeApiServerOptions } from './fake-api-server.js';

// ---- helpers ----

function pod(name: string, namespace = 'default', labels: Record<string, string> = {}): object {
  return { metadata: { name, namespace, labels }, spec: { containers: [{ name: 'app', image: 'app:1' }] } };
}

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

function raw(server: FakeApiServer, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A watch over raw HTTP: every line as it arrives, and how the stream ended. */
class RawWatch {
  readonly lines: string[] = [];
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly ended: Promise<'end' | 'aborted'>;
  private readonly req: ReturnType<typeof request>;

  constructor(server: FakeApiServer, path: string, onHeaders: () => void) {
    let settle: (how: 'end' | 'aborted') => void = () => undefined;
    this.ended = new Promise((resolve) => (settle = resolve));
    this.req = request(`${server.url}${path}`, { agent: false }, (res) => {
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      let partial = '';
      res.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        this.lines.push(...parts);
      });
      res.on('end', () => {
        if (partial !== '') this.lines.push(partial);
      });
      res.on('error', () => settle('aborted'));
      res.on('close', () => settle(res.complete ? 'end' : 'aborted'));
      onHeaders();
    });
    this.req.on('error', () => settle('aborted'));
    this.req.end();
  }

  static open(server: FakeApiServer, path: string): Promise<RawWatch> {
    return new Promise((resolve) => {
      const watch: RawWatch = new RawWatch(server, path, () => resolve(watch));
    });
  }

  events(): { type: string; object: { metadata: { name?: string; resourceVersion: string; annotations?: Record<string, string> }; code?: number; reason?: string } }[] {
    return this.lines.map((l) => JSON.parse(l) as ReturnType<RawWatch['events']>[number]);
  }

  abort(): void {
    this.req.destroy();
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ClientWatch {
  readonly events: { type: string; name: string; rv: string }[];
  readonly done: Promise<unknown>;
  readonly controller: AbortController;
}

async function clientWatch(kc: k8s.KubeConfig, path: string, query: Record<string, string | boolean>): Promise<ClientWatch> {
  const events: ClientWatch['events'] = [];
  let finish: (err: unknown) => void = () => undefined;
  const done = new Promise<unknown>((resolve) => (finish = resolve));
  const controller = await new k8s.Watch(kc).watch(path, query, (type, object: k8s.KubernetesObject) => {
    events.push({ type, name: object.metadata?.name ?? '', rv: object.metadata?.resourceVersion ?? '' });
  }, (err: unknown) => finish(err));
  return { events, done, controller };
}

function isApiException(err: unknown, code: number): boolean {
  return err instanceof k8s.ApiException && err.code === code;
}

// ---- tests ----

describe('FakeApiServer', () => {
  let server: FakeApiServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  async function restart(options: FakeApiServerOptions): Promise<void> {
    await server.close();
    server = await FakeApiServer.start(options);
    kc = server.kubeConfig();
    core = kc.makeApiClient(k8s.CoreV1Api);
  }

  beforeEach(async () => {
    server = await FakeApiServer.start();
    kc = server.kubeConfig();
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterEach(async () => {
    await server.close();
  });

  describe('kubeconfig and discovery', () => {
    it('writes YAML and JSON kubeconfigs that KubeConfig.loadFromFile accepts and that reach the server with the bearer token', async () => {
      await restart({ requireToken: true });
      const dir = mkdtempSync(join(tmpdir(), 'fake-api-'));
      try {
        for (const file of ['config.yaml', 'config.json']) {
          server.writeKubeconfig(join(dir, file));
          const loaded = new k8s.KubeConfig();
          loaded.loadFromFile(join(dir, file));
          assert.equal(loaded.getCurrentCluster()?.server, server.url);
          const namespaces = await loaded.makeApiClient(k8s.CoreV1Api).listNamespace();
          assert.deepEqual(namespaces.items, []);
        }
        assert.ok(readFileSync(join(dir, 'config.json'), 'utf8').trimStart().startsWith('{'));
        assert.equal((await raw(server, 'GET', '/api/v1/pods')).status, 401);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('serves node:http requests prepared by KubeConfig.applyToHTTPSOptions, as Sinew\'s reflector makes them', async () => {
      await restart({ requireToken: true });
      server.create('pods', pod('a'));
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      const lines = await new Promise<string[]>((resolve, reject) => {
        const req = request(`${server.url}/api/v1/pods?watch=true`, options, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString('utf8');
            if (!text.endsWith('\n')) return;
            resolve(text.split('\n').filter((l) => l !== ''));
            req.destroy();
          });
        });
        req.on('error', reject);
        req.end();
      });
      assert.deepEqual(lines.map((l) => (JSON.parse(l) as { type: string }).type), ['ADDED']);
    });

    it('serves /version, /api, /apis, the resource lists and health checks', async () => {
      const version = await kc.makeApiClient(k8s.VersionApi).getCode();
      assert.match(version.gitVersion, /^v1\.\d+/);
      const api = await raw(server, 'GET', '/api');
      assert.deepEqual(api.json.versions, ['v1']);
      const groups = (await raw(server, 'GET', '/apis')).json.groups as { name: string }[];
      assert.deepEqual(groups.map((g) => g.name), ['authentication.k8s.io', 'discovery.k8s.io']);
      const coreResources = (await raw(server, 'GET', '/api/v1')).json.resources as { name: string; namespaced: boolean }[];
      assert.ok(coreResources.some((r) => r.name === 'pods' && r.namespaced));
      assert.equal((await raw(server, 'GET', '/apis/discovery.k8s.io/v1')).json.groupVersion, 'discovery.k8s.io/v1');
      assert.equal((await raw(server, 'GET', '/healthz')).text, 'ok');
      assert.equal((await raw(server, 'GET', '/readyz')).status, 200);
    });

    it('answers unknown resources with a 404 Status until addResource registers them', async () => {
      const crd = { group: 'policy.linkerd.io', version: 'v1beta3', plural: 'servers', kind: 'Server', namespaced: true };
      const missing = await raw(server, 'GET', '/apis/policy.linkerd.io/v1beta3/servers');
      assert.equal(missing.status, 404);
      assert.equal(missing.json.kind, 'Status');
      assert.equal(missing.json.reason, 'NotFound');
      assert.throws(() => server.create('servers.policy.linkerd.io', { metadata: { name: 'x' } }), FakeApiError);
      server.addResource(crd);
      server.create('servers.policy.linkerd.io', { metadata: { name: 'web', namespace: 'shop' }, spec: { port: 8080 } });
      const custom = kc.makeApiClient(k8s.CustomObjectsApi);
      const listed = await custom.listNamespacedCustomObject({ group: crd.group, version: crd.version, namespace: 'shop', plural: 'servers' }) as { items: { apiVersion: string; kind: string }[] };
      assert.equal(listed.items.length, 1);
      assert.equal(listed.items[0]?.apiVersion, 'policy.linkerd.io/v1beta3');
      assert.equal(listed.items[0]?.kind, 'Server');
    });
  });

  describe('state', () => {
    it('stamps a new global resourceVersion, uid and creationTimestamp on every write', () => {
      const a = server.create('pods', pod('a'));
      const b = server.create('namespaces', { metadata: { name: 'shop' } });
      assert.equal(Number(b.metadata.resourceVersion), Number(a.metadata.resourceVersion) + 1);
      assert.equal(server.resourceVersion(), b.metadata.resourceVersion);
      assert.match(a.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
      assert.match(a.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(a.apiVersion, 'v1');
      assert.equal(a.kind, 'Pod');
      assert.equal(b.metadata.namespace, undefined);
      const updated = server.update('pods', { ...a, metadata: { ...a.metadata, labels: { v: '2' } } });
      assert.equal(updated.metadata.uid, a.metadata.uid);
      assert.equal(updated.metadata.creationTimestamp, a.metadata.creationTimestamp);
      const deleted = server.delete('pods', 'default', 'a');
      assert.equal(Number(deleted?.metadata.resourceVersion), Number(updated.metadata.resourceVersion) + 1);
      assert.equal(server.get('pods', 'default', 'a'), undefined);
      assert.equal(server.delete('pods', 'default', 'a'), undefined);
    });

    it('rejects a stale resourceVersion with 409 Conflict and a duplicate name with 409 AlreadyExists, over HTTP and in code', async () => {
      const created = await core.createNamespacedPod({ namespace: 'default', body: pod('web') as k8s.V1Pod });
      const staleRv = created.metadata?.resourceVersion ?? '';
      server.apply('pods', pod('web', 'default', { touched: 'yes' }));
      const stale = { ...created, metadata: { ...created.metadata, resourceVersion: staleRv } };
      await assert.rejects(core.replaceNamespacedPod({ name: 'web', namespace: 'default', body: stale }), (err) => isApiException(err, 409));
      await assert.rejects(core.createNamespacedPod({ namespace: 'default', body: pod('web') as k8s.V1Pod }), (err) => isApiException(err, 409));
      const conflict = await raw(server, 'PUT', '/api/v1/namespaces/default/pods/web', JSON.stringify({ ...pod('web'), metadata: { name: 'web', resourceVersion: staleRv } }));
      assert.equal(conflict.json.reason, 'Conflict');
      const exists = await raw(server, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod('web')));
      assert.equal(exists.json.reason, 'AlreadyExists');
      assert.throws(() => server.update('pods', stale), (err) => err instanceof FakeApiError && err.reason === 'Conflict');
      assert.throws(() => server.update('pods', pod('ghost')), (err) => err instanceof FakeApiError && err.code === 404);
      const current = server.get('pods', 'default', 'web');
      assert.ok(current !== undefined);
      const replaced = await core.replaceNamespacedPod({ name: 'web', namespace: 'default', body: current as k8s.V1Pod });
      assert.equal(Number(replaced.metadata?.resourceVersion), Number(current.metadata.resourceVersion) + 1);
    });

    it('applies merge patches and JSON patches, with the resourceVersion precondition a patch carries', async () => {
      server.create('pods', pod('web', 'default', { a: '1', b: '2' }));
      const merge = await raw(server, 'PATCH', '/api/v1/namespaces/default/pods/web',
        JSON.stringify({ metadata: { labels: { a: null, c: '3' } } }), { 'Content-Type': 'application/merge-patch+json' });
      assert.equal(merge.status, 200);
      assert.deepEqual(server.get('pods', 'default', 'web')?.metadata.labels, { b: '2', c: '3' });
      const json = await raw(server, 'PATCH', '/api/v1/namespaces/default/pods/web',
        JSON.stringify([{ op: 'replace', path: '/metadata/labels/b', value: 'x' }, { op: 'add', path: '/spec/containers/-', value: { name: 'side' } }]),
        { 'Content-Type': 'application/json-patch+json' });
      assert.equal(json.status, 200);
      const patched = server.get('pods', 'default', 'web');
      assert.equal(patched?.metadata.labels?.b, 'x');
      assert.equal((patched?.spec as { containers: unknown[] }).containers.length, 2);
      const failedTest = await raw(server, 'PATCH', '/api/v1/namespaces/default/pods/web',
        JSON.stringify([{ op: 'test', path: '/metadata/labels/b', value: 'nope' }]), { 'Content-Type': 'application/json-patch+json' });
      assert.equal(failedTest.status, 422);
      const stale = await raw(server, 'PATCH', '/api/v1/namespaces/default/pods/web',
        JSON.stringify({ metadata: { resourceVersion: '1' } }), { 'Content-Type': 'application/merge-patch+json' });
      assert.equal(stale.status, 409);
    });

    it('never crashes on bad requests: 400 for bad JSON, 413 for bodies over 3 MiB, 405 for odd methods', async () => {
      const bad = await raw(server, 'POST', '/api/v1/namespaces/default/pods', '{not json');
      assert.equal(bad.status, 400);
      assert.equal(bad.json.kind, 'Status');
      const huge = await raw(server, 'POST', '/api/v1/namespaces/default/pods', Buffer.alloc(3 * 1024 * 1024 + 1, 32));
      assert.equal(huge.status, 413);
      assert.equal((await raw(server, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify({ metadata: {} }))).status, 422);
      assert.equal((await raw(server, 'PUT', '/api/v1/namespaces/default/pods')).status, 405);
      assert.equal((await raw(server, 'GET', '/api/v1/pods?labelSelector=a%20in%20(')).status, 400);
      assert.equal((await raw(server, 'GET', '/api/v1/namespaces/default/pods')).status, 200);
    });
  });

  describe('LIST', () => {
    it('pages with limit and continue return every object exactly once, all from the first page\'s snapshot', async () => {
      const originals = new Map<string, string>();
      for (let i = 0; i < 10; i++) {
        const created = server.create('pods', pod(`p${i}`));
        originals.set(created.metadata.name, created.metadata.resourceVersion ?? '');
      }
      const first = await core.listNamespacedPod({ namespace: 'default', limit: 4 });
      server.delete('pods', 'default', 'p5');
      server.create('pods', pod('p99'));
      server.create('pods', pod('p00'));
      server.apply('pods', pod('p7', 'default', { changed: 'yes' }));
      const seen = [...first.items];
      let token = first.metadata?._continue;
      const pageRvs = [first.metadata?.resourceVersion];
      while (token !== undefined && token !== '') {
        const page = await core.listNamespacedPod({ namespace: 'default', limit: 4, _continue: token });
        seen.push(...page.items);
        pageRvs.push(page.metadata?.resourceVersion);
        token = page.metadata?._continue;
      }
      assert.deepEqual(seen.map((p) => p.metadata?.name), [...originals.keys()]);
      assert.deepEqual(seen.map((p) => p.metadata?.resourceVersion), [...originals.values()]);
      assert.equal(pageRvs.length, 3);
      assert.ok(pageRvs.every((rv) => rv === pageRvs[0]));
      assert.equal(server.requests({ verb: 'list', resource: 'pods' }).length, 3);
    });

    it('answers 410 Expired for a continue token whose snapshot was compacted', async () => {
      for (let i = 0; i < 3; i++) server.create('pods', pod(`p${i}`));
      const first = await raw(server, 'GET', '/api/v1/pods?limit=1');
      const token = (first.json.metadata as { continue: string }).continue;
      server.create('pods', pod('later'));
      server.compact();
      const next = await raw(server, 'GET', `/api/v1/pods?limit=1&continue=${encodeURIComponent(token)}`);
      assert.equal(next.status, 410);
      assert.equal(next.json.reason, 'Expired');
      assert.equal((await raw(server, 'GET', '/api/v1/pods?continue=garbage')).status, 400);
    });

    it('returns a <Kind>List whose items carry apiVersion and kind, filtered by namespace and selectors', async () => {
      server.create('endpointslices.discovery.k8s.io', { metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, endpoints: [] });
      server.create('endpointslices.discovery.k8s.io', { metadata: { name: 'db-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'db' } }, endpoints: [] });
      server.create('endpointslices.discovery.k8s.io', { metadata: { name: 'web-1', namespace: 'other' }, endpoints: [] });
      const all = await raw(server, 'GET', '/apis/discovery.k8s.io/v1/endpointslices');
      assert.equal(all.json.kind, 'EndpointSliceList');
      assert.equal(all.json.apiVersion, 'discovery.k8s.io/v1');
      const items = all.json.items as { apiVersion: string; kind: string; metadata: { namespace: string; name: string } }[];
      assert.deepEqual(items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`), ['other/web-1', 'shop/db-1', 'shop/web-1']);
      assert.ok(items.every((i) => i.apiVersion === 'discovery.k8s.io/v1' && i.kind === 'EndpointSlice'));
      const names = async (query: string): Promise<string[]> =>
        ((await raw(server, 'GET', `/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?${query}`)).json.items as { metadata: { name: string } }[])
          .map((i) => i.metadata.name);
      assert.deepEqual(await names('labelSelector=kubernetes.io%2Fservice-name%3Dweb'), ['web-1']);
      assert.deepEqual(await names('labelSelector=kubernetes.io%2Fservice-name%20in%20(db%2Cx)'), ['db-1']);
      assert.deepEqual(await names('labelSelector=!kubernetes.io%2Fservice-name'), []);
      assert.deepEqual(await names('fieldSelector=metadata.name%3Ddb-1'), ['db-1']);
      assert.deepEqual(await names('fieldSelector=metadata.name!%3Ddb-1'), ['web-1']);
    });

    it('failLists answers the planned status exactly `times` times, then serves the list', async () => {
      server.failLists('pods', 429, 2);
      const throttled = await raw(server, 'GET', '/api/v1/pods');
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers['retry-after'], '1');
      assert.equal(throttled.json.reason, 'TooManyRequests');
      await assert.rejects(core.listPodForAllNamespaces(), (err) => isApiException(err, 429));
      assert.equal((await core.listPodForAllNamespaces()).kind, 'PodList');
      assert.equal((await raw(server, 'GET', '/api/v1/namespaces')).status, 200, 'other resources are unaffected');
      for (const status of [403, 500, 410] as const) {
        server.failLists('pods', status, 1);
        assert.equal((await raw(server, 'GET', '/api/v1/pods')).status, status);
        assert.equal((await raw(server, 'GET', '/api/v1/pods')).status, 200);
      }
      assert.deepEqual(server.requests({ verb: 'list', resource: 'pods' }).map((r) => r.status), [429, 429, 200, 403, 200, 500, 200, 410, 200]);
    });

    it('stallNext("list") holds the LIST without a byte until unstall(), then answers from the state at that moment', async () => {
      server.stallNext('pods', 'list');
      let answered = false;
      const pending = raw(server, 'GET', '/api/v1/pods').then((r) => {
        answered = true;
        return r;
      });
      await server.waitForRequests({ verb: 'list', resource: 'pods' });
      await sleep(100);
      assert.equal(answered, false);
      assert.equal(server.requests({ verb: 'list' })[0]?.status, 0);
      server.create('pods', pod('late'));
      server.unstall();
      const response = await pending;
      assert.equal(response.status, 200);
      assert.equal((response.json.items as unknown[]).length, 1);
      assert.equal((await raw(server, 'GET', '/api/v1/pods')).status, 200, 'only the next request stalls');
    });
  });

  describe('WATCH', () => {
    it('a watch from a list\'s resourceVersion sees every later change in order (client-node Watch)', async () => {
      server.create('pods', pod('before'));
      const list = await core.listNamespacedPod({ namespace: 'default' });
      const watch = await clientWatch(kc, '/api/v1/namespaces/default/pods', { resourceVersion: list.metadata?.resourceVersion ?? '' });
      await server.waitForOpenWatches(1, 'pods');
      server.create('pods', pod('a'));
      server.create('pods', pod('elsewhere', 'other'));
      server.apply('pods', pod('a', 'default', { v: '2' }));
      server.delete('pods', 'default', 'a');
      server.delete('pods', 'default', 'before');
      await eventually(() => watch.events.length === 4, '4 events');
      assert.deepEqual(watch.events.map((e) => `${e.type} ${e.name}`), ['ADDED a', 'MODIFIED a', 'DELETED a', 'DELETED before']);
      const rvs = watch.events.map((e) => Number(e.rv));
      assert.deepEqual(rvs, [...rvs].sort((x, y) => x - y));
      assert.equal(watch.events[3]?.rv, server.resourceVersion(), 'DELETED carries a new resourceVersion');
      watch.controller.abort();
      await server.waitForOpenWatches(0).catch(() => undefined);
      await eventually(() => server.openWatches() === 0, 'the aborted watch to close');
    });

    it('a watch without a resourceVersion starts with a synthetic ADDED for each current object', async () => {
      server.create('pods', pod('x'));
      server.create('pods', pod('y'));
      const watch = await RawWatch.open(server, '/api/v1/pods?watch=true');
      assert.equal(watch.status, 200);
      assert.equal(watch.headers['content-type'], 'application/json');
      assert.equal(watch.headers['transfer-encoding'], 'chunked');
      await eventually(() => watch.lines.length === 2, 'two synthetic events');
      server.create('pods', pod('z'));
      await eventually(() => watch.lines.length === 3, 'the live event');
      assert.deepEqual(watch.events().map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED x', 'ADDED y', 'ADDED z']);
      watch.abort();
    });

    it('a watch resumed from an older resourceVersion replays history, then follows live changes', async () => {
      const start = server.resourceVersion();
      server.create('pods', pod('a'));
      server.apply('pods', pod('a', 'default', { v: '2' }));
      server.create('services', { metadata: { name: 'svc', namespace: 'default' } });
      server.delete('pods', 'default', 'a');
      const watch = await RawWatch.open(server, `/api/v1/pods?watch=1&resourceVersion=${start}`);
      await eventually(() => watch.lines.length === 3, 'the replay');
      server.create('pods', pod('b'));
      await eventually(() => watch.lines.length === 4, 'the live event');
      assert.deepEqual(watch.events().map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED a', 'MODIFIED a', 'DELETED a', 'ADDED b']);
      watch.abort();
    });

    it('a label-selected watch sees an object leave the selection as DELETED and enter it as ADDED', async () => {
      server.create('pods', pod('a', 'default', { app: 'web' }));
      const watch = await RawWatch.open(server, `/api/v1/pods?watch=true&resourceVersion=${server.resourceVersion()}&labelSelector=app%3Dweb`);
      server.apply('pods', pod('a', 'default', { app: 'db' }));
      server.apply('pods', pod('a', 'default', { app: 'db', v: '2' }));
      server.apply('pods', pod('a', 'default', { app: 'web' }));
      await eventually(() => watch.lines.length === 2, 'two events');
      assert.deepEqual(watch.events().map((e) => e.type), ['DELETED', 'ADDED']);
      watch.abort();
    });

    for (const mode of ['event', 'status'] as const) {
      it(`a watch from a compacted resourceVersion is 410 Expired (expiredWatchMode '${mode}')`, async () => {
        await restart({ expiredWatchMode: mode });
        const old = server.resourceVersion();
        server.create('pods', pod('a'));
        server.compact();
        const watch = await RawWatch.open(server, `/api/v1/pods?watch=true&resourceVersion=${old}`);
        assert.equal(await watch.ended, 'end');
        if (mode === 'status') {
          assert.equal(watch.status, 410);
          assert.equal((JSON.parse(watch.lines.join('')) as { reason: string }).reason, 'Expired');
        } else {
          assert.equal(watch.status, 200);
          const [event] = watch.events();
          assert.equal(event?.type, 'ERROR');
          assert.equal(event?.object.code, 410);
          assert.equal(event?.object.reason, 'Expired');
        }
        const fresh = await RawWatch.open(server, `/api/v1/pods?watch=true&resourceVersion=${server.resourceVersion()}`);
        assert.equal(fresh.status, 200, 'the current resourceVersion is still watchable');
        fresh.abort();
      });
    }

    it('historyLimit evicts the oldest events globally, expiring watches from before them', async () => {
      await restart({ historyLimit: 2, expiredWatchMode: 'status' });
      const start = server.resourceVersion();
      server.create('pods', pod('a'));
      const afterFirst = server.resourceVersion();
      server.create('services', { metadata: { name: 's', namespace: 'default' } });
      server.create('pods', pod('b'));
      const tooOld = await RawWatch.open(server, `/api/v1/pods?watch=true&resourceVersion=${start}`);
      assert.equal(tooOld.status, 410);
      const kept = await RawWatch.open(server, `/api/v1/pods?watch=true&resourceVersion=${afterFirst}`);
      await eventually(() => kept.lines.length === 1, 'the replayed event');
      assert.equal(kept.events()[0]?.object.metadata.name, 'b');
      kept.abort();
    });

    it('sends BOOKMARKs carrying the current resourceVersion only to watches that asked for them', async () => {
      await restart({ bookmarkIntervalMs: 30 });
      const asked = await clientWatch(kc, '/api/v1/pods', { allowWatchBookmarks: true, resourceVersion: server.resourceVersion() });
      const plain = await RawWatch.open(server, `/api/v1/pods?watch=true&resourceVersion=${server.resourceVersion()}`);
      server.create('namespaces', { metadata: { name: 'unrelated' } });
      const rv = server.resourceVersion();
      await eventually(() => asked.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
      const bookmark = asked.events.find((e) => e.type === 'BOOKMARK');
      assert.equal(bookmark?.rv, rv);
      await sleep(80);
      assert.deepEqual(plain.lines, []);
      asked.controller.abort();
      plain.abort();
    });

    it('sendInitialEvents=true ends the initial ADDED events with an annotated BOOKMARK', async () => {
      server.create('pods', pod('a'));
      const watch = await RawWatch.open(server, '/api/v1/pods?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan');
      await eventually(() => watch.lines.length === 2, 'two events');
      const [added, bookmark] = watch.events();
      assert.equal(added?.type, 'ADDED');
      assert.equal(bookmark?.type, 'BOOKMARK');
      assert.equal(bookmark?.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
      assert.equal(bookmark?.object.metadata.resourceVersion, server.resourceVersion());
      watch.abort();
    });

    it('timeoutSeconds ends the stream cleanly', async () => {
      const watch = await RawWatch.open(server, '/api/v1/pods?watch=true&timeoutSeconds=1');
      const started = Date.now();
      assert.equal(await watch.ended, 'end');
      assert.ok(Date.now() - started >= 900);
      assert.equal(server.openWatches(), 0);
    });
  });

  describe('watch faults', () => {
    it('cutWatches destroys open watch sockets mid-stream and counts them', async () => {
      const pods = await RawWatch.open(server, '/api/v1/pods?watch=true');
      const nodes = await RawWatch.open(server, '/api/v1/nodes?watch=true');
      const client = await clientWatch(kc, '/api/v1/pods', {});
      await server.waitForOpenWatches(3);
      assert.equal(server.cutWatches('pods'), 2);
      assert.equal(await pods.ended, 'aborted');
      await client.done;
      assert.equal(server.openWatches('nodes'), 1);
      nodes.abort();
    });

    it('expireWatches sends an in-stream 410 Expired ERROR event and then ends the stream', async () => {
      const watch = await RawWatch.open(server, '/api/v1/pods?watch=true');
      await server.waitForOpenWatches(1);
      assert.equal(server.expireWatches(), 1);
      assert.equal(await watch.ended, 'end');
      const [event] = watch.events();
      assert.equal(event?.type, 'ERROR');
      assert.equal(event?.object.code, 410);
      assert.equal(event?.object.reason, 'Expired');
    });

    it('injectMalformedLine writes a line that is not JSON, and the stream goes on', async () => {
      const watch = await RawWatch.open(server, '/api/v1/pods?watch=true');
      await server.waitForOpenWatches(1);
      assert.equal(server.injectMalformedLine('pods'), 1);
      assert.equal(server.injectMalformedLine('services'), 0);
      server.create('pods', pod('after'));
      await eventually(() => watch.lines.length === 2, 'two lines');
      assert.throws(() => JSON.parse(watch.lines[0] ?? ''));
      assert.equal((JSON.parse(watch.lines[1] ?? '') as { type: string }).type, 'ADDED');
      watch.abort();
    });

    it('failWatchStarts fails exactly the next `times` watch starts', async () => {
      await restart({ expiredWatchMode: 'status' });
      server.failWatchStarts('pods', 500, 1);
      const failed = await RawWatch.open(server, '/api/v1/pods?watch=true');
      assert.equal(failed.status, 500);
      server.failWatchStarts('pods', 410, 1);
      const expired = await RawWatch.open(server, '/api/v1/pods?watch=true');
      assert.equal(expired.status, 410);
      const ok = await RawWatch.open(server, '/api/v1/pods?watch=true');
      assert.equal(ok.status, 200);
      ok.abort();
    });

    it('stallNext("watch") sends the headers and then no bytes until unstall(), which delivers what was held', async () => {
      server.stallNext('pods', 'watch');
      const watch = await RawWatch.open(server, `/api/v1/pods?watch=true&resourceVersion=${server.resourceVersion()}`);
      assert.equal(watch.status, 200);
      server.create('pods', pod('held'));
      await sleep(100);
      assert.deepEqual(watch.lines, []);
      server.unstall();
      await eventually(() => watch.lines.length === 1, 'the held event');
      assert.equal(watch.events()[0]?.object.metadata.name, 'held');
      watch.abort();
    });
  });

  describe('TokenReview', () => {
    it('authenticates tokens whose audiences intersect the review\'s, and the API server audience by default', async () => {
      server.addToken('id-token', { username: 'system:serviceaccount:shop:web', uid: 'u-1', groups: ['system:serviceaccounts'], audiences: ['identity.l5d.io'] });
      server.addToken('api-token', { username: 'alice' });
      const auth = kc.makeApiClient(k8s.AuthenticationV1Api);
      const review = async (token: string, audiences?: string[]): Promise<k8s.V1TokenReviewStatus | undefined> =>
        (await auth.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences === undefined ? {} : { audiences }) } } })).status;
      const good = await review('id-token', ['identity.l5d.io', 'other']);
      assert.equal(good?.authenticated, true);
      assert.equal(good?.user?.username, 'system:serviceaccount:shop:web');
      assert.equal(good?.user?.uid, 'u-1');
      assert.deepEqual(good?.user?.groups, ['system:serviceaccounts', 'system:authenticated']);
      assert.deepEqual(good?.audiences, ['identity.l5d.io']);
      const wrongAudience = await review('id-token', ['https://kubernetes.default.svc']);
      assert.equal(wrongAudience?.authenticated, false);
      assert.match(wrongAudience?.error ?? '', /audiences/);
      assert.equal((await review('id-token'))?.authenticated, false, 'no audiences means the API server audience');
      const apiDefault = await review('api-token');
      assert.equal(apiDefault?.authenticated, true);
      assert.deepEqual(apiDefault?.audiences, ['https://kubernetes.default.svc']);
      const unknown = await review('nope', ['identity.l5d.io']);
      assert.equal(unknown?.authenticated, false);
      assert.ok((unknown?.error ?? '') !== '');
      const malformed = await raw(server, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', JSON.stringify({ kind: 'TokenReview', spec: { token: 7 } }));
      assert.equal(malformed.status, 400);
      assert.equal(malformed.json.kind, 'Status');
    });
  });

  describe('close()', () => {
    it('ends open and stalled watches and stalled lists, and leaves no server, socket or timer behind', async () => {
      const handles = (): string[] => process.getActiveResourcesInfo().filter((h) => h !== 'TTYWrap');
      await server.close();
      const before = handles();
      server = await FakeApiServer.start({ bookmarkIntervalMs: 20 });
      const open = await RawWatch.open(server, '/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=60');
      server.stallNext('pods', 'watch');
      const stalledWatch = await RawWatch.open(server, '/api/v1/pods?watch=true');
      server.stallNext('pods', 'list');
      const stalledList = raw(server, 'GET', '/api/v1/pods').then(() => 'answered', () => 'failed');
      await server.waitForRequests({ verb: 'list' });
      const waiting = server.waitForOpenWatches(5).then(() => 'resolved', () => 'rejected');
      await server.close();
      assert.equal(await open.ended, 'end');
      assert.equal(await stalledWatch.ended, 'end');
      assert.equal(await stalledList, 'failed');
      assert.equal(await waiting, 'rejected');
      await eventually(() => handles().length <= before.length, `handles to go: ${handles().join(', ')} vs ${before.join(', ')}`);
      await server.close();
    });
  });
});
