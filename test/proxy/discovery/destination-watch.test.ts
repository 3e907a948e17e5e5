/**
 * watchDestination against the real Destination server, in-process over an engine fed by the fake
 * API server: the folded set, changes, an outage (the last set is kept), a server restarted on
 * the same port, and the control plane's refusals.
 */
import assert from 'node:assert/strict';
import { credentials, status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import type { ProtoGrpcType } from '../../../src/gen/proto/destination.js';
import type { DestinationClient } from '../../../src/gen/proto/io/linkerd/proxy/destination/Destination.js';
import { allKinds } from '../../../src/informers/kinds/index.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { destinationService } from '../../../src/streams/destination/destination-server.js';
import { type RunningGrpcServer, startGrpcServer } from '../../../src/streams/grpc-server.js';
import { loadProtos } from '../../../src/streams/proto.js';
import { defaultMeshConfig } from '../../../src/reconcilers/mesh-config.js';
import { watchDestination } from '../../../src/proxy/discovery/destination-watch.js';
import { DiscoveryRejectedError } from '../../../src/proxy/discovery/discovery-errors.js';
import type { EndpointSet } from '../../../src/proxy/discovery/endpoint-set.js';
import { eventually } from '../../support/destination-client.js';
import { startEngine, type RunningEngine } from '../../support/engine-harness.js';
import { FakeApiServer } from '../../support/fake-api-server.js';
import { endpointSlice, namespace, pod, service } from '../../support/objects.js';
import { CountingMetrics, fastSettings, freePort, quickChannel, Recorder, sleep } from './recorder.js';

const slices = 'endpointslices.discovery.k8s.io';
const web = 'web.shop.svc.cluster.local:80';
const identity = 'web.shop.serviceaccount.identity.linkerd.cluster.local';

function meshedPod(name: string, ip: string): Record<string, unknown> {
  return pod('shop', name, { ip, serviceAccount: 'web', labels: { app: 'web', 'linkerd.io/control-plane-ns': 'linkerd' } });
}

function setWeb(api: FakeApiServer, ips: readonly number[]): void {
  api.apply(slices, endpointSlice('shop', 'web-a', 'web', ips.map((i) => ({ ip: `10.0.0.${i}`, pod: `web-${i}` })), [{ name: 'http', port: 8080 }]));
}

function keys(set: EndpointSet | undefined): string[] {
  return [...(set?.endpoints.keys() ?? [])].sort();
}

describe('watchDestination against the Destination server', function () {
  this.timeout(30_000);
  let api: FakeApiServer;
  let running: RunningEngine;
  let grpc: RunningGrpcServer | undefined;
  let port: number;
  let client: DestinationClient;
  const recorders: Recorder<unknown>[] = [];

  async function serve(): Promise<void> {
    grpc = await startGrpcServer('127.0.0.1', port, [destinationService({
      hub: running.engine.hub, view: running.engine.store.view, config: defaultMeshConfig, log: silentLogger, registry: new Registry(),
    })]);
  }

  beforeEach(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    for (const spec of allKinds) api.addResource(spec);
    api.create('namespaces', namespace('shop'));
    api.create('services', service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.10'));
    api.create('services', service('shop', 'db', [{ name: 'pg', port: 5432 }], '10.96.0.11'));
    for (let i = 1; i <= 4; i++) api.create('pods', meshedPod(`web-${i}`, `10.0.0.${i}`));
    api.create('pods', meshedPod('db-0', '10.0.1.1'));
    api.create(slices, endpointSlice('shop', 'db-a', 'db', [{ ip: '10.0.1.1', pod: 'db-0' }], [{ name: 'pg', port: 5432 }]));
    setWeb(api, [1, 2, 3]);
    running = await startEngine(api, { kinds: allKinds });
    port = await freePort();
    await serve();
    client = new (loadProtos<ProtoGrpcType>(['destination.proto']).io.linkerd.proxy.destination.Destination)(`127.0.0.1:${port}`, credentials.createInsecure(), quickChannel);
    await eventually(() => (running.engine.store.getView('endpoints/shop/web:80')?.items.length === 3 ? undefined : 'not synced'));
  });

  afterEach(async () => {
    for (const recorder of recorders.splice(0)) recorder.unsubscribe();
    client.close();
    await grpc?.close();
    await running.stop();
    await api.close();
  });

  function watch(path: string, metrics = new CountingMetrics()): Recorder<EndpointSet> {
    const recorder = new Recorder(watchDestination(client, path, '', fastSettings(metrics)));
    recorders.push(recorder);
    return recorder;
  }

  it('folds the first answer into the service\'s endpoints, with identity, protocol hint, weight and labels', async () => {
    const recorder = watch(web);
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no set'));
    const set = recorder.latest();
    assert.equal(set?.exists, true);
    assert.deepEqual(keys(set), ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
    assert.deepEqual(set?.metricLabels, { service: 'web', namespace: 'shop' });
    const endpoint = set?.endpoints.get('10.0.0.2:8080');
    assert.equal(endpoint?.ip, '10.0.0.2');
    assert.equal(endpoint?.port, 8080);
    assert.equal(endpoint?.weight, 10_000);
    assert.deepEqual(endpoint?.tlsIdentity, { name: identity, serverName: identity });
    assert.equal(endpoint?.protocolHint, 'h2');
    assert.equal(endpoint?.labels.pod, 'web-2');
    assert.equal(endpoint?.labels.service, 'web', 'the set labels are merged into each endpoint');
    assert.ok(Object.isFrozen(set) && Object.isFrozen(endpoint));
  });

  it('carries an opaque port\'s hint and its opaque transport port', async () => {
    const recorder = watch('db.shop.svc.cluster.local:5432');
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no set'));
    const endpoint = recorder.latest()?.endpoints.get('10.0.1.1:5432');
    assert.equal(endpoint?.protocolHint, 'opaque');
    assert.equal(endpoint?.opaqueTransportPort, 4143);
  });

  it('emits a new set for each change: an added endpoint appears, a removed one disappears', async () => {
    const recorder = watch(web);
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no set'));
    setWeb(api, [1, 2, 3, 4]);
    await eventually(() => (keys(recorder.latest()).length === 4 ? undefined : `have ${keys(recorder.latest()).join(',')}`));
    setWeb(api, [1, 4]);
    await eventually(() => (keys(recorder.latest()).join(',') === '10.0.0.1:8080,10.0.0.4:8080' ? undefined : `have ${keys(recorder.latest()).join(',')}`));
    assert.deepEqual(keys(recorder.values[0]), ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080'], 'an emitted set is never changed afterwards');
    assert.equal(new Set(recorder.values).size, recorder.values.length, 'every emission is a new object');
    setWeb(api, []);
    await eventually(() => (keys(recorder.latest()).length === 0 ? undefined : 'endpoints left'));
    assert.equal(recorder.latest()?.exists, true, 'an emptied service still exists: no DNS fallback');
  });

  it('keeps the last set while the control plane is down, and replaces it with the first answer after it returns', async () => {
    const metrics = new CountingMetrics();
    const recorder = watch(web, metrics);
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no set'));
    await grpc?.close();
    grpc = undefined;
    const failures = (): number => metrics.responses.filter((response) => response.code === status.UNAVAILABLE).length;
    await eventually(() => (failures() >= 3 ? undefined : `${failures()} failed reconnects`));
    assert.equal(recorder.values.length, 1, 'nothing is emitted while disconnected');
    assert.deepEqual(keys(recorder.latest()), ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
    setWeb(api, [3, 4]);
    await eventually(() => (running.engine.store.getView('endpoints/shop/web:80')?.items.length === 2 ? undefined : 'not synced'));
    await serve();
    await eventually(() => (recorder.values.length === 2 ? undefined : 'no set after the restart'));
    assert.deepEqual(keys(recorder.latest()), ['10.0.0.3:8080', '10.0.0.4:8080'], 'the first answer replaces the set; 10.0.0.1 and .2 are gone');
  });

  it('keeps the endpoints it holds when a restarted control plane does not know the Service yet', async () => {
    const metrics = new CountingMetrics();
    const recorder = watch(web, metrics);
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no set'));
    await grpc?.close();
    api.delete('services', 'shop', 'web');
    await eventually(() => (running.engine.store.getView('endpoints/shop/web:80') === undefined ? undefined : 'service still known'));
    await serve();
    const notFound = (): number => metrics.responses.filter((response) => response.code === status.NOT_FOUND).length;
    await eventually(() => (notFound() >= 2 ? undefined : `${notFound()} NOT_FOUND answers`));
    assert.equal(recorder.values.length, 1, 'NOT_FOUND does not drop held endpoints');
    api.create('services', service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.10'));
    setWeb(api, [2]);
    await eventually(() => (keys(recorder.latest()).join(',') === '10.0.0.2:8080' ? undefined : `have ${keys(recorder.latest()).join(',')}`));
  });

  it('does not emit again when a reconnect answers with the set already held', async () => {
    const metrics = new CountingMetrics();
    const recorder = watch(web, metrics);
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no set'));
    await grpc?.close();
    await serve();
    const requests = metrics.requests;
    await eventually(() => (metrics.requests > requests && running.engine.hub.count('endpoints/shop/web:80') === 1 ? undefined : 'not reconnected'));
    await sleep(100);
    assert.equal(recorder.values.length, 1);
  });

  it('cancels its call when unsubscribed: the server releases the subscription', async () => {
    const recorder = watch(web);
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no set'));
    assert.equal(running.engine.hub.count('endpoints/shop/web:80'), 1);
    recorder.unsubscribe();
    await eventually(() => (running.engine.hub.count('endpoints/shop/web:80') === 0 ? undefined : 'the server still holds the stream'));
  });

  it('says a service the control plane does not know does not exist, and picks it up once created', async () => {
    const recorder = watch('later.shop.svc.cluster.local:80');
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no answer'));
    assert.equal(recorder.latest()?.exists, false);
    assert.equal(recorder.latest()?.endpoints.size, 0);
    api.create('services', service('shop', 'later', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.12'));
    api.create(slices, endpointSlice('shop', 'later-a', 'later', [{ ip: '10.0.0.4', pod: 'web-4' }], [{ name: 'http', port: 8080 }]));
    await eventually(() => (keys(recorder.latest()).join(',') === '10.0.0.4:8080' ? undefined : `have ${keys(recorder.latest()).join(',')}`));
    assert.equal(recorder.values.filter((set) => set.exists === false).length, 1, 'repeated NOT_FOUNDs are one answer');
  });

  it('errors with DiscoveryRejectedError for an authority the control plane refuses', async () => {
    const metrics = new CountingMetrics();
    const recorder = watch('10.0.0.1:80', metrics);
    await eventually(() => (recorder.error !== undefined ? undefined : 'no error'));
    assert.ok(recorder.error instanceof DiscoveryRejectedError);
    assert.equal(recorder.error.code, status.INVALID_ARGUMENT);
    assert.deepEqual(recorder.values, []);
    assert.equal(metrics.requests, 1);
  });
});
