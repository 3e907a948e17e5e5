/**
 * Inbound authorization on Server messages as the proxy decodes them: hand-written ones for each
 * authentication kind and network rule, and ones the control plane builds from policy resources.
 */
import assert from 'node:assert/strict';
import type { Authz } from '../../../src/gen/proto/io/linkerd/proxy/inbound/Authz.js';
import type { Server } from '../../../src/gen/proto/io/linkerd/proxy/inbound/Server.js';
import { authorizeConnection, authorizeRequest, validateServer, type ClientFacts } from '../../../src/proxy/policy/inbound-authorizer.js';
import { InvalidPolicyError } from '../../../src/proxy/policy/invalid-policy.js';
import type { HttpRequestFacts } from '../../../src/proxy/policy/request-facts.js';
import { toIpAddress } from '../../../src/streams/destination/ip-address.js';
import { serverMessage } from '../../../src/streams/policy/inbound-message.js';
import { PolicyCluster } from '../../support/policy-cluster.js';
import {
  annotatedNamespace, authorizationPolicy, httpRoute, meshedPod, meshTlsAuthentication, meshTlsRef, networkAuthentication, networkRef, server, serverTarget,
} from '../../support/policy-objects.js';
import { serverOnWire } from './wire.js';

const identity = (sa: string, ns = 'shop'): string => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`;
const mesh = (ip: string, sa: string, ns = 'shop'): ClientFacts => ({ ip, tls: { kind: 'mesh', identity: identity(sa, ns) }, serverPort: 8080 });
const tlsOnly = (ip: string): ClientFacts => ({ ip, tls: { kind: 'tls' }, serverPort: 8080 });
const plain = (ip: string): ClientFacts => ({ ip, tls: { kind: 'plaintext' }, serverPort: 8080 });

function network(cidr: string, except: readonly string[] = []): NonNullable<Authz['networks']>[number] {
  const net = (text: string) => {
    const [address = '', prefix = ''] = text.split('/');
    return { ip: toIpAddress(address), prefix_len: Number(prefix) };
  };
  return { net: net(cidr), except: except.map(net) };
}

function authz(name: string, authentication: Authz['authentication'], networks = [network('0.0.0.0/0'), network('::/0')]): Authz {
  return { networks, authentication, labels: {}, metadata: { resource: { group: 'policy.linkerd.io', kind: 'authorizationpolicy', name } } };
}

const opaqueServer = (...authorizations: Authz[]) => serverOnWire({
  protocol: { opaque: {} }, server_ips: [], authorizations, labels: { group: 'policy.linkerd.io', kind: 'server', name: 'db' },
});

describe('inbound authorization of connections', () => {
  const cases: readonly { readonly title: string; readonly authz: Authz; readonly allow: readonly ClientFacts[]; readonly deny: readonly ClientFacts[] }[] = [
    {
      title: 'unauthenticated admits plaintext, TLS and mesh clients',
      authz: authz('anyone', { unauthenticated: {} }),
      allow: [plain('10.0.0.1'), tlsOnly('10.0.0.1'), mesh('10.0.0.1', 'api'), plain('fd00::1')],
      deny: [],
    },
    {
      title: 'meshTLS with unauthenticated clients admits any TLS client and refuses plaintext',
      authz: authz('tls', { meshTLS: { unauthenticated: {} } }),
      allow: [tlsOnly('10.0.0.1'), mesh('10.0.0.1', 'api')],
      deny: [plain('10.0.0.1')],
    },
    {
      title: 'meshTLS identities admit exactly those names or the suffixes, mesh TLS only',
      authz: authz('ids', { meshTLS: { identities: { identities: [{ name: identity('api') }], suffixes: [{ parts: ['ops', 'serviceaccount', 'identity', 'linkerd', 'cluster', 'local'] }] } } }),
      allow: [mesh('10.0.0.1', 'api'), mesh('10.0.0.1', 'deployer', 'ops')],
      deny: [mesh('10.0.0.1', 'batch'), mesh('10.0.0.1', 'api', 'dev'), tlsOnly('10.0.0.1'), plain('10.0.0.1')],
    },
    {
      title: 'a suffix with no parts admits every mesh identity',
      authz: authz('all-ids', { meshTLS: { identities: { identities: [], suffixes: [{ parts: [] }] } } }),
      allow: [mesh('10.0.0.1', 'anything', 'anywhere')],
      deny: [tlsOnly('10.0.0.1'), plain('10.0.0.1')],
    },
    {
      title: 'networks admit their addresses less the exceptions, IPv4 (mapped too) and IPv6',
      authz: authz('office', { unauthenticated: {} }, [network('192.168.0.0/16', ['192.168.66.0/24']), network('fd00:1::/64')]),
      allow: [plain('192.168.1.9'), plain('::ffff:192.168.1.9'), plain('fd00:1::7')],
      deny: [plain('192.168.66.9'), plain('::ffff:192.168.66.9'), plain('10.0.0.1'), plain('fd00:2::7'), plain('not-an-ip')],
    },
  ];
  for (const { title, authz: authorization, allow, deny } of cases) {
    it(title, () => {
      const srv = opaqueServer(authorization);
      for (const client of allow) {
        const verdict = authorizeConnection(srv, client);
        assert.equal(verdict.kind, 'allow', `${client.ip} ${JSON.stringify(client.tls)}: ${verdict.kind === 'deny' ? verdict.reason : ''}`);
        if (verdict.kind === 'allow') assert.equal(verdict.labels.authz_name, authorization.metadata?.resource?.name);
      }
      for (const client of deny) assert.equal(authorizeConnection(srv, client).kind, 'deny', `${client.ip} ${JSON.stringify(client.tls)}`);
    });
  }

  it('takes the first authorization that admits the client, and labels the verdict with the server, its port and that authorization', () => {
    const srv = opaqueServer(authz('mesh-only', { meshTLS: { unauthenticated: {} } }), authz('everyone', { unauthenticated: {} }));
    assert.deepEqual(authorizeConnection(srv, mesh('10.0.0.1', 'api')), {
      kind: 'allow', allowed: true,
      labels: { srv_group: 'policy.linkerd.io', srv_kind: 'server', srv_name: 'db', srv_port: '8080', authz_group: 'policy.linkerd.io', authz_kind: 'authorizationpolicy', authz_name: 'mesh-only' },
    });
    const second = authorizeConnection(srv, plain('10.0.0.1'));
    assert.equal(second.kind === 'allow' ? second.labels.authz_name : second.kind, 'everyone');
  });

  it('denies when no authorization admits the client, with the server labels and a reason naming the client', () => {
    const verdict = authorizeConnection(opaqueServer(), plain('10.0.0.1'));
    assert.equal(verdict.kind, 'deny');
    assert.deepEqual(verdict.labels, { srv_group: 'policy.linkerd.io', srv_kind: 'server', srv_name: 'db', srv_port: '8080' });
    assert.match(verdict.kind === 'deny' ? verdict.reason : '', /no authorization on server db admits 10\.0\.0\.1 \(plaintext\)/);
  });

  it('always admits the pod itself over localhost', () => {
    for (const ip of ['127.0.0.1', '::1']) {
      const verdict = authorizeConnection(opaqueServer(), plain(ip));
      assert.equal(verdict.kind === 'allow' ? `${verdict.labels.authz_kind}:${verdict.labels.authz_name}` : verdict.kind, 'default:localhost');
    }
  });

  it('leaves HTTP servers to authorize each request, and finds no route for a request on an opaque server', () => {
    const http: Server = { protocol: { http1: { routes: [] } }, server_ips: [], authorizations: [], labels: { name: 'web' } };
    assert.equal(authorizeConnection(serverOnWire(http), plain('10.0.0.1')).kind, 'per-request');
    const verdict = authorizeRequest(opaqueServer(authz('everyone', { unauthenticated: {} })), plain('10.0.0.1'), { method: 'GET', path: '/', headers: () => undefined });
    assert.equal(verdict.kind, 'no-route');
  });

  it('denies everything on a message the proxy cannot use, and validateServer names the field', () => {
    const broken = serverOnWire({ protocol: { opaque: {} }, server_ips: [], authorizations: [{ networks: [], authentication: { unauthenticated: {} }, labels: { name: 'x' } }], labels: { name: 'db' } });
    const verdict = authorizeConnection(broken, plain('127.0.0.1'));
    assert.equal(verdict.kind, 'deny');
    assert.match(verdict.kind === 'deny' ? verdict.reason : '', /Server\.authorizations\[0\]\.networks: empty/);
    assert.throws(() => validateServer(broken), (error: unknown) => error instanceof InvalidPolicyError && /authorizations\[0\]\.networks/.test(error.message));
    const noName = serverOnWire({ protocol: { opaque: {} }, server_ips: [], authorizations: [], labels: {} });
    assert.throws(() => validateServer(noName), /Server\.labels: no "name" label/);
  });
});

describe('inbound authorization of the control plane\'s servers', () => {
  const ns = 'shop';
  let cluster: PolicyCluster;
  const get = (path: string, extra: Partial<HttpRequestFacts> = {}): HttpRequestFacts => ({ method: 'GET', path, authority: 'web.shop:8080', headers: () => undefined, ...extra });
  const message = (port = 8080) => serverOnWire(serverMessage(cluster.server(ns, 'web', port)));

  beforeEach(async () => {
    cluster = await PolicyCluster.create();
    cluster.apply(annotatedNamespace(ns), meshedPod(ns, 'web', { ip: '10.1.0.5', ports: { http: 8080, admin: 9990 } }));
  });

  afterEach(() => cluster.close());

  it('without a Server, admits everyone on the default route and the probe route', () => {
    const allow = authorizeRequest(message(), plain('10.9.9.9'), get('/anything'));
    assert.equal(allow.kind, 'allow');
    assert.deepEqual(allow.labels, {
      srv_group: '', srv_kind: 'default', srv_name: 'all-unauthenticated', srv_port: '8080',
      route_group: '', route_kind: 'default', route_name: 'default', authz_group: '', authz_kind: 'default', authz_name: 'all-unauthenticated',
    });
    const probe = authorizeRequest(message(), plain('10.9.9.9'), get('/ready'));
    assert.equal(probe.kind === 'allow' ? `${probe.labels.route_name}/${probe.labels.authz_name}` : probe.kind, 'probe/probe');
  });

  it('a Server without authorizations refuses requests except probes; an AuthorizationPolicy admits its identities', () => {
    cluster.apply(server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/1' }));
    const refused = authorizeRequest(message(), mesh('10.9.9.9', 'api'), get('/orders'));
    assert.equal(refused.kind, 'unauthorized');
    assert.deepEqual(refused.labels, { srv_group: 'policy.linkerd.io', srv_kind: 'server', srv_name: 'web-http', srv_port: '8080', route_group: '', route_kind: 'default', route_name: 'default' });
    assert.equal(authorizeRequest(message(), plain('10.9.9.9'), get('/live')).kind, 'allow');
    cluster.apply(meshTlsAuthentication(ns, 'api-only', { identities: [identity('api')] }),
      authorizationPolicy(ns, 'web-from-api', serverTarget('web-http'), [meshTlsRef('api-only')]));
    const allowed = authorizeRequest(message(), mesh('10.9.9.9', 'api'), get('/orders'));
    assert.equal(allowed.kind === 'allow' ? `${allowed.labels.authz_kind}/${allowed.labels.authz_name}` : allowed.kind, 'authorizationpolicy/web-from-api');
    assert.equal(authorizeRequest(message(), mesh('10.9.9.9', 'batch'), get('/orders')).kind, 'unauthorized');
    assert.equal(authorizeConnection(message(), mesh('10.9.9.9', 'api')).kind, 'per-request');
  });

  it('HTTPRoutes replace the default routes: other paths find no route, and each route has its own authorizations and filters', () => {
    cluster.apply(server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/1' }),
      httpRoute(ns, 'public', 'web-http', [{
        matches: [{ path: { type: 'PathPrefix', value: '/public' } }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Route', value: 'public' }], remove: ['x-debug'] } }],
      }]),
      httpRoute(ns, 'moved', 'web-http', [{
        matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
        filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' }, statusCode: 302 } }],
      }]),
      networkAuthentication(ns, 'all', [{ cidr: '0.0.0.0/0' }]),
      authorizationPolicy(ns, 'public-all', { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'public' }, [networkRef('all')]),
      authorizationPolicy(ns, 'moved-all', { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'moved' }, [networkRef('all')]));
    const pub = authorizeRequest(message(), plain('10.9.9.9'), get('/public/index.html'));
    assert.equal(pub.kind, 'allow');
    assert.deepEqual(pub.kind === 'allow' ? pub.filters : [], [{ kind: 'request-headers', headers: { set: [['x-route', 'public']], add: [], remove: ['x-debug'] } }]);
    assert.equal(pub.labels.route_kind === 'HTTPRoute' && pub.labels.route_name, 'public');
    const moved = authorizeRequest(message(), plain('10.9.9.9'), get('/old/a', { query: 'x=1' }));
    assert.deepEqual(moved.kind === 'allow' ? moved.filters : moved, [{ kind: 'redirect', status: 302, location: 'http://web.shop:8080/new/a?x=1' }]);
    const none = authorizeRequest(message(), plain('10.9.9.9'), get('/ready'));
    assert.equal(none.kind, 'no-route', 'no default probe route once routes are attached');
    assert.deepEqual(none.labels, { srv_group: 'policy.linkerd.io', srv_kind: 'server', srv_name: 'web-http', srv_port: '8080' });
  });

  it('a gRPC Server routes calls by GRPCRoute and refuses other methods with no route', () => {
    cluster.apply(server(ns, 'web-grpc', { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'gRPC' }),
      {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'cart', namespace: ns, creationTimestamp: '2026-01-01T00:00:00Z' },
        spec: { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'web-grpc' }], rules: [{ matches: [{ method: { service: 'shop.Cart', method: 'Add' } }] }] },
      },
      authorizationPolicy(ns, 'cart-ops', { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'cart' }, [{ kind: 'ServiceAccount', name: 'ops' }]));
    const call = (path: string) => ({ method: 'POST', path, authority: 'web.shop:8080', headers: () => undefined });
    const ok = authorizeRequest(message(), mesh('10.9.9.9', 'ops'), call('/shop.Cart/Add'));
    assert.equal(ok.kind === 'allow' ? `${ok.labels.route_kind} ${ok.labels.route_name}` : ok.kind, 'GRPCRoute cart');
    assert.equal(authorizeRequest(message(), mesh('10.9.9.9', 'api'), call('/shop.Cart/Add')).kind, 'unauthorized');
    assert.equal(authorizeRequest(message(), mesh('10.9.9.9', 'ops'), call('/shop.Cart/Remove')).kind, 'no-route');
  });

  it('an opaque Server checks its authorizations per connection, networks with exceptions included', () => {
    cluster.apply(server(ns, 'web-admin', { podSelector: { matchLabels: { app: 'web' } }, port: 'admin', proxyProtocol: 'opaque' }),
      networkAuthentication(ns, 'office', [{ cidr: '192.168.0.0/16', except: ['192.168.66.0/24'] }]),
      authorizationPolicy(ns, 'admin-office', serverTarget('web-admin'), [networkRef('office')]));
    const verdict = (ip: string) => authorizeConnection(message(9990), { ...plain(ip), serverPort: 9990 });
    assert.deepEqual(verdict('192.168.1.1').labels, {
      srv_group: 'policy.linkerd.io', srv_kind: 'server', srv_name: 'web-admin', srv_port: '9990',
      authz_group: 'policy.linkerd.io', authz_kind: 'authorizationpolicy', authz_name: 'admin-office',
    });
    assert.equal(verdict('192.168.66.1').kind, 'deny');
    assert.equal(verdict('10.0.0.1').kind, 'deny');
  });
});
