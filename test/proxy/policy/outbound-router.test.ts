/**
 * Outbound routing on policies the control plane builds (reconciled from Services and routes,
 * then decoded as a proxy decodes them).
 */
import assert from 'node:assert/strict';
import type { OutboundPolicy__Output } from '../../../src/gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import { InvalidPolicyError } from '../../../src/proxy/policy/invalid-policy.js';
import { opaqueRoute, pickBackend, policyKind, routeRequest, validateOutboundPolicy, type Dispatcher, type OutboundRequest, type RouteChoice } from '../../../src/proxy/policy/outbound-router.js';
import { toIpAddress } from '../../../src/streams/destination/ip-address.js';
import { egressFallbackPolicy } from '../../../src/streams/policy/outbound-fallback.js';
import { namespace, service } from '../../support/objects.js';
import { annotated, backendRef, gatewayHttpRoute, grpcRoute } from '../../support/outbound-objects.js';
import { OutboundWorld } from '../../support/outbound-world.js';
import { outboundOnWire } from './wire.js';

const web = service('shop', 'web', [{ name: 'http', port: 80 }], '10.96.0.10');
const get = (path: string, extra: Partial<OutboundRequest> = {}): OutboundRequest => ({ method: 'GET', path, authority: 'web.shop.svc.cluster.local', headers: () => undefined, ...extra });

function chosen(result: ReturnType<typeof routeRequest>): RouteChoice {
  assert.equal(result.kind, 'route', 'reason' in result ? result.reason : '');
  return result as RouteChoice;
}

describe('outbound routing', () => {
  let world: OutboundWorld;
  const policy = (port = 80, name = 'web'): OutboundPolicy__Output => {
    const message = world.policy({ namespace: 'shop', name, port });
    assert.ok(message, `no policy for ${name}:${port}`);
    return outboundOnWire(message);
  };

  beforeEach(async () => {
    world = await OutboundWorld.open();
    world.apply(namespace('shop'));
    world.apply(web);
  });

  afterEach(() => world.close());

  it('sends every request of a Service without routes to its default route, balanced over its endpoints, built once per message', () => {
    const message = policy();
    assert.equal(policyKind(message), 'detect');
    const choice = chosen(routeRequest(message, get('/anything')));
    assert.deepEqual(choice.labels, {
      parent_group: 'core', parent_kind: 'Service', parent_namespace: 'shop', parent_name: 'web', parent_port: '80', parent_section_name: '',
      route_group: '', route_kind: 'default', route_namespace: '', route_name: 'http',
    });
    assert.equal(choice.distribution, 'first-available');
    assert.deepEqual(choice.backends.map(({ dispatcher, queue, labels, weight }) => ({ dispatcher, queue, name: labels.backend_name, port: labels.backend_port, weight })), [{
      dispatcher: { kind: 'balancer', path: 'web.shop.svc.cluster.local:80', load: { kind: 'peak-ewma', defaultRttMs: 30, decayMs: 10_000 }, failureAccrual: undefined },
      queue: { capacity: 100, failfastTimeoutMs: 3000 }, name: 'web', port: '80', weight: 1,
    }]);
    assert.deepEqual([choice.filters, choice.retry, choice.requestTimeoutMs], [[], undefined, undefined]);
    assert.equal(routeRequest(message, get('/other', { method: 'POST' })), choice, 'the same choice object serves every request');
    assert.deepEqual(routeRequest(message, get('/other', { protocol: 'http2' })), choice, 'HTTP/2 requests take the HTTP/2 routes, the same here');
    const opaque = opaqueRoute(message);
    assert.equal(opaque.kind === 'route' ? `${opaque.labels.route_name} ${opaque.backends[0]?.dispatcher.kind}` : opaque.kind, 'opaq balancer');
  });

  it('takes an HTTPRoute\'s matches, filters and weighted backends; a request no rule matches has no route', () => {
    world.apply(service('shop', 'web-v2', [{ port: 80 }], '10.96.0.11'));
    world.apply(gatewayHttpRoute('shop', 'split', {
      parent: { name: 'web' }, hostnames: ['web.example.com'],
      rules: [{
        matches: [{ path: { type: 'Exact', value: '/api' }, headers: [{ name: 'x-canary', value: 'yes' }], queryParams: [{ type: 'RegularExpression', name: 'v', value: '2.*' }], method: 'GET' }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'split' }] } }, { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['server'] } }],
        backendRefs: [backendRef('web', 80, 90), backendRef('web-v2', 80, 10)],
      }],
    }));
    const message = policy();
    const headers = (name: string) => (name === 'x-canary' ? 'yes' : undefined);
    const choice = chosen(routeRequest(message, get('/api', { authority: 'web.example.com:80', query: 'v=2.1', headers })));
    assert.equal(choice.labels.route_name, 'split');
    assert.equal(choice.distribution, 'random-available');
    assert.deepEqual(choice.backends.map((backend) => [backend.weight, backend.dispatcher.kind === 'balancer' ? backend.dispatcher.path : '']),
      [[90, 'web.shop.svc.cluster.local:80'], [10, 'web-v2.shop.svc.cluster.local:80']]);
    assert.deepEqual(choice.filters, [
      { kind: 'request-headers', headers: { set: [['x-route', 'split']], add: [], remove: [] } },
      { kind: 'response-headers', headers: { set: [], add: [], remove: ['server'] } },
    ]);
    for (const miss of [get('/api', { authority: 'web.example.com', query: 'v=2' }), get('/api', { authority: 'other.example.com', query: 'v=2', headers }), get('/api/x', { authority: 'web.example.com', query: 'v=2', headers })]) {
      assert.equal(routeRequest(message, miss).kind, 'no-route', `${miss.authority}${miss.path}`);
    }
  });

  it('fails the share of a backend it cannot use with that backend\'s own filter', () => {
    world.apply(gatewayHttpRoute('shop', 'broken', { parent: { name: 'web' }, rules: [{ backendRefs: [backendRef('web', 80, 1), backendRef('ghost', 80, 2)] }] }));
    const choice = chosen(routeRequest(policy(), get('/')));
    const ghost = choice.backends[1];
    assert.deepEqual(ghost?.dispatcher, { kind: 'fail', message: 'backend for Service shop/ghost has no dispatcher' });
    assert.deepEqual(ghost?.filters, [{ kind: 'fail-http', status: 500, message: 'Service not found ghost', probability: 1 }]);
    assert.deepEqual(choice.backends[0]?.filters, []);
  });

  it('carries the Service\'s retries, timeouts and failure accrual', () => {
    world.apply(annotated(web, {
      'retry.linkerd.io/http': '5xx,429', 'retry.linkerd.io/limit': '2', 'retry.linkerd.io/timeout': '300ms', 'timeout.linkerd.io/request': '10s',
      'balancer.linkerd.io/failure-accrual': 'consecutive',
    }));
    const choice = chosen(routeRequest(policy(), get('/')));
    assert.deepEqual(choice.retry, {
      kind: 'http', maxRetries: 2, maxRequestBytes: 65_536, statusRanges: [{ start: 500, end: 599 }, { start: 429, end: 429 }],
      timeoutMs: 300, backoff: { minMs: 25, maxMs: 250, jitterRatio: 1 },
    });
    assert.deepEqual([choice.timeouts.requestMs, choice.requestTimeoutMs, choice.timeouts.responseMs], [10_000, 10_000, undefined]);
    const dispatcher = choice.backends[0]?.dispatcher;
    assert.deepEqual(dispatcher?.kind === 'balancer' ? dispatcher.failureAccrual : undefined,
      { kind: 'consecutive-failures', maxFailures: 7, backoff: { minMs: 1000, maxMs: 60_000, jitterRatio: 0.5 } });
  });

  it('resolves a prefix redirect for each request', () => {
    world.apply(gatewayHttpRoute('shop', 'moved', {
      parent: { name: 'web' },
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/old/' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] }],
    }));
    const message = policy();
    assert.deepEqual(chosen(routeRequest(message, get('/old/a/b', { query: 'q=1' }))).filters, [{ kind: 'redirect', status: 301, location: 'https://web.shop.svc.cluster.local/new/a/b?q=1' }]);
    assert.deepEqual(chosen(routeRequest(message, get('/old'))).filters, [{ kind: 'redirect', status: 301, location: 'https://web.shop.svc.cluster.local/new' }]);
  });

  it('routes gRPC calls by GRPCRoute, with gRPC retry codes', () => {
    world.apply(grpcRoute('shop', 'rpc', {
      parent: { name: 'web' }, annotations: { 'retry.linkerd.io/grpc': 'unavailable,cancelled' },
      rules: [{ matches: [{ method: { service: 'shop.Cart', method: 'Add' } }] }],
    }));
    const message = policy();
    assert.equal(policyKind(message), 'http');
    const choice = chosen(routeRequest(message, get('/shop.Cart/Add', { method: 'POST' })));
    assert.deepEqual([choice.labels.route_kind, choice.labels.route_name], ['GRPCRoute', 'rpc']);
    assert.deepEqual(choice.retry?.kind === 'grpc' ? choice.retry.codes : undefined, [1, 14]);
    assert.equal(routeRequest(message, get('/shop.Cart/Remove', { method: 'POST' })).kind, 'no-route');
  });

  it('treats an opaque port as opaque: no HTTP routes, one opaque route', () => {
    world.apply(service('shop', 'db', [{ name: 'mysql', port: 3306 }], '10.96.0.12'));
    const message = policy(3306, 'db');
    assert.equal(policyKind(message), 'opaque');
    assert.equal(routeRequest(message, get('/')).kind, 'no-route');
    const route = opaqueRoute(message);
    assert.equal(route.kind === 'route' && route.backends[0]?.dispatcher.kind === 'balancer' ? route.backends[0].dispatcher.path : route.kind, 'db.shop.svc.cluster.local:3306');
  });

  it('forwards to the original address outside the cluster (egress fallback), HTTP or not', () => {
    const message = outboundOnWire(egressFallbackPolicy({ ip: toIpAddress('203.0.113.7'), port: 443 }));
    const forward = { kind: 'forward', ip: '203.0.113.7', port: 443, addr: '203.0.113.7:443' };
    const pick = (backends: readonly { readonly dispatcher: Dispatcher }[]) => {
      const dispatcher = backends[0]?.dispatcher;
      return dispatcher?.kind === 'forward' ? { kind: dispatcher.kind, ip: dispatcher.ip, port: dispatcher.port, addr: dispatcher.addr } : dispatcher;
    };
    assert.deepEqual(pick(chosen(routeRequest(message, get('/x', { authority: 'example.org' }))).backends), forward);
    const opaque = opaqueRoute(message);
    assert.deepEqual(opaque.kind === 'route' ? pick(opaque.backends) : opaque, forward);
  });

  it('reports a policy the proxy cannot use, and validateOutboundPolicy names the field', () => {
    const broken = outboundOnWire({ metadata: { default: 'x' }, protocol: { http1: { routes: [{ metadata: { default: 'r' }, hosts: [], rules: [{ matches: [], backends: { random_available: { backends: [] } } }] }] } } });
    const result = routeRequest(broken, get('/'));
    assert.equal(result.kind, 'invalid-policy');
    assert.throws(() => validateOutboundPolicy(broken), (error: unknown) => error instanceof InvalidPolicyError
      && error.message === 'OutboundPolicy.protocol.http1.routes[0].rules[0].backends.random_available: no backends');
    assert.equal(policyKind(broken), 'http');
  });

  it('picks among a real split in proportion to its weights', () => {
    world.apply(service('shop', 'web-v2', [{ port: 80 }], '10.96.0.11'));
    world.apply(gatewayHttpRoute('shop', 'split', { parent: { name: 'web' }, rules: [{ backendRefs: [backendRef('web', 80, 3), backendRef('web-v2', 80, 1)] }] }));
    const choice = chosen(routeRequest(policy(), get('/')));
    const names = [0.1, 0.5, 0.74, 0.76, 0.99].map((point) => pickBackend(choice, () => point)?.labels.backend_name);
    assert.deepEqual(names, ['web', 'web', 'web', 'web-v2', 'web-v2']);
  });
});
