import assert from 'node:assert/strict';
import type { HttpRoute } from '../../src/gen/proto/io/linkerd/proxy/outbound/HttpRoute.js';
import type { OutboundPolicy } from '../../src/gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import { protoDuration } from '../../src/reconcilers/outbound-durations.js';
import { namespace, service } from '../support/objects.js';
import { annotated, backendRef, gatewayHttpRoute, grpcRoute, linkerdHttpRoute } from '../support/outbound-objects.js';
import { OutboundWorld } from '../support/outbound-world.js';

const web = service('shop', 'web', [{ name: 'http', port: 80 }, { name: 'admin', port: 8080 }], '10.96.0.10');

function httpRoutes(policy: OutboundPolicy | undefined): HttpRoute[] {
  const routes = policy?.protocol?.detect?.http1?.routes;
  assert.ok(routes !== undefined, `not an HTTP-detecting policy: ${JSON.stringify(policy?.protocol)}`);
  assert.deepEqual(policy?.protocol?.detect?.http2?.routes, routes, 'HTTP/1 and HTTP/2 get the same routes');
  return routes;
}

function routeNames(policy: OutboundPolicy | undefined): string[] {
  return httpRoutes(policy).map((route) => route.metadata?.resource?.name ?? `default:${route.metadata?.default ?? '?'}`);
}

describe('outbound policy reconciler', () => {
  let world: OutboundWorld;

  beforeEach(async () => {
    world = await OutboundWorld.open();
    world.apply(namespace('shop'));
    world.apply(namespace('client'));
    world.apply(web);
  });

  afterEach(() => world.close());

  it('gives a Service without routes Linkerd\'s default route to itself, balanced by P2C over PeakEWMA behind a queue', () => {
    const policy = world.policy({ namespace: 'shop', name: 'web', port: 80 });
    assert.deepEqual(policy?.metadata, { resource: { group: 'core', kind: 'Service', name: 'web', namespace: 'shop', section: '', port: 80 } });
    assert.deepEqual(policy?.protocol?.detect?.timeout, protoDuration(10_000));
    const [route] = httpRoutes(policy);
    assert.deepEqual(route?.metadata, { default: 'http' });
    const rule = route?.rules?.[0];
    assert.deepEqual(rule?.matches, [{ path: { prefix: '/' } }]);
    const backend = rule?.backends?.first_available?.backends?.[0]?.backend;
    assert.deepEqual(backend?.balancer, {
      discovery: { dst: { path: 'web.shop.svc.cluster.local:80' } },
      peak_ewma: { default_rtt: protoDuration(30), decay: protoDuration(10_000) },
    });
    assert.deepEqual(backend?.queue, { capacity: 100, failfast_timeout: protoDuration(3000) });
    assert.deepEqual(backend?.metadata, policy?.metadata);
    const opaque = policy?.protocol?.detect?.opaque?.routes?.[0];
    assert.deepEqual(opaque?.metadata, { default: 'opaq' });
    assert.deepEqual(opaque?.rules?.[0]?.backends?.first_available?.backends?.[0]?.backend, backend);
    assert.equal(policy?.protocol?.detect?.http1?.failure_accrual, null);
  });

  it('has no view for a Service that does not exist, and drops the view when the Service goes', () => {
    assert.equal(world.view('shop', 'nope'), undefined);
    assert.ok(world.view('shop', 'web'));
    world.delete(web);
    assert.equal(world.view('shop', 'web'), undefined);
  });

  it('translates an HTTPRoute\'s matches, filters and weighted backends', () => {
    world.apply(service('shop', 'web-v2', [{ port: 80 }], '10.96.0.11'));
    world.apply(gatewayHttpRoute('shop', 'split', {
      parent: { name: 'web' },
      hostnames: ['web.example.com', '*.example.com'],
      rules: [{
        matches: [{ path: { type: 'Exact', value: '/api' }, headers: [{ name: 'x-canary', value: 'yes' }], queryParams: [{ type: 'RegularExpression', name: 'v', value: '^2' }], method: 'GET' }],
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'split' }], remove: ['x-debug'] } },
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'sinew' }] } },
        ],
        backendRefs: [backendRef('web', 80, 90), backendRef('web-v2', 80, 10)],
      }],
    }));
    const [route] = httpRoutes(world.policy({ namespace: 'shop', name: 'web', port: 80 }));
    assert.deepEqual(route?.metadata, { resource: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop', name: 'split' } });
    assert.deepEqual(route?.hosts, [{ exact: 'web.example.com' }, { suffix: { reverse_labels: ['com', 'example'] } }]);
    const rule = route?.rules?.[0];
    assert.deepEqual(rule?.matches, [{
      path: { exact: '/api' },
      headers: [{ name: 'x-canary', exact: Buffer.from('yes').toString('base64') }],
      query_params: [{ name: 'v', regex: '^2' }],
      method: { registered: 'GET' },
    }]);
    assert.deepEqual(rule?.filters, [
      { request_header_modifier: { add: { headers: [] }, set: { headers: [{ name: 'x-route', value: Buffer.from('split').toString('base64') }] }, remove: ['x-debug'] } },
      { response_header_modifier: { add: { headers: [{ name: 'x-served-by', value: Buffer.from('sinew').toString('base64') }] }, set: { headers: [] }, remove: [] } },
    ]);
    const backends = rule?.backends?.random_available?.backends ?? [];
    assert.deepEqual(backends.map((backend) => [backend.weight, backend.backend?.backend?.balancer?.discovery?.dst?.path]),
      [[90, 'web.shop.svc.cluster.local:80'], [10, 'web-v2.shop.svc.cluster.local:80']]);
  });

  it('sends a rule without backendRefs to the Service itself, on the port the client asked for', () => {
    world.apply(linkerdHttpRoute('shop', 'all', { parent: { name: 'web' }, rules: [{ matches: [{ path: { value: '/' } }] }] }));
    const [route] = httpRoutes(world.policy({ namespace: 'shop', name: 'web', port: 8080 }));
    assert.equal(route?.rules?.[0]?.backends?.first_available?.backends?.[0]?.backend?.balancer?.discovery?.dst?.path, 'web.shop.svc.cluster.local:8080');
    assert.deepEqual(route?.rules?.[0]?.matches?.[0]?.path, { prefix: '/' }, 'a path without a type is a prefix');
  });

  it('fails the share of a backend it cannot use, and keeps the others', () => {
    world.apply(gatewayHttpRoute('shop', 'broken-backends', {
      parent: { name: 'web' },
      rules: [{ backendRefs: [backendRef('web', 80, 1), backendRef('ghost', 80, 2), backendRef('web', undefined, 3), backendRef('bucket', 80, 4, { group: 'example.com', kind: 'Bucket' })] }],
    }));
    const backends = httpRoutes(world.policy({ namespace: 'shop', name: 'web', port: 80 }))[0]?.rules?.[0]?.backends?.random_available?.backends ?? [];
    assert.equal(backends.length, 4);
    assert.ok(backends[0]?.backend?.backend?.balancer);
    const failures = backends.slice(1).map((backend) => [backend.weight, backend.backend?.backend?.balancer ?? null, backend.backend?.filters?.[0]?.failure_injector?.status, backend.backend?.filters?.[0]?.failure_injector?.message]);
    assert.deepEqual(failures, [
      [2, null, 500, 'Service not found ghost'],
      [3, null, 500, 'missing port for backend Service web'],
      [4, null, 500, 'unsupported backend type example.com Bucket'],
    ]);
  });

  it('turns a missing backend into a balanced one when its Service appears', () => {
    world.apply(gatewayHttpRoute('shop', 'canary', { parent: { name: 'web' }, rules: [{ backendRefs: [backendRef('web-v2', 80)] }] }));
    const backendOf = (): unknown => httpRoutes(world.policy({ namespace: 'shop', name: 'web', port: 80 }))[0]?.rules?.[0]?.backends?.random_available?.backends?.[0]?.backend?.backend?.balancer;
    assert.equal(backendOf() ?? null, null);
    world.apply(service('shop', 'web-v2', [{ port: 80 }], '10.96.0.11'));
    assert.ok(backendOf());
  });

  it('applies a route with a parent port to that port only', () => {
    world.apply(linkerdHttpRoute('shop', 'admin-only', { parent: { name: 'web', port: 8080 } }));
    assert.deepEqual(routeNames(world.policy({ namespace: 'shop', name: 'web', port: 8080 })), ['admin-only']);
    assert.deepEqual(routeNames(world.policy({ namespace: 'shop', name: 'web', port: 80 })), ['default:http']);
  });

  it('applies a route from another namespace to clients in that namespace only', () => {
    world.apply(linkerdHttpRoute('client', 'consumer', { parent: { name: 'web', namespace: 'shop' } }));
    assert.deepEqual(routeNames(world.policy({ namespace: 'shop', name: 'web', port: 80, clientNamespace: 'client' })), ['consumer']);
    assert.deepEqual(routeNames(world.policy({ namespace: 'shop', name: 'web', port: 80, clientNamespace: 'other' })), ['default:http']);
  });

  it('orders routes of both groups oldest first, then by name', () => {
    world.apply(gatewayHttpRoute('shop', 'b-new', { parent: { name: 'web' }, creationTimestamp: '2026-01-02T00:00:00Z' }));
    world.apply(linkerdHttpRoute('shop', 'z-old', { parent: { name: 'web' }, creationTimestamp: '2026-01-01T00:00:00Z' }));
    world.apply(linkerdHttpRoute('shop', 'a-new', { parent: { name: 'web' }, creationTimestamp: '2026-01-02T00:00:00Z' }));
    assert.deepEqual(routeNames(world.policy({ namespace: 'shop', name: 'web', port: 80 })), ['z-old', 'a-new', 'b-new']);
  });

  it('serves the gRPC protocol with only the GRPCRoutes when one is attached', () => {
    world.apply(linkerdHttpRoute('shop', 'http', { parent: { name: 'web' } }));
    world.apply(grpcRoute('shop', 'rpc', {
      parent: { name: 'web' },
      rules: [{ matches: [{ method: { service: 'shop.Cart', method: 'Add' }, headers: [{ name: 'x-user', type: 'RegularExpression', value: '^a' }] }] }],
    }));
    const policy = world.policy({ namespace: 'shop', name: 'web', port: 80 });
    const routes = policy?.protocol?.grpc?.routes ?? [];
    assert.deepEqual(routes.map((route) => route.metadata?.resource?.name), ['rpc']);
    assert.deepEqual(routes[0]?.rules?.[0]?.matches, [{ rpc: { service: 'shop.Cart', method: 'Add' }, headers: [{ name: 'x-user', regex: '^a' }] }]);
    assert.equal(routes[0]?.rules?.[0]?.backends?.first_available?.backends?.[0]?.backend?.balancer?.discovery?.dst?.path, 'web.shop.svc.cluster.local:80');
  });

  it('takes retries and timeouts from the Service for its routes, unless the route has its own', () => {
    world.apply(annotated(web, { 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '2', 'timeout.linkerd.io/request': '10s' }));
    const [defaultRoute] = httpRoutes(world.policy({ namespace: 'shop', name: 'web', port: 80 }));
    assert.equal(defaultRoute?.rules?.[0]?.retry?.max_retries, 2);
    assert.deepEqual(defaultRoute?.rules?.[0]?.timeouts, { request: protoDuration(10_000), response: null, idle: null });
    assert.deepEqual(defaultRoute?.rules?.[0]?.requestTimeout, protoDuration(10_000));

    world.apply(linkerdHttpRoute('shop', 'inherits', { parent: { name: 'web' }, creationTimestamp: '2026-01-01T00:00:00Z' }));
    world.apply(linkerdHttpRoute('shop', 'own', {
      parent: { name: 'web' }, creationTimestamp: '2026-01-02T00:00:00Z',
      annotations: { 'retry.linkerd.io/http': '503', 'timeout.linkerd.io/response': '1s' },
    }));
    world.apply(gatewayHttpRoute('shop', 'gateway-timeout', {
      parent: { name: 'web' }, creationTimestamp: '2026-01-03T00:00:00Z', rules: [{ timeouts: { request: '3s' } }],
    }));
    const [inherits, own, gateway] = httpRoutes(world.policy({ namespace: 'shop', name: 'web', port: 80 }));
    assert.equal(inherits?.rules?.[0]?.retry?.max_retries, 2);
    assert.deepEqual(inherits?.rules?.[0]?.timeouts?.request, protoDuration(10_000));
    assert.deepEqual(own?.rules?.[0]?.retry?.conditions, { status_ranges: [{ start: 503, end: 503 }] });
    assert.equal(own?.rules?.[0]?.retry?.max_retries, 1);
    assert.deepEqual(own?.rules?.[0]?.timeouts, { response: protoDuration(1000), request: null, idle: null }, 'a route timeout replaces all of the Service\'s');
    assert.deepEqual(gateway?.rules?.[0]?.timeouts?.request, protoDuration(3000));
  });

  it('sets failure accrual from the Service\'s balancer annotations on every HTTP protocol', () => {
    world.apply(annotated(web, { 'balancer.linkerd.io/failure-accrual': 'consecutive', 'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '5' }));
    const policy = world.policy({ namespace: 'shop', name: 'web', port: 80 });
    const accrual = policy?.protocol?.detect?.http1?.failure_accrual;
    assert.equal(accrual?.consecutive_failures?.max_failures, 5);
    assert.deepEqual(accrual?.consecutive_failures?.backoff?.max_backoff, protoDuration(60_000));
    assert.deepEqual(policy?.protocol?.detect?.http2?.failure_accrual, accrual);
  });

  it('ignores malformed Service annotations, keeping the defaults, and says so', () => {
    world.apply(annotated(web, { 'timeout.linkerd.io/request': 'soon', 'retry.linkerd.io/http': 'often', 'balancer.linkerd.io/failure-accrual': 'sometimes' }));
    const item = world.service('shop', 'web');
    assert.equal(item.httpRetry, null);
    assert.equal(item.failureAccrual, null);
    assert.deepEqual(item.timeouts, { response: null, request: null, idle: null });
    assert.equal(item.problems.length, 3);
    assert.ok(item.problems.every((problem) => problem.startsWith('Service shop/web: ')), item.problems.join('\n'));
  });

  it('ignores a route it cannot translate as a whole, keeping the others, and says why', () => {
    world.apply(linkerdHttpRoute('shop', 'good', { parent: { name: 'web' } }));
    world.apply(gatewayHttpRoute('shop', 'rewrite', { parent: { name: 'web' }, rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'other' } }] }] }));
    world.apply(gatewayHttpRoute('shop', 'bad-regex', { parent: { name: 'web' }, rules: [{ matches: [{ path: { type: 'RegularExpression', value: '(' } }] }] }));
    world.apply(gatewayHttpRoute('shop', 'bad-retry', { parent: { name: 'web' }, annotations: { 'retry.linkerd.io/limit': 'lots' } }));
    assert.deepEqual(routeNames(world.policy({ namespace: 'shop', name: 'web', port: 80 })), ['good']);
    const problems = world.service('shop', 'web').problems.join('\n');
    assert.match(problems, /HTTPRoute shop\/rewrite is not used: URLRewrite filter is not supported/);
    assert.match(problems, /HTTPRoute shop\/bad-regex is not used: .*not a regular expression/);
    assert.match(problems, /HTTPRoute shop\/bad-retry is not used: retry\.linkerd\.io\/limit/);
  });

  it('drops a route that stops parsing (fail-closed) and keeps the default', () => {
    const route = linkerdHttpRoute('shop', 'flaky', { parent: { name: 'web' } });
    world.apply(route);
    assert.deepEqual(routeNames(world.policy({ namespace: 'shop', name: 'web', port: 80 })), ['flaky']);
    world.apply({ ...route, spec: { ...(route.spec as Record<string, unknown>), rules: [{ filters: [{ type: 'Teleport' }] }] } });
    assert.deepEqual(routeNames(world.policy({ namespace: 'shop', name: 'web', port: 80 })), ['default:http']);
  });

  it('makes a port opaque from the Service annotation, else the namespace\'s, else the default list', () => {
    world.apply(service('shop', 'db', [{ port: 5432 }, { port: 9000 }], '10.96.0.12'));
    const opaque = (port: number): boolean => world.policy({ namespace: 'shop', name: 'db', port })?.protocol?.opaque != null;
    assert.deepEqual([opaque(5432), opaque(9000)], [true, false], 'the default list has 5432');
    world.apply({ ...namespace('shop'), metadata: { name: 'shop', annotations: { 'config.linkerd.io/opaque-ports': '9000' } } });
    assert.deepEqual([opaque(5432), opaque(9000)], [false, true]);
    world.apply(annotated(service('shop', 'db', [{ port: 5432 }, { port: 9000 }], '10.96.0.12'), { 'config.linkerd.io/opaque-ports': '5432' }));
    assert.deepEqual([opaque(5432), opaque(9000)], [true, false]);
    const policy = world.policy({ namespace: 'shop', name: 'db', port: 5432 });
    assert.deepEqual(policy?.protocol?.opaque?.routes?.[0]?.metadata, { default: 'opaq' });
  });

  it('is level-based: applying the same objects again changes no view', () => {
    world.apply(linkerdHttpRoute('shop', 'r', { parent: { name: 'web' } }));
    const before = world.view('shop', 'web')?.version;
    world.apply(web);
    world.apply(linkerdHttpRoute('shop', 'r', { parent: { name: 'web' } }));
    assert.equal(world.view('shop', 'web')?.version, before);
  });
});
