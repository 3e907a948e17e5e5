/**
 * The policy and profile watches against the real `sinew control-plane --components
 * destination,policy` process, over the fake API server, with clients from discoveryClients:
 * each watch follows the control plane as policy objects change.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { allKinds } from '../../../src/informers/kinds/index.js';
import { discoveryClients, type DiscoveryClients } from '../../../src/proxy/discovery/discovery-clients.js';
import { DiscoveryRejectedError, DiscoveryTargetError } from '../../../src/proxy/discovery/discovery-errors.js';
import { watchInboundPort } from '../../../src/proxy/discovery/inbound-port-watch.js';
import { watchOutboundPolicy } from '../../../src/proxy/discovery/outbound-policy-watch.js';
import { watchProfile } from '../../../src/proxy/discovery/profile-watch.js';
import { startControlPlane, waitReady, type ControlPlaneProcess } from '../../support/control-plane-process.js';
import { eventually } from '../../support/destination-client.js';
import { tempDir } from '../../support/engine-harness.js';
import { FakeApiServer } from '../../support/fake-api-server.js';
import { service } from '../../support/objects.js';
import { httpRouteNames } from '../../support/outbound-client.js';
import { annotatedNamespace, authorizationPolicy, meshedPod, meshTlsAuthentication, meshTlsRef, server, serverTarget } from '../../support/policy-objects.js';
import { CountingMetrics, fastSettings, quickChannel, Recorder } from './recorder.js';

const web = 'web.shop.svc.cluster.local:80';
const workload = JSON.stringify({ ns: 'shop', pod: 'web' });
const policies = 'authorizationpolicies.policy.linkerd.io';
const routes = 'httproutes.gateway.networking.k8s.io';

function canaryRoute(): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'canary', namespace: 'shop' },
    spec: { parentRefs: [{ group: 'core', kind: 'Service', name: 'web', port: 80 }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }] }] },
  };
}

describe('policy and profile watches against the control plane', function () {
  this.timeout(40_000);
  let api: FakeApiServer;
  let plane: ControlPlaneProcess;
  let clients: DiscoveryClients;
  const recorders: Recorder<unknown>[] = [];

  before(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    for (const spec of allKinds) api.addResource(spec);
    api.create('namespaces', annotatedNamespace('shop'));
    api.create('services', service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.10'));
    api.create('pods', meshedPod('shop', 'web', { ip: '10.0.0.5', ports: { http: 8080, admin: 9990 } }));
    api.create('servers.policy.linkerd.io', server('shop', 'web-admin', { podSelector: { matchLabels: { app: 'web' } }, port: 'admin', proxyProtocol: 'HTTP/1' }));
    api.create('meshtlsauthentications.policy.linkerd.io', meshTlsAuthentication('shop', 'ops', { identities: ['*.ops.serviceaccount.identity.linkerd.cluster.local'] }));
    const kubeconfig = path.join(tempDir('discovery-watch'), 'kubeconfig');
    api.writeKubeconfig(kubeconfig);
    plane = await startControlPlane(['--components', 'destination,policy', '--kubeconfig', kubeconfig]);
    await waitReady(plane.adminPort);
    clients = discoveryClients(
      { target: `127.0.0.1:${plane.destinationPort}`, credentials: credentials.createInsecure(), options: quickChannel },
      { target: `127.0.0.1:${plane.policyPort}`, credentials: credentials.createInsecure(), options: quickChannel },
    );
  });

  afterEach(() => {
    for (const recorder of recorders.splice(0)) recorder.unsubscribe();
  });

  after(async () => {
    clients.close();
    await plane.stop();
    await api.close();
  });

  function record<T>(recorder: Recorder<T>): Recorder<T> {
    recorders.push(recorder as Recorder<unknown>);
    return recorder;
  }

  it('puts the two policy services on one channel and Destination on its own, and all three on one when the addresses match', () => {
    assert.equal(clients.outbound.getChannel(), clients.inbound.getChannel());
    assert.notEqual(clients.destination.getChannel(), clients.inbound.getChannel());
    const channel = { target: `127.0.0.1:${plane.policyPort}`, credentials: credentials.createInsecure() };
    const shared = discoveryClients(channel, channel);
    assert.equal(shared.destination.getChannel(), shared.inbound.getChannel(), 'one address, one channel');
    shared.close();
  });

  it('watchInboundPort emits the port\'s Server, then the new Server when an AuthorizationPolicy comes and goes', async () => {
    const recorder = record(new Recorder(watchInboundPort(clients.inbound, workload, 9990, fastSettings(new CountingMetrics()))));
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no Server'));
    assert.deepEqual(recorder.latest()?.labels, { group: 'policy.linkerd.io', kind: 'server', name: 'web-admin' });
    assert.deepEqual(recorder.latest()?.authorizations, []);
    api.create(policies, authorizationPolicy('shop', 'admin-ops', serverTarget('web-admin'), [meshTlsRef('ops')]));
    await eventually(() => (recorder.values.length === 2 ? undefined : `${recorder.values.length} Servers`));
    assert.deepEqual(recorder.latest()?.authorizations[0]?.labels, { group: 'policy.linkerd.io', kind: 'authorizationpolicy', name: 'admin-ops' });
    api.delete(policies, 'shop', 'admin-ops');
    await eventually(() => (recorder.values.length === 3 ? undefined : `${recorder.values.length} Servers`));
    assert.deepEqual(recorder.latest()?.authorizations, []);
  });

  it('watchInboundPort refuses a port that is not a port number, before any call', async () => {
    const metrics = new CountingMetrics();
    const recorder = record(new Recorder(watchInboundPort(clients.inbound, workload, 70_000, fastSettings(metrics))));
    assert.ok(recorder.error instanceof DiscoveryTargetError);
    assert.match(recorder.error.message, /inbound port 70000 is not a port number/);
    assert.equal(metrics.requests, 0);
  });

  it('watchOutboundPolicy by authority and by cluster IP follows an HTTPRoute as it is added and removed', async () => {
    const byName = record(new Recorder(watchOutboundPolicy(clients.outbound, { authority: web }, workload, fastSettings(new CountingMetrics()))));
    const byIp = record(new Recorder(watchOutboundPolicy(clients.outbound, { ip: '10.96.0.10', port: 80 }, workload, fastSettings(new CountingMetrics()))));
    await eventually(() => (byName.values.length === 1 && byIp.values.length === 1 ? undefined : 'no policies'));
    assert.deepEqual(httpRouteNames(byName.latest()), ['default:http']);
    assert.deepEqual(byIp.latest()?.metadata?.resource, { group: 'core', kind: 'Service', name: 'web', namespace: 'shop', section: '', port: 80 });
    api.create(routes, canaryRoute());
    await eventually(() => (httpRouteNames(byName.latest()).join() === 'canary' && httpRouteNames(byIp.latest()).join() === 'canary' ? undefined : 'route not streamed'));
    api.delete(routes, 'shop', 'canary');
    await eventually(() => (httpRouteNames(byName.latest()).join() === 'default:http' ? undefined : 'route still there'));
    assert.deepEqual(byName.values.map((policy) => httpRouteNames(policy).join()), ['default:http', 'canary', 'default:http']);
  });

  it('watchOutboundPolicy gets the egress fallback for an address outside the cluster, and keeps the stream', async () => {
    const metrics = new CountingMetrics();
    const recorder = record(new Recorder(watchOutboundPolicy(clients.outbound, { ip: '203.0.113.7', port: 443 }, workload, fastSettings(metrics))));
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no fallback'));
    assert.equal(recorder.latest()?.metadata?.default, 'egress-fallback');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(metrics.requests, 1);
    assert.equal(recorder.error, undefined);
  });

  it('watchOutboundPolicy ends with NOT_FOUND for a pod address, so the proxy can use its own default', async () => {
    const recorder = record(new Recorder(watchOutboundPolicy(clients.outbound, { ip: '10.0.0.5', port: 8080 }, workload, fastSettings(new CountingMetrics()))));
    await eventually(() => (recorder.error !== undefined ? undefined : 'no error'));
    assert.ok(recorder.error instanceof DiscoveryRejectedError);
    assert.equal(recorder.error.code, status.NOT_FOUND);
  });

  it('watchOutboundPolicy refuses a malformed address, naming it', () => {
    const recorder = record(new Recorder(watchOutboundPolicy(clients.outbound, { ip: '10.0.0', port: 80 }, workload)));
    assert.ok(recorder.error instanceof DiscoveryTargetError);
    assert.match(recorder.error.message, /"10\.0\.0" is not an IP address/);
  });

  it('watchProfile emits the service\'s profile, then the ServiceProfile once it is created', async () => {
    const recorder = record(new Recorder(watchProfile(clients.destination, web, JSON.stringify({ ns: 'shop' }), fastSettings(new CountingMetrics()))));
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no profile'));
    assert.equal(recorder.latest()?.fully_qualified_name, 'web.shop.svc.cluster.local');
    assert.deepEqual(recorder.latest()?.routes, []);
    api.create('serviceprofiles.linkerd.io', {
      apiVersion: 'linkerd.io/v1alpha2', kind: 'ServiceProfile', metadata: { name: 'web.shop.svc.cluster.local', namespace: 'shop' },
      spec: { routes: [{ name: 'get-books', condition: { method: 'GET', pathRegex: '/books' } }], retryBudget: { retryRatio: 0.3, minRetriesPerSecond: 5, ttl: '20s' } },
    });
    await eventually(() => (recorder.values.length === 2 ? undefined : `${recorder.values.length} profiles`));
    assert.deepEqual(recorder.latest()?.routes[0]?.metrics_labels, { route: 'get-books' });
    assert.equal(recorder.latest()?.retry_budget?.min_retries_per_second, 5);
  });
});
