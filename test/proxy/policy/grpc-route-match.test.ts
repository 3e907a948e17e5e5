/**
 * gRPC route matching with Linkerd's precedence, on routes decoded from the wire.
 */
import assert from 'node:assert/strict';
import type { GrpcRouteMatch } from '../../../src/gen/proto/io/linkerd/proxy/grpc_route/GrpcRouteMatch.js';
import type { GrpcRoute } from '../../../src/gen/proto/io/linkerd/proxy/outbound/GrpcRoute.js';
import { findGrpcRoute } from '../../../src/proxy/policy/grpc-route-match.js';
import type { HttpRequestFacts } from '../../../src/proxy/policy/request-facts.js';
import { outboundOnWire } from './wire.js';

function decodedRoutes(specs: readonly { readonly name: string; readonly hosts?: readonly string[]; readonly rules: readonly (readonly GrpcRouteMatch[])[] }[]) {
  const routes: GrpcRoute[] = specs.map((spec) => ({
    metadata: { default: spec.name },
    hosts: (spec.hosts ?? []).map((exact) => ({ exact })),
    rules: spec.rules.map((matches) => ({ matches: [...matches] })),
  }));
  return outboundOnWire({ metadata: { default: 'test' }, protocol: { grpc: { routes } } }).protocol?.grpc?.routes ?? [];
}

const call = (path: string, headers: Record<string, string> = {}, method = 'POST', authority = 'cart.shop:8080'): HttpRequestFacts =>
  ({ method, path, authority, headers: (name) => headers[name] });

const rpc = (service: string, method = ''): GrpcRouteMatch => ({ rpc: { service, method } });

describe('gRPC route matching', () => {
  const routes = decodedRoutes([
    { name: 'service', rules: [[rpc('shop.Cart')]] },
    { name: 'method', rules: [[rpc('shop.Cart', 'Add')]] },
    { name: 'any-service-get', rules: [[rpc('', 'Get')]] },
    { name: 'debug', rules: [[{ rpc: { service: 'shop.Cart', method: 'Add' }, headers: [{ name: 'x-debug', exact: Buffer.from('1').toString('base64') }] }]] },
  ]);
  const table: readonly (readonly [string, HttpRequestFacts, string | undefined])[] = [
    ['a service and method match beats a service match', call('/shop.Cart/Add'), 'method'],
    ['a service match takes the service\'s other methods', call('/shop.Cart/Remove'), 'service'],
    ['a longer service match beats a method match', call('/shop.Cart/Get'), 'service'],
    ['a method match alone applies to any service', call('/shop.Orders/Get'), 'any-service-get'],
    ['more header matches win among equal RPC matches', call('/shop.Cart/Add', { 'x-debug': '1' }), 'debug'],
    ['nothing matches another service\'s other methods', call('/shop.Orders/List'), undefined],
    ['only POST requests are gRPC calls', call('/shop.Cart/Add', {}, 'GET'), undefined],
    ['a path without a method is no call', call('/shop.Cart'), undefined],
  ];
  for (const [title, request, expected] of table) {
    it(title, () => {
      const found = findGrpcRoute(routes, request);
      assert.equal(found === undefined ? undefined : routes[found.routeIndex]?.metadata?.default, expected);
    });
  }

  it('matches every request, POST or not, with a rule that has no matches; hostnames narrow it', () => {
    const catchAll = decodedRoutes([{ name: 'narrow', hosts: ['cart.shop'], rules: [[rpc('shop.Cart')]] }, { name: 'all', rules: [[]] }]);
    assert.equal(findGrpcRoute(catchAll, call('/anything', {}, 'GET'))?.routeIndex, 1);
    assert.equal(findGrpcRoute(catchAll, call('/shop.Cart/Add'))?.routeIndex, 0, 'a matching hostname beats no hostname');
    assert.equal(findGrpcRoute(catchAll, call('/shop.Cart/Add', {}, 'POST', 'other:80'))?.routeIndex, 1);
  });
});
