/**
 * Inbound policy resources: Servers, AuthorizationPolicies, ServerAuthorizations, the
 * authentications they require and inbound HTTPRoutes, with the fail-closed cases the issue names.
 */
import assert from 'node:assert/strict';
import { requireIdentityPortsAnnotation } from '../../src/reconcilers/default-policy.js';
import { decide, type InboundClient } from '../../src/reconcilers/inbound-decision.js';
import { PolicyCluster } from '../support/policy-cluster.js';
import {
  annotatedNamespace, authorizationPolicy, httpRoute, meshedPod, meshTlsAuthentication, meshTlsRef, networkAuthentication, networkRef,
  server, serverAuthorization, serverTarget,
} from '../support/policy-objects.js';

const ns = 'shop';
const identityOf = (sa: string, namespace = ns): string => `${sa}.${namespace}.serviceaccount.identity.linkerd.cluster.local`;
const meshed = (sa: string, namespace = ns, ip = '10.1.9.9'): InboundClient => ({ ip, tls: true, identity: identityOf(sa, namespace) });
const plain = (ip = '10.1.9.9'): InboundClient => ({ ip, tls: false });
const webServer = server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/1' });

describe('inbound policy', () => {
  let cluster: PolicyCluster;

  beforeEach(async () => {
    cluster = await PolicyCluster.create();
    cluster.apply(annotatedNamespace(ns), meshedPod(ns, 'web', { ip: '10.1.0.5' }));
  });

  afterEach(async () => {
    await cluster.close();
  });

  const allowed = (client: InboundClient, port = 8080): boolean => decide(cluster.server(ns, 'web', port), client).allowed;

  it('a port selected by a Server with no authorization denies everyone, though the default policy admits all', () => {
    assert.equal(allowed(meshed('api')), true);
    cluster.apply(webServer);
    assert.equal(allowed(meshed('api')), false);
    assert.equal(allowed(plain()), false);
    assert.equal(decide(cluster.server(ns, 'web', 8080), { ...plain(), path: '/ready', method: 'GET' }).allowed, true, 'probes still pass');
  });

  it('an AuthorizationPolicy with a MeshTLSAuthentication admits only its identities; deleting it denies again', () => {
    const policy = authorizationPolicy(ns, 'web-from-api', serverTarget('web-http'), [meshTlsRef('api-only')]);
    cluster.apply(webServer, meshTlsAuthentication(ns, 'api-only', { identities: [identityOf('api')] }), policy);
    assert.equal(allowed(meshed('api')), true);
    assert.equal(allowed(meshed('batch')), false);
    assert.equal(allowed(plain()), false);
    cluster.delete(policy);
    assert.equal(allowed(meshed('api')), false, 'the last policy is gone, so the Server denies');
  });

  it('MeshTLSAuthentication wildcards: * is any identity, *.suffix a domain, identityRefs name accounts and namespaces', () => {
    cluster.apply(webServer,
      meshTlsAuthentication(ns, 'suffix', { identities: ['*.ops.serviceaccount.identity.linkerd.cluster.local'] }),
      authorizationPolicy(ns, 'ops', serverTarget('web-http'), [meshTlsRef('suffix')]));
    assert.equal(allowed(meshed('deployer', 'ops')), true);
    assert.equal(allowed(meshed('deployer', 'dev')), false);
    cluster.apply(meshTlsAuthentication(ns, 'suffix', { identityRefs: [{ kind: 'ServiceAccount', name: 'auditor', namespace: 'dev' }, { kind: 'Namespace', name: 'billing' }] }));
    assert.equal(allowed(meshed('auditor', 'dev')), true);
    assert.equal(allowed(meshed('deployer', 'dev')), false);
    assert.equal(allowed(meshed('anyone', 'billing')), true);
    assert.equal(allowed(meshed('deployer', 'ops')), false);
    cluster.apply(meshTlsAuthentication(ns, 'suffix', { identities: ['*'] }));
    assert.equal(allowed(meshed('anyone', 'anywhere')), true);
    assert.equal(allowed({ ip: '10.1.9.9', tls: true }), false, 'TLS without an identity is not an identity');
  });

  it('a NetworkAuthentication admits its CIDRs less their exceptions, and combines with an identity requirement', () => {
    cluster.apply(webServer,
      networkAuthentication(ns, 'office', [{ cidr: '192.168.0.0/16', except: ['192.168.66.0/24'] }, { cidr: 'fd00:1::/64' }]),
      authorizationPolicy(ns, 'office-plain', serverTarget('web-http'), [networkRef('office')]));
    assert.equal(allowed(plain('192.168.1.1')), true);
    assert.equal(allowed(plain('192.168.66.7')), false);
    assert.equal(allowed(plain('10.0.0.1')), false);
    assert.equal(allowed(plain('fd00:1::42')), true);
    cluster.apply(meshTlsAuthentication(ns, 'api-only', { identities: [identityOf('api')] }),
      authorizationPolicy(ns, 'office-plain', serverTarget('web-http'), [networkRef('office'), meshTlsRef('api-only')]));
    assert.equal(allowed(plain('192.168.1.1')), false);
    assert.equal(allowed(meshed('api', ns, '192.168.1.1')), true);
    assert.equal(allowed(meshed('api', ns, '10.0.0.1')), false);
  });

  it('a policy whose authentication is missing or invalid grants nothing, and says why', () => {
    cluster.apply(webServer, authorizationPolicy(ns, 'dangling', serverTarget('web-http'), [meshTlsRef('nowhere')]));
    const result = cluster.server(ns, 'web', 8080);
    assert.equal(decide(result, meshed('api')).allowed, false);
    assert.match(JSON.stringify(result.notes), /MeshTLSAuthentication shop\/nowhere not found/);
    cluster.apply(networkAuthentication(ns, 'bad', [{ cidr: 'not-a-network' }]),
      authorizationPolicy(ns, 'bad-net', serverTarget('web-http'), [networkRef('bad')]));
    assert.equal(allowed(plain()), false);
    assert.match(JSON.stringify(cluster.server(ns, 'web', 8080).notes), /NetworkAuthentication shop\/bad is invalid/);
  });

  it('an invalid AuthorizationPolicy grants nothing', () => {
    cluster.apply(webServer, {
      apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'broken', namespace: ns },
      spec: { targetRef: serverTarget('web-http'), requiredAuthenticationRefs: 'everyone' },
    });
    assert.equal(allowed(plain()), false);
  });

  it('a Server that fails validation denies everything, probes included, on every port it might select', () => {
    cluster.apply(server(ns, 'broken', { podSelector: { matchLabels: { app: 'web' } }, port: 70000 }));
    for (const port of [8080, 4191, 12345]) {
      const result = cluster.server(ns, 'web', port);
      assert.equal(decide(result, meshed('api')).allowed, false, `port ${port}`);
      assert.equal(decide(result, { ...plain(), path: '/ready', method: 'GET' }).allowed, false);
      assert.match(JSON.stringify(result.notes), /invalid/);
    }
  });

  it('a field unknown to Sinew never widens access: the Server becomes invalid and denies on its port only', async () => {
    cluster.apply(meshedPod(ns, 'web', { ip: '10.1.0.5', ports: { http: 8080, admin: 9990 } }),
      server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 'http', accessPolicy: 'all-unauthenticated', futureRestriction: { onlyFrom: 'ops' } }));
    const http = cluster.server(ns, 'web', 8080);
    assert.equal(decide(http, plain()).allowed, false, 'the unknown field did not turn into an allow');
    assert.match(JSON.stringify(http.notes), /futureRestriction: unknown field/);
    assert.equal(decide(cluster.server(ns, 'web', 9990), plain()).allowed, true, 'its other ports keep the default policy');
    const other = await PolicyCluster.create();
    try {
      other.apply(annotatedNamespace(ns), meshedPod(ns, 'api', { ip: '10.1.0.6', labels: { app: 'api' } }),
        server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 'http', futureRestriction: true }));
      assert.equal(decide(other.server(ns, 'api', 8080), plain()).allowed, true, 'pods the invalid Server does not select are untouched');
      other.apply(server(ns, 'web-http', { podSelector: { matchExpressions: [{ key: 'app', operator: 'Unknown' }] }, port: 'http', futureRestriction: true }));
      assert.equal(decide(other.server(ns, 'api', 8080), plain()).allowed, false, 'a selector Sinew cannot read counts as every pod');
    } finally {
      await other.close();
    }
  });

  it('the Namespace as a target authorizes every Server in it, and no port without a Server', () => {
    cluster.apply(annotatedNamespace(ns, { 'config.linkerd.io/default-inbound-policy': 'deny' }), webServer,
      authorizationPolicy(ns, 'ns-wide', { kind: 'Namespace', name: ns }, [{ kind: 'ServiceAccount', name: 'api' }]));
    assert.equal(allowed(meshed('api')), true);
    assert.equal(allowed(meshed('batch')), false);
    assert.equal(allowed(meshed('api'), 9999), false, 'no Server on 9999: the namespace default (deny) applies');
  });

  it('ServerAuthorizations select Servers by name or label and admit by identity, service account or network', () => {
    cluster.apply(webServer, serverAuthorization(ns, 'sa', { server: { name: 'web-http' }, client: { meshTLS: { serviceAccounts: [{ name: 'api' }] } } }));
    assert.equal(allowed(meshed('api')), true);
    assert.equal(allowed(meshed('batch')), false);
    cluster.apply(serverAuthorization(ns, 'sa', { server: { selector: { matchLabels: { tier: 'front' } } }, client: { unauthenticated: true } }));
    assert.equal(allowed(plain()), false, 'the selector does not match the Server');
    cluster.apply(server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 8080 }, '2026-01-01T00:00:00Z'));
    cluster.apply({ ...server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 8080 }), metadata: { name: 'web-http', namespace: ns, labels: { tier: 'front' } } });
    assert.equal(allowed(plain()), true);
    cluster.apply(serverAuthorization(ns, 'sa', { server: { name: 'web-http' }, client: { meshTLS: { unauthenticatedTLS: true } } }));
    assert.equal(allowed({ ip: '10.1.9.9', tls: true }), true);
    assert.equal(allowed(plain()), false);
  });

  it('HTTPRoutes on a Server replace the default routes: only their paths exist, each with its own authorizations', () => {
    cluster.apply(webServer,
      httpRoute(ns, 'public', 'web-http', [{ matches: [{ path: { type: 'PathPrefix', value: '/public' } }] }]),
      httpRoute(ns, 'admin', 'web-http', [{ matches: [{ path: { type: 'PathPrefix', value: '/admin' }, method: 'POST' }] }]),
      authorizationPolicy(ns, 'public-all', { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'public' }, [networkRef('all')]),
      networkAuthentication(ns, 'all', [{ cidr: '0.0.0.0/0' }]),
      authorizationPolicy(ns, 'admin-ops', { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'admin' }, [{ kind: 'ServiceAccount', name: 'ops' }]));
    const result = cluster.server(ns, 'web', 8080);
    const request = (client: InboundClient, path: string, method = 'GET'): boolean => decide(result, { ...client, path, method }).allowed;
    assert.equal(request(plain(), '/public/index.html'), true);
    assert.equal(request(plain(), '/admin/users', 'POST'), false);
    assert.equal(request(meshed('ops'), '/admin/users', 'POST'), true);
    assert.equal(request(meshed('ops'), '/admin/users', 'GET'), false, 'the route matches POST only');
    assert.equal(request(meshed('ops'), '/ready'), false, 'no default probe route once routes are attached');
    assert.equal(decide(result, plain()).allowed, false, 'connection-level: the Server itself authorizes no one');
  });

  it('an invalid HTTPRoute attached to a Server turns its default routes off rather than widening them', () => {
    cluster.apply(webServer, authorizationPolicy(ns, 'all-meshed', serverTarget('web-http'), [meshTlsRef('any')]),
      meshTlsAuthentication(ns, 'any', { identities: ['*'] }));
    const before = cluster.server(ns, 'web', 8080);
    assert.equal(decide(before, { ...meshed('api'), path: '/anything', method: 'GET' }).allowed, true);
    cluster.apply(httpRoute(ns, 'elsewhere', 'other-server', [{ matches: [{ path: { type: 'Bogus', value: '/x' } }] }]));
    assert.equal(decide(cluster.server(ns, 'web', 8080), { ...meshed('api'), path: '/anything', method: 'GET' }).allowed, true,
      'an invalid route whose parents can still be read stays on its own Server');
    cluster.apply(httpRoute(ns, 'narrow', 'web-http', [{ matches: [{ path: { type: 'Bogus', value: '/x' } }] }]));
    const after = cluster.server(ns, 'web', 8080);
    assert.equal(decide(after, { ...meshed('api'), path: '/anything', method: 'GET' }).allowed, false);
    assert.match(JSON.stringify(after.notes), /HTTPRoute.*narrow.*is attached to this Server/);
  });

  it('a route the proxy API cannot carry (a regular expression that does not compile, a relative path) is not applied, and says why', () => {
    cluster.apply(webServer, authorizationPolicy(ns, 'all-meshed', serverTarget('web-http'), [meshTlsRef('any')]),
      meshTlsAuthentication(ns, 'any', { identities: ['*'] }),
      httpRoute(ns, 'bad-regex', 'web-http', [{ matches: [{ path: { type: 'RegularExpression', value: '/(unclosed' } }] }]));
    const result = cluster.server(ns, 'web', 8080);
    assert.deepEqual(result.httpRoutes, [], 'nothing half-applied, and no default route either');
    assert.equal(decide(result, { ...meshed('api'), path: '/unclosed', method: 'GET' }).allowed, false);
    assert.match(JSON.stringify(result.notes), /rules\[0\]\.matches\[0\]\.path: .* is not a regular expression/);
    cluster.apply(httpRoute(ns, 'bad-regex', 'web-http', [{ matches: [{ path: { type: 'Exact', value: 'relative' } }] }]));
    assert.match(JSON.stringify(cluster.server(ns, 'web', 8080).notes), /is not an absolute path/);
  });

  it('ports listed in proxy-require-identity-inbound-ports turn *-unauthenticated defaults into *-authenticated', () => {
    cluster.apply(meshedPod(ns, 'web', { ip: '10.1.0.5', ports: { http: 8080, grpc: 9000 }, annotations: { [requireIdentityPortsAnnotation]: '9000' } }));
    assert.equal(allowed(plain(), 8080), true);
    assert.equal(allowed(plain(), 9000), false);
    assert.equal(allowed(meshed('api'), 9000), true);
    assert.deepEqual(cluster.server(ns, 'web', 9000).ref, { kind: 'default', name: 'all-authenticated' });
  });

  it('a Server with accessPolicy audit admits what no authorization admits, flagged as audit', () => {
    cluster.apply(server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 8080, accessPolicy: 'audit' }));
    const decision = decide(cluster.server(ns, 'web', 8080), plain());
    assert.equal(decision.allowed, true);
    assert.equal(decision.verdict, 'audit');
  });

  it('a default-inbound-policy annotation that is no policy means deny, not the next level down, and is noted', () => {
    cluster.apply(annotatedNamespace(ns, { 'config.linkerd.io/default-inbound-policy': 'all-unauthenticated' }),
      meshedPod(ns, 'web', { ip: '10.1.0.5', annotations: { 'config.linkerd.io/default-inbound-policy': 'denny' } }));
    const result = cluster.server(ns, 'web', 8080);
    assert.deepEqual(result.ref, { kind: 'default', name: 'deny' });
    assert.equal(decide(result, plain()).allowed, false);
    assert.match(JSON.stringify(result.notes), /pod annotation \\"denny\\" is not a default policy, so it means deny/);
  });

  it('ServerAuthorization networks default to the cluster networks, as Linkerd does, also when given as an empty list', () => {
    cluster.apply(webServer, serverAuthorization(ns, 'open', { server: { name: 'web-http' }, client: { unauthenticated: true } }));
    assert.equal(allowed(plain('10.9.9.9')), true);
    assert.equal(allowed(plain('203.0.113.7')), false, 'not the whole internet');
    cluster.apply(serverAuthorization(ns, 'open', { server: { name: 'web-http' }, client: { unauthenticated: true, networks: [] } }));
    assert.equal(allowed(plain('203.0.113.7')), false);
    assert.equal(allowed(plain('10.9.9.9')), true);
  });

  it('a Server on a port name covers every container port of that name, and a port named like an Object property is a port like any other', () => {
    cluster.apply(meshedPod(ns, 'web', { ip: '10.1.0.5', ports: { http: 8080 } }));
    const withSidecars = meshedPod(ns, 'web', { ip: '10.1.0.5', ports: { http: 8080 } });
    const spec = withSidecars.spec as { containers: Record<string, unknown>[] };
    spec.containers.push({ name: 'side-a', ports: [{ name: 'admin-http', containerPort: 9990 }] }, { name: 'side-b', ports: [{ name: 'admin-http', containerPort: 9991 }, { name: 'constructor', containerPort: 7000 }] });
    cluster.apply(withSidecars, server(ns, 'admin', { podSelector: { matchLabels: { app: 'web' } }, port: 'admin-http' }));
    assert.equal(allowed(plain(), 9990), false);
    assert.equal(allowed(plain(), 9991), false, 'the second container with the name is covered too');
    assert.equal(allowed(plain(), 7000), true, 'a port named constructor is not confused with anything');
    cluster.apply(server(ns, 'ctor', { podSelector: { matchLabels: { app: 'web' } }, port: 'constructor' }));
    assert.equal(allowed(plain(), 7000), false);
  });

  it('identityRefs with wildcard names grant nothing rather than everyone', () => {
    cluster.apply(webServer,
      meshTlsAuthentication(ns, 'wild', { identityRefs: [{ kind: 'Namespace', name: '*' }] }),
      authorizationPolicy(ns, 'wild', serverTarget('web-http'), [meshTlsRef('wild')]));
    assert.equal(allowed(meshed('anyone', 'anywhere')), false);
    cluster.apply(meshTlsAuthentication(ns, 'wild', { identityRefs: [{ kind: 'ServiceAccount', name: '*' }] }));
    assert.equal(allowed(meshed('anyone')), false);
    assert.match(JSON.stringify(cluster.server(ns, 'web', 8080).notes), /names no identity/);
  });
});
