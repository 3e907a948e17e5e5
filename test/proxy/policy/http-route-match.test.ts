/**
 * HTTP route matching with Linkerd's precedence, on routes decoded from the wire: each case lists
 * routes (name, hostnames, rules of matches) and requests with the route and rule they must take.
 */
import assert from 'node:assert/strict';
import type { HttpRouteMatch } from '../../../src/gen/proto/io/linkerd/proxy/http_route/HttpRouteMatch.js';
import type { HttpRoute } from '../../../src/gen/proto/io/linkerd/proxy/outbound/HttpRoute.js';
import { compileHttpRoute, findHttpRoute } from '../../../src/proxy/policy/http-route-match.js';
import { InvalidPolicyError } from '../../../src/proxy/policy/invalid-policy.js';
import { splitTarget, type HttpRequestFacts } from '../../../src/proxy/policy/request-facts.js';
import { outboundOnWire } from './wire.js';

interface RouteSpec {
  readonly name: string;
  readonly hosts?: readonly string[];
  readonly rules: readonly (readonly HttpRouteMatch[])[];
}

const bytes = (text: string): string => Buffer.from(text).toString('base64');

/** The routes as a proxy decodes them from an OutboundPolicy. */
function decodedRoutes(specs: readonly RouteSpec[]) {
  const routes: HttpRoute[] = specs.map((spec) => ({
    metadata: { default: spec.name },
    hosts: (spec.hosts ?? []).map((host) => (host.startsWith('*.') ? { suffix: { reverse_labels: host.slice(2).split('.').reverse() } } : { exact: host })),
    rules: spec.rules.map((matches) => ({ matches: [...matches] })),
  }));
  const policy = outboundOnWire({ metadata: { default: 'test' }, protocol: { http1: { routes } } });
  return policy.protocol?.http1?.routes ?? [];
}

function request(target: string, extra: Partial<Omit<HttpRequestFacts, 'headers'>> & { headers?: Record<string, string | string[]> } = {}): HttpRequestFacts {
  const { path, query } = splitTarget(target);
  const headers = extra.headers ?? {};
  return { method: 'GET', authority: 'web.shop.svc.cluster.local', ...extra, path, query, headers: (name) => headers[name] };
}

interface Case {
  readonly title: string;
  readonly routes: readonly RouteSpec[];
  readonly expect: readonly (readonly [HttpRequestFacts, string | undefined, number?])[];
}

const prefix = (value: string): HttpRouteMatch => ({ path: { prefix: value } });
const exact = (value: string): HttpRouteMatch => ({ path: { exact: value } });
const regex = (value: string): HttpRouteMatch => ({ path: { regex: value } });

const cases: readonly Case[] = [
  {
    title: 'an exact path beats a prefix of the same length',
    routes: [{ name: 'prefix', rules: [[prefix('/foo')]] }, { name: 'exact', rules: [[exact('/foo')]] }],
    expect: [[request('/foo'), 'exact'], [request('/foo/bar'), 'prefix'], [request('/bar'), undefined]],
  },
  {
    title: 'the longest matching prefix wins, and prefixes match whole segments',
    routes: [{ name: 'root', rules: [[prefix('/')]] }, { name: 'api', rules: [[prefix('/api/')]] }, { name: 'v1', rules: [[prefix('/api/v1')]] }],
    expect: [
      [request('/api/v1/items'), 'v1'], [request('/api/v1'), 'v1'], [request('/api/v2'), 'api'], [request('/api'), 'api'],
      [request('/apix'), 'root'], [request('/api/v10'), 'api'],
    ],
  },
  {
    title: 'a regular expression must match the whole path and ranks by the path\'s length, below an exact match',
    routes: [
      { name: 'items', rules: [[prefix('/items')]] }, { name: 'numbered', rules: [[regex('/items/[0-9]+')]] }, { name: 'answer', rules: [[exact('/items/42')]] },
    ],
    expect: [[request('/items/7'), 'numbered'], [request('/items/7/parts'), 'items'], [request('/items/x7'), 'items'], [request('/items/42'), 'answer']],
  },
  {
    title: 'a prefix as long as the path beats a regular expression',
    routes: [{ name: 'pattern', rules: [[regex('/a/.*')]] }, { name: 'whole', rules: [[prefix('/a/b')]] }],
    expect: [[request('/a/b'), 'whole'], [request('/a/bc'), 'pattern']],
  },
  {
    title: 'after the path, a method match beats none, then more headers, then more query parameters',
    routes: [
      { name: 'any', rules: [[prefix('/')]] },
      { name: 'post', rules: [[{ path: { prefix: '/' }, method: { registered: 'POST' } }]] },
      { name: 'one-header', rules: [[{ path: { prefix: '/' }, headers: [{ name: 'x-a', exact: bytes('1') }] }]] },
      { name: 'two-headers', rules: [[{ path: { prefix: '/' }, headers: [{ name: 'x-a', exact: bytes('1') }, { name: 'X-B', regex: 'b+' }] }]] },
      { name: 'query', rules: [[{ path: { prefix: '/' }, query_params: [{ name: 'v', exact: '2' }] }]] },
    ],
    expect: [
      [request('/'), 'any'],
      [request('/', { method: 'POST', headers: { 'x-a': '1', 'x-b': 'bbb' } }), 'post'],
      [request('/', { headers: { 'x-a': '1' } }), 'one-header'],
      [request('/', { headers: { 'x-a': '1', 'x-b': 'bbb' } }), 'two-headers'],
      [request('/', { headers: { 'x-a': '1', 'x-b': 'bbbc' } }), 'one-header'],
      [request('/', { headers: { 'x-a': ['0', '1'] } }), 'one-header'],
      [request('/?v=2', { headers: { 'x-a': '1' } }), 'one-header'],
      [request('/?w=1&v=2'), 'query'],
      [request('/?v=3'), 'any'],
    ],
  },
  {
    title: 'the path outranks the method',
    routes: [{ name: 'get-anything', rules: [[{ path: { prefix: '/' }, method: { registered: 'GET' } }]] }, { name: 'api', rules: [[prefix('/api')]] }],
    expect: [[request('/api/x'), 'api'], [request('/other'), 'get-anything'], [request('/other', { method: 'PUT' }), undefined]],
  },
  {
    title: 'query parameters are decoded and a regular expression must match the whole value',
    routes: [{ name: 'search', rules: [[{ query_params: [{ name: 'q', regex: 'shoes|boots' }] }]] }],
    expect: [[request('/?q=boots'), 'search'], [request('/?q=red+boots'), undefined], [request('/?q=%62oots'), 'search'], [request('/'), undefined]],
  },
  {
    title: 'ties go to the earlier route, then the earlier rule',
    routes: [{ name: 'first', rules: [[prefix('/x')], [prefix('/y')], [prefix('/y')]] }, { name: 'second', rules: [[prefix('/x')]] }],
    expect: [[request('/x'), 'first', 0], [request('/y/z'), 'first', 1]],
  },
  {
    title: 'a rule without matches matches everything, as the prefix /',
    routes: [{ name: 'catch-all', rules: [[]] }, { name: 'api', rules: [[prefix('/api')]] }],
    expect: [[request('/anything', { method: 'DELETE' }), 'catch-all'], [request('/api'), 'api']],
  },
  {
    title: 'a route whose hostnames match beats one without; exact beats suffix; hosts are case-insensitive and ports ignored',
    routes: [
      { name: 'no-host', rules: [[prefix('/api')]] },
      { name: 'suffix', hosts: ['*.example.com'], rules: [[prefix('/')]] },
      { name: 'exact', hosts: ['api.example.com'], rules: [[prefix('/')]] },
    ],
    expect: [
      [request('/api', { authority: 'api.example.com' }), 'exact'],
      [request('/api', { authority: 'API.Example.com:8080' }), 'exact'],
      [request('/api', { authority: 'www.example.com' }), 'suffix'],
      [request('/api', { authority: 'example.com' }), 'no-host'],
      [request('/', { authority: 'example.com' }), undefined],
      [request('/api', { authority: undefined }), 'no-host'],
    ],
  },
];

describe('HTTP route matching', () => {
  for (const { title, routes, expect } of cases) {
    it(title, () => {
      const decoded = decodedRoutes(routes);
      for (const [req, name, rule] of expect) {
        const found = findHttpRoute(decoded, req);
        const label = `${req.method} ${req.authority ?? ''}${req.path}${req.query === undefined ? '' : `?${req.query}`}`;
        assert.equal(found === undefined ? undefined : routes[found.routeIndex]?.name, name, label);
        if (rule !== undefined) assert.equal(found?.ruleIndex, rule, `${label}: rule`);
      }
    });
  }

  it('reports the matched path kind and length the redirect filters need', () => {
    const decoded = decodedRoutes([{ name: 'r', rules: [[prefix('/foo/')]] }]);
    assert.deepEqual(findHttpRoute(decoded, request('/foo/bar'))?.summary, {
      host: { rank: 0, length: 0 }, pathKind: 'prefix', pathLength: 4, method: false, headers: 0, query: 0,
    });
  });

  it('refuses a route whose regular expression does not compile, naming the field', () => {
    const [route] = decodedRoutes([{ name: 'bad', rules: [[], [regex('/(unclosed')]] }]);
    assert.ok(route);
    assert.throws(() => compileHttpRoute(route, 'routes[0]'), (error: unknown) => error instanceof InvalidPolicyError && /routes\[0\]\.rules\[1\]\.matches\[0\]\.path\.regex/.test(error.message));
  });
});
