import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import type { TrafficSpec } from '../../src/gen/proto/io/linkerd/proxy/outbound/TrafficSpec.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { defaultMeshConfig } from '../../src/reconcilers/mesh-config.js';
import { fromIpAddress } from '../../src/streams/destination/ip-address.js';
import { startGrpcServer } from '../../src/streams/grpc-server.js';
import { outboundPoliciesService } from '../../src/streams/policy/outbound-policies-server.js';
import { eventually } from '../support/destination-client.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { namespace, pod, service } from '../support/objects.js';
import { byAddress, byAuthority, get, httpRouteNames, PolicyWatch } from '../support/outbound-client.js';
import { outboundClient, startOutbound, type RunningOutbound } from '../support/outbound-engine.js';
import { annotated, backendRef, gatewayHttpRoute, grpcRoute, linkerdHttpRoute } from '../support/outbound-objects.js';

const web = 'web.shop.svc.cluster.local:80';
const policyRoutes = 'httproutes.policy.linkerd.io';
const gatewayRoutes = 'httproutes.gateway.networking.k8s.io';
const grpcRoutes = 'grpcroutes.gateway.networking.k8s.io';

describe('OutboundPolicies service', function () {
  this.timeout(30_000);
  let api: FakeApiServer;
  let running: RunningOutbound;
  const watches: PolicyWatch[] = [];

  beforeEach(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    for (const spec of allKinds) api.addResource(spec);
    api.create('namespaces', namespace('shop'));
    api.create('services', service('shop', 'web', [{ name: 'http', port: 80 }], '10.96.0.10'));
    api.create('services', service('shop', 'web-v2', [{ name: 'http', port: 80 }], '10.96.0.11'));
    api.create('services', service('shop', 'db', [{ name: 'pg', port: 5432 }], '10.96.0.12'));
    api.create('pods', pod('shop', 'web-1', { ip: '10.0.0.1' }));
    running = await startOutbound(api);
    await eventually(() => (running.engine.store.view.synced() && running.engine.store.getView('outbound/shop/db') !== undefined ? undefined : 'not synced'));
  });

  afterEach(async () => {
    for (const watch of watches.splice(0)) watch.cancel();
    await running.stop();
    await api.close();
  });

  function watch(spec: TrafficSpec): PolicyWatch {
    const stream = new PolicyWatch(running.client, spec);
    watches.push(stream);
    return stream;
  }

  it('answers Get for a Service without routes with the default route, balanced by P2C/PeakEWMA behind a queue', async () => {
    const { policy, error } = await get(running.client, byAuthority(web));
    assert.equal(error, undefined);
    assert.deepEqual(policy?.metadata?.resource, { group: 'core', kind: 'Service', name: 'web', namespace: 'shop', section: '', port: 80 });
    assert.equal(policy?.protocol?.kind, 'detect');
    assert.deepEqual(policy?.protocol?.detect?.timeout, { seconds: '10', nanos: 0 });
    assert.deepEqual(httpRouteNames(policy), ['default:http']);
    const backend = policy?.protocol?.detect?.http1?.routes[0]?.rules[0]?.backends?.first_available?.backends[0]?.backend;
    assert.equal(backend?.balancer?.discovery?.dst?.path, web);
    assert.deepEqual(backend?.balancer?.peak_ewma, { default_rtt: { seconds: '0', nanos: 30_000_000 }, decay: { seconds: '10', nanos: 0 } });
    assert.deepEqual(backend?.queue, { capacity: 100, failfast_timeout: { seconds: '3', nanos: 0 } });
    assert.equal(policy?.protocol?.detect?.opaque?.routes[0]?.metadata?.default, 'opaq');
  });

  it('streams an HTTPRoute to a Watch when it is added, and the default again when it is removed', async () => {
    const stream = watch(byAuthority(web));
    await eventually(() => (stream.policies.length === 1 ? undefined : 'no first policy'));
    assert.deepEqual(httpRouteNames(stream.latest()), ['default:http']);
    api.create(gatewayRoutes, gatewayHttpRoute('shop', 'canary', {
      parent: { name: 'web', port: 80 },
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-canary', value: 'on' }] }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-via', value: 'canary' }] } }],
        backendRefs: [backendRef('web', 80, 3), backendRef('web-v2', 80, 1)],
      }],
    }));
    await eventually(() => (httpRouteNames(stream.latest()).join() === 'canary' ? undefined : `routes ${httpRouteNames(stream.latest()).join()}`));
    const rule = stream.latest()?.protocol?.detect?.http1?.routes[0]?.rules[0];
    assert.deepEqual(rule?.matches[0]?.path, { prefix: '/api', kind: 'prefix' });
    assert.equal(rule?.matches[0]?.headers[0]?.name, 'x-canary');
    assert.equal(Buffer.from(rule?.matches[0]?.headers[0]?.exact ?? []).toString(), 'on', 'header values are bytes on the wire');
    assert.equal(Buffer.from(rule?.filters[0]?.request_header_modifier?.add?.headers[0]?.value ?? []).toString(), 'canary');
    assert.deepEqual(rule?.backends?.random_available?.backends.map((backend) => [backend.weight, backend.backend?.backend?.balancer?.discovery?.dst?.path]),
      [[3, web], [1, 'web-v2.shop.svc.cluster.local:80']]);
    api.delete(gatewayRoutes, 'shop', 'canary');
    await eventually(() => (httpRouteNames(stream.latest()).join() === 'default:http' ? undefined : 'route still there'));
    assert.deepEqual(stream.policies.map((policy) => httpRouteNames(policy).join()), ['default:http', 'canary', 'default:http']);
  });

  it('serves a GRPCRoute with the gRPC protocol', async () => {
    api.create(grpcRoutes, grpcRoute('shop', 'rpc', { parent: { name: 'web' }, rules: [{ matches: [{ method: { service: 'shop.Cart' } }] }] }));
    const stream = watch(byAuthority(web));
    await eventually(() => (stream.latest()?.protocol?.kind === 'grpc' ? undefined : `protocol ${stream.latest()?.protocol?.kind ?? 'none'}`));
    const route = stream.latest()?.protocol?.grpc?.routes[0];
    assert.deepEqual(route?.metadata?.resource, { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'shop', name: 'rpc', section: '', port: 0 });
    assert.deepEqual(route?.rules[0]?.matches[0]?.rpc, { service: 'shop.Cart', method: '' });
  });

  it('carries retries, timeouts and failure accrual from Service annotations', async () => {
    api.apply('services', annotated(service('shop', 'web', [{ name: 'http', port: 80 }], '10.96.0.10'), {
      'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '3', 'retry.linkerd.io/timeout': '300ms',
      'timeout.linkerd.io/response': '2s', 'balancer.linkerd.io/failure-accrual': 'consecutive',
    }));
    const stream = watch(byAuthority(web));
    await eventually(() => (stream.latest()?.protocol?.detect?.http1?.failure_accrual ? undefined : 'no accrual yet'));
    const rule = stream.latest()?.protocol?.detect?.http1?.routes[0]?.rules[0];
    assert.equal(rule?.retry?.max_retries, 3);
    assert.equal(rule?.retry?.max_request_bytes, 65_536);
    assert.deepEqual(rule?.retry?.conditions?.status_ranges, [{ start: 500, end: 599 }]);
    assert.deepEqual(rule?.retry?.timeout, { seconds: '0', nanos: 300_000_000 });
    assert.deepEqual(rule?.timeouts?.response, { seconds: '2', nanos: 0 });
    assert.equal(rule?.timeouts?.request, null);
    const accrual = stream.latest()?.protocol?.detect?.http1?.failure_accrual?.consecutive_failures;
    assert.equal(accrual?.max_failures, 7);
    assert.deepEqual(accrual?.backoff?.min_backoff, { seconds: '1', nanos: 0 });
    assert.equal(accrual?.backoff?.jitter_ratio, 0.5);
  });

  it('serves an opaque port with the opaque protocol', async () => {
    const { policy } = await get(running.client, byAuthority('db.shop.svc.cluster.local:5432'));
    assert.equal(policy?.protocol?.kind, 'opaque');
    const backend = policy?.protocol?.opaque?.routes[0]?.rules[0]?.backends?.first_available?.backends[0]?.backend;
    assert.equal(backend?.balancer?.discovery?.dst?.path, 'db.shop.svc.cluster.local:5432');
  });

  it('ignores a route whose spec does not parse, keeping the default route', async () => {
    api.create(policyRoutes, linkerdHttpRoute('shop', 'bad', { parent: { name: 'web' }, rules: [{ filters: [{ type: 'Teleport' }] }] }));
    api.create(policyRoutes, linkerdHttpRoute('shop', 'good', { parent: { name: 'web-v2' } }));
    await eventually(() => ((running.engine.store.getView('outbound/shop/web-v2')?.items.length ?? 0) > 1 ? undefined : 'routes not seen yet'));
    assert.ok(running.engine.store.view.get(`${policyRoutes}/shop/bad` as never), 'the invalid route is in the store');
    const { policy } = await get(running.client, byAuthority(web));
    assert.deepEqual(httpRouteNames(policy), ['default:http']);
  });

  it('resolves a cluster IP to its Service, as the authority does', async () => {
    const [byIp, byName] = await Promise.all([get(running.client, byAddress('10.96.0.10', 80)), get(running.client, byAuthority(web))]);
    assert.deepEqual(byIp.policy, byName.policy);
  });

  it('answers NOT_FOUND for a pod IP or an unknown address in the cluster networks', async () => {
    for (const ip of ['10.0.0.1', '10.99.0.1']) {
      const { error } = await get(running.client, byAddress(ip, 8080));
      assert.equal(error?.code, status.NOT_FOUND, ip);
    }
  });

  it('forwards an address outside the cluster networks to itself (egress fallback), on Get and Watch', async () => {
    const { policy } = await get(running.client, byAddress('203.0.113.7', 443));
    assert.equal(policy?.metadata?.default, 'egress-fallback');
    const forward = policy?.protocol?.detect?.opaque?.routes[0]?.rules[0]?.backends?.first_available?.backends[0]?.backend?.forward;
    assert.equal(fromIpAddress(forward?.addr?.ip), '203.0.113.7');
    assert.equal(forward?.addr?.port, 443);
    assert.equal(policy?.protocol?.detect?.http1?.routes[0]?.rules[0]?.backends?.first_available?.backends[0]?.backend?.forward?.addr?.port, 443);
    const stream = watch(byAddress('203.0.113.7', 443));
    await eventually(() => (stream.policies.length === 1 ? undefined : 'no policy'));
    assert.equal(stream.ended, false);
  });

  for (const [what, spec, code] of [
    ['no target', { source_workload: JSON.stringify({ ns: 'shop', pod: 'x' }) }, status.INVALID_ARGUMENT],
    ['a bare name', byAuthority('web'), status.INVALID_ARGUMENT],
    ['port 0', byAuthority('web.shop.svc.cluster.local:0'), status.INVALID_ARGUMENT],
    ['an address with port 0', byAddress('10.96.0.10', 0), status.INVALID_ARGUMENT],
    ['a pod hostname authority', byAuthority(`web-0.${web}`), status.INVALID_ARGUMENT],
    ['no source workload', byAuthority(web, ''), status.INVALID_ARGUMENT],
    ['a malformed source workload', byAuthority(web, '{"ns": 3}'), status.INVALID_ARGUMENT],
    ['an unknown Service', byAuthority('nope.shop.svc.cluster.local:80'), status.NOT_FOUND],
  ] as const) {
    it(`refuses ${what} with ${status[code]} on Get and Watch, and keeps no subscriber`, async () => {
      const { error } = await get(running.client, spec);
      assert.equal(error?.code, code);
      assert.ok((error?.details ?? '').length > 0, 'the status says why');
      const stream = watch(spec);
      await eventually(() => (stream.error !== undefined ? undefined : 'no error'));
      assert.equal(stream.error?.code, code);
      assert.equal(running.engine.hub.count(), 0);
    });
  }

  it('reads a legacy <ns>:<pod> source workload', async () => {
    const { policy } = await get(running.client, byAuthority(web, 'shop:client-0'));
    assert.deepEqual(httpRouteNames(policy), ['default:http']);
  });

  it('ends a Watch with NOT_FOUND when its Service is deleted', async () => {
    const stream = watch(byAuthority('web-v2.shop.svc.cluster.local:80'));
    await eventually(() => (stream.policies.length === 1 ? undefined : 'no first policy'));
    api.delete('services', 'shop', 'web-v2');
    await eventually(() => (stream.error !== undefined ? undefined : 'still open'));
    assert.equal(stream.error?.code, status.NOT_FOUND);
    await eventually(() => (running.engine.hub.count() === 0 ? undefined : 'still subscribed'));
  });

  it('releases the subscription of a cancelled Watch', async () => {
    const stream = watch(byAuthority(web));
    await eventually(() => (running.engine.hub.count() === 1 ? undefined : 'not subscribed'));
    stream.cancel();
    await eventually(() => (running.engine.hub.count() === 0 ? undefined : 'still subscribed'));
    const gauge = await running.metrics.registry.getSingleMetric('outbound_policy_subscribers')?.get();
    assert.equal(gauge?.values.reduce((sum, value) => sum + value.value, 0), 0);
  });

  it('sends nothing to a Watch for a change that does not alter its policy', async () => {
    const stream = watch(byAuthority(web));
    await eventually(() => (stream.policies.length === 1 ? undefined : 'no first policy'));
    api.create(policyRoutes, linkerdHttpRoute('shop', 'other-port', { parent: { name: 'web', port: 8080 } }));
    await eventually(() => ((running.engine.store.getView('outbound/shop/web')?.items.length ?? 0) === 2 ? undefined : 'route not seen'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(stream.policies.length, 1);
  });

  it('ends a Watch that stops reading with RESOURCE_EXHAUSTED once its queue overflows', async () => {
    const small = await startGrpcServer('127.0.0.1', 0, [outboundPoliciesService({
      hub: running.engine.hub, view: running.engine.store.view, config: defaultMeshConfig, log: silentLogger,
      registry: new Registry(), queueCapacity: 3,
    })]);
    const slowClient = outboundClient(small.port);
    try {
      const slow = new PolicyWatch(slowClient, byAuthority(web));
      await eventually(() => (slow.policies.length === 1 ? undefined : 'no first policy'));
      slow.call.pause();
      const headers = (step: number) => Array.from({ length: 100 }, (_, i) => ({ name: `x-h${i}`, value: `${step}-${'v'.repeat(100)}` }));
      for (let step = 0; step < 300 && running.engine.hub.count() > 0; step++) {
        api.apply(policyRoutes, linkerdHttpRoute('shop', 'churn', {
          parent: { name: 'web' }, rules: [{ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: headers(step) } }] }],
        }));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      slow.call.resume();
      await eventually(() => (slow.error !== undefined ? undefined : 'no error'));
      assert.equal(slow.error?.code, status.RESOURCE_EXHAUSTED);
      const overflows = await running.metrics.streamOverflows.get();
      assert.equal(overflows.values.find((value) => value.labels.view === 'outbound')?.value, 1);
    } finally {
      slowClient.close();
      await small.close();
    }
  });
});
