import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { DestinationClient } from '../../src/gen/proto/io/linkerd/proxy/destination/Destination.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import type { Service } from '../../src/informers/kinds/service.js';
import { silentLogger } from '../../src/observe/logger.js';
import { defaultMeshConfig } from '../../src/reconcilers/mesh-config.js';
import { destinationService } from '../../src/streams/destination/destination-server.js';
import { type RunningGrpcServer, startGrpcServer } from '../../src/streams/grpc-server.js';
import { destinationClient, eventually, FoldedGet, ProfileStream } from '../support/destination-client.js';
import { startEngine, type RunningEngine } from '../support/engine-harness.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { endpointSlice, namespace, pod, service } from '../support/objects.js';

const slices = 'endpointslices.discovery.k8s.io';
const web = 'web.shop.svc.cluster.local:80';

function meshedPod(name: string, ip: string, node = 'node-1', extra: Record<string, unknown> = {}): Record<string, unknown> {
  const object = pod('shop', name, { ip, node, serviceAccount: 'web', labels: { app: 'web', 'pod-template-hash': '5d8f', 'linkerd.io/control-plane-ns': 'linkerd' } });
  const metadata = object.metadata as Record<string, unknown>;
  metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'rs-1', controller: true }];
  Object.assign(metadata, extra);
  return object;
}

function seed(api: FakeApiServer): void {
  for (const spec of allKinds) api.addResource(spec);
  api.create('namespaces', namespace('shop'));
  api.create('replicasets.apps', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-5d8f', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-1', controller: true }] } });
  api.create('services', service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.10'));
  api.create('services', service('shop', 'db', [{ name: 'pg', port: 5432 }], '10.96.0.11'));
  for (let i = 1; i <= 3; i++) api.create('pods', meshedPod(`web-${i}`, `10.0.0.${i}`, `node-${i}`));
  api.create('pods', meshedPod('db-0', '10.0.1.1'));
  setWeb(api, [1, 2, 3].map((i) => ({ ip: `10.0.0.${i}`, pod: `web-${i}` })));
  api.create(slices, endpointSlice('shop', 'db-a', 'db', [{ ip: '10.0.1.1', pod: 'db-0' }], [{ name: 'pg', port: 5432 }]));
}

function setWeb(api: FakeApiServer, endpoints: readonly { ip: string; pod: string; ready?: boolean }[]): void {
  api.apply(slices, endpointSlice('shop', 'web-a', 'web', endpoints, [{ name: 'http', port: 8080 }]));
}

/** The ready web endpoints the fake API server holds now. */
function readyWeb(api: FakeApiServer): string[] {
  const slice = api.get(slices, 'shop', 'web-a') as unknown as { endpoints: { addresses: string[]; conditions?: { ready?: boolean } }[] };
  return slice.endpoints.filter((endpoint) => endpoint.conditions?.ready !== false).map((endpoint) => `${endpoint.addresses[0]}:8080`).sort();
}

describe('Destination service', function () {
  this.timeout(30_000);
  let api: FakeApiServer;
  let running: RunningEngine;
  let grpc: RunningGrpcServer;
  let client: DestinationClient;
  const streams: { cancel(): void }[] = [];

  beforeEach(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    seed(api);
    running = await startEngine(api, { kinds: allKinds });
    grpc = await startGrpcServer('127.0.0.1', 0, [destinationService({
      hub: running.engine.hub, view: running.engine.store.view, config: defaultMeshConfig, log: silentLogger, registry: running.metrics.registry,
    })]);
    client = destinationClient(grpc.port);
    await eventually(() => (running.engine.store.view.synced() && running.engine.store.getView('endpoints/shop/web:80')?.items.length === 3 ? undefined : 'not synced'));
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.cancel();
    client.close();
    await grpc.close();
    await running.stop();
    await api.close();
  });

  function get(path: string, token = ''): FoldedGet {
    const stream = new FoldedGet(client, path, token);
    streams.push(stream);
    return stream;
  }

  it('streams a meshed endpoint with its identity, h2 hint and Linkerd metric labels', async () => {
    const stream = get(web);
    await eventually(() => (stream.names().length === 3 ? undefined : `have ${stream.names().join(',')}`));
    const first = stream.updates[0];
    assert.deepEqual(first?.add?.metric_labels, { service: 'web', namespace: 'shop' });
    const addr = stream.endpoints.get('10.0.0.1:8080');
    assert.equal(addr?.weight, 10_000);
    assert.deepEqual(addr?.metric_labels, { pod: 'web-1', deployment: 'web', serviceaccount: 'web', pod_template_hash: '5d8f', control_plane_ns: 'linkerd' });
    const identity = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
    assert.equal(addr?.tls_identity?.dns_like_identity?.name, identity);
    assert.equal(addr?.tls_identity?.server_name?.name, identity);
    assert.equal(addr?.protocol_hint?.protocol, 'h2');
  });

  it('marks a default opaque port opaque, with opaque transport on the inbound port', async () => {
    const stream = get('db.shop.svc.cluster.local:5432');
    await eventually(() => (stream.names().length === 1 ? undefined : 'no db endpoint'));
    const hint = stream.endpoints.get('10.0.1.1:5432')?.protocol_hint;
    assert.equal(hint?.protocol, 'opaque');
    assert.equal(hint?.opaque_transport?.inbound_port, 4143);
  });

  it('follows a rollout: at every step the set rebuilt from adds and removes equals the ready endpoints', async () => {
    const stream = get(web);
    const steps: { ip: string; pod: string; ready?: boolean }[][] = [];
    let current: { ip: string; pod: string; ready?: boolean }[] = [1, 2, 3].map((i) => ({ ip: `10.0.0.${i}`, pod: `web-${i}` }));
    for (let i = 1; i <= 3; i++) {
      api.create('pods', meshedPod(`web-v2-${i}`, `10.0.2.${i}`));
      current = [...current, { ip: `10.0.2.${i}`, pod: `web-v2-${i}`, ready: false }];
      steps.push(current);
      current = current.map((endpoint) => (endpoint.pod === `web-v2-${i}` ? { ...endpoint, ready: true } : endpoint));
      steps.push(current);
      current = current.filter((endpoint) => endpoint.pod !== `web-${i}`);
      steps.push(current);
    }
    for (const step of steps) {
      setWeb(api, step);
      const want = readyWeb(api).join(',');
      await eventually(() => (stream.names().join(',') === want ? undefined : `have ${stream.names().join(',')} want ${want}`));
    }
    assert.deepEqual(stream.names(), ['10.0.2.1:8080', '10.0.2.2:8080', '10.0.2.3:8080']);
    assert.ok(stream.updates.some((update) => update.remove !== null && update.remove !== undefined), 'removals were streamed as removals');
  });

  it('brings concurrent subscribers to the same state; a subscriber to another service hears nothing more', async () => {
    const many = Array.from({ length: 20 }, () => get(web));
    const other = get('db.shop.svc.cluster.local:5432');
    await eventually(() => (other.updates.length === 1 ? undefined : 'db subscriber has no first message'));
    for (let n = 0; n < 10; n++) setWeb(api, [1, 2, 3].map((i) => ({ ip: `10.0.0.${i}`, pod: `web-${i}`, ready: (n + i) % 2 === 0 })));
    const want = readyWeb(api).join(',');
    await eventually(() => (many.every((stream) => stream.names().join(',') === want) ? undefined : 'some subscriber differs'));
    assert.equal(other.updates.length, 1);
  });

  it('says no_endpoints{exists: true} when every endpoint is gone, and {exists: false} when the service is', async () => {
    const stream = get(web);
    await eventually(() => (stream.names().length === 3 ? undefined : 'not yet'));
    setWeb(api, []);
    await eventually(() => (stream.exists === true && stream.endpoints.size === 0 ? undefined : 'still has endpoints'));
    api.delete('services', 'shop', 'web');
    await eventually(() => (stream.exists === false ? undefined : 'service still exists'));
  });

  it('narrows a StatefulSet hostname authority to that pod, and Local traffic to the caller node', async () => {
    setWeb(api, [1, 2, 3].map((i) => ({ ip: `10.0.0.${i}`, pod: `web-${i}` })));
    const slice = api.get(slices, 'shop', 'web-a') as unknown as { endpoints: Record<string, unknown>[] };
    slice.endpoints.forEach((endpoint, i) => Object.assign(endpoint, { hostname: `web-${i + 1}`, nodeName: `node-${i + 1}` }));
    api.apply(slices, slice);
    const one = get(`web-2.${web}`);
    await eventually(() => (one.names().join(',') === '10.0.0.2:8080' ? undefined : `have ${one.names().join(',')}`));
    const svc = api.get('services', 'shop', 'web') as unknown as { spec: Record<string, unknown> };
    svc.spec.internalTrafficPolicy = 'Local';
    api.apply('services', svc);
    await eventually(() => (running.engine.store.view.get<Service>('services/shop/web' as never)?.spec.internalTrafficPolicy === 'Local' ? undefined : 'no policy yet'));
    const local = get(web, JSON.stringify({ ns: 'shop', nodeName: 'node-3' }));
    await eventually(() => (local.names().join(',') === '10.0.0.3:8080' ? undefined : `have ${local.names().join(',')}`));
  });

  for (const [what, path] of [
    ['a bare name', 'foo'], ['an IP literal', '10.0.0.1:80'], ['port 0', 'web.shop.svc.cluster.local:0'],
    ['port 65536', 'web.shop.svc.cluster.local:65536'], ['a 10 kB authority', `${'a'.repeat(10_000)}.shop.svc.cluster.local:80`],
    ['a NUL byte', 'web.shop.svc.cluster.local\u0000:80'], ['a non-ASCII name', 'wéb.shop.svc.cluster.local:80'],
  ] as const) {
    it(`refuses ${what} with INVALID_ARGUMENT and keeps no subscriber`, async () => {
      const stream = get(path);
      await eventually(() => (stream.error !== undefined ? undefined : 'no error'));
      assert.equal(stream.error?.code, status.INVALID_ARGUMENT);
      assert.equal(running.engine.hub.count(), 0);
    });
  }

  it('ends a subscriber that stops reading with RESOURCE_EXHAUSTED once its queue overflows, and counts it', async () => {
    const small = await startGrpcServer('127.0.0.1', 0, [destinationService({
      hub: running.engine.hub, view: running.engine.store.view, config: defaultMeshConfig, log: silentLogger,
      registry: new (await import('prom-client')).Registry(), queueCapacity: 3,
    })]);
    const slowClient = destinationClient(small.port);
    try {
      const slow = new FoldedGet(slowClient, web);
      await eventually(() => (slow.names().length === 3 ? undefined : 'no first message'));
      slow.call.pause();
      for (let step = 0; step < 200 && running.engine.hub.count() > 0; step++) {
        setWeb(api, Array.from({ length: 200 }, (_, i) => ({ ip: `10.9.${i >> 8}.${i & 255}`, pod: `big-${i}-${step}`, ready: (i + step) % 2 === 0 })));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      slow.call.resume();
      await eventually(() => (slow.error !== undefined ? undefined : 'no error'));
      assert.equal(slow.error?.code, status.RESOURCE_EXHAUSTED);
      const overflows = await running.metrics.streamOverflows.get();
      assert.equal(overflows.values.find((value) => value.labels.view === 'endpoints')?.value, 1);
      assert.equal(running.engine.hub.count(), 0);
    } finally {
      slowClient.close();
      await small.close();
    }
  });

  it('answers NOT_FOUND for an unknown service', async () => {
    const stream = get('nope.shop.svc.cluster.local:80');
    await eventually(() => (stream.error !== undefined ? undefined : 'no error'));
    assert.equal(stream.error?.code, status.NOT_FOUND);
  });

  it('releases the subscription of a cancelled client', async () => {
    const stream = get(web);
    await eventually(() => (running.engine.hub.count() === 1 ? undefined : 'not subscribed'));
    stream.cancel();
    await eventually(() => (running.engine.hub.count() === 0 ? undefined : 'still subscribed'));
    const gauge = await running.metrics.registry.getSingleMetric('destination_subscribers')?.get();
    assert.equal(gauge?.values.reduce((sum, value) => sum + value.value, 0), 0);
  });

  describe('GetProfile', () => {
    function profile(path: string, token = ''): ProfileStream {
      const stream = new ProfileStream(client, path, token);
      streams.push(stream);
      return stream;
    }

    const serviceProfile = (ns: string, route: string): Record<string, unknown> => ({
      apiVersion: 'linkerd.io/v1alpha2', kind: 'ServiceProfile',
      metadata: { name: 'web.shop.svc.cluster.local', namespace: ns },
      spec: {
        routes: [{ name: route, condition: { method: 'GET', pathRegex: '/books/\\d+' }, isRetryable: true, timeout: '300ms',
          responseClasses: [{ condition: { status: { min: 500, max: 599 } }, isFailure: true }] }],
        retryBudget: { retryRatio: 0.3, minRetriesPerSecond: 5, ttl: '20s' },
      },
    });

    it('sends the default profile with the service name, then the ServiceProfile once it exists, without repeats', async () => {
      const stream = profile(web);
      await eventually(() => (stream.latest() !== undefined ? undefined : 'no profile'));
      assert.equal(stream.latest()?.fully_qualified_name, 'web.shop.svc.cluster.local');
      assert.deepEqual(stream.latest()?.routes, []);
      assert.equal(stream.latest()?.retry_budget?.retry_ratio.toFixed(1), '0.2');
      api.create('serviceprofiles.linkerd.io', serviceProfile('shop', 'get-book'));
      await eventually(() => (stream.latest()?.routes.length === 1 ? undefined : 'no routes'));
      const route = stream.latest()?.routes[0];
      assert.deepEqual(route?.metrics_labels, { route: 'get-book' });
      assert.equal(route?.is_retryable, true);
      assert.deepEqual(route?.timeout, { seconds: '0', nanos: 300_000_000 });
      assert.equal(route?.condition?.match, 'all');
      assert.equal(route?.response_classes[0]?.condition?.status?.min, 500);
      assert.equal(stream.latest()?.retry_budget?.min_retries_per_second, 5);
      const count = stream.profiles.length;
      api.create('pods', meshedPod('unrelated', '10.0.9.9'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(stream.profiles.length, count, 'an unrelated change sends nothing');
    });

    it("prefers the client namespace's ServiceProfile to the service's", async () => {
      api.create('namespaces', namespace('client'));
      api.create('serviceprofiles.linkerd.io', serviceProfile('shop', 'server-side'));
      api.create('serviceprofiles.linkerd.io', serviceProfile('client', 'client-side'));
      const fromClient = profile(web, JSON.stringify({ ns: 'client' }));
      const fromElsewhere = profile(web, JSON.stringify({ ns: 'other' }));
      await eventually(() => (fromClient.latest()?.routes[0]?.metrics_labels.route === 'client-side' ? undefined : 'client profile not chosen'));
      await eventually(() => (fromElsewhere.latest()?.routes[0]?.metrics_labels.route === 'server-side' ? undefined : 'service profile not chosen'));
    });

    it('marks an opaque port opaque, and resolves a cluster IP and a pod IP', async () => {
      const opaque = profile('db.shop.svc.cluster.local:5432');
      await eventually(() => (opaque.latest()?.opaque_protocol === true ? undefined : 'not opaque'));
      const byClusterIp = profile('10.96.0.10:80');
      await eventually(() => (byClusterIp.latest()?.fully_qualified_name === 'web.shop.svc.cluster.local' ? undefined : 'no service'));
      const byPodIp = profile('10.0.0.2:8080');
      await eventually(() => (byPodIp.latest()?.endpoint?.metric_labels.pod === 'web-2' ? undefined : 'no endpoint'));
      assert.equal(byPodIp.latest()?.endpoint?.tls_identity?.dns_like_identity?.name, 'web.shop.serviceaccount.identity.linkerd.cluster.local');
    });
  });
});
