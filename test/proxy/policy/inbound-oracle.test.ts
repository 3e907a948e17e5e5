/**
 * The proxy's authorizer agrees with the control plane's own evaluator (reconcilers/
 * inbound-decision.ts, what `sinew authz` explains) on every client and request: both read the
 * same policy resources, one from the reconciled model, the other from the Server message as a
 * proxy decodes it. Clients come from a pool that straddles every network edge of the policies
 * (excepted ranges, IPv6, outside all networks) with each TLS kind and several identities.
 * Localhost (which only the proxy admits) and regular-expression routes (which the two rank
 * differently) are left out.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, type InboundClient } from '../../../src/reconcilers/inbound-decision.js';
import { authorizeConnection, authorizeRequest, type ClientFacts } from '../../../src/proxy/policy/inbound-authorizer.js';
import { serverMessage } from '../../../src/streams/policy/inbound-message.js';
import { PolicyCluster } from '../../support/policy-cluster.js';
import {
  annotatedNamespace, authorizationPolicy, httpRoute, meshedPod, meshTlsAuthentication, meshTlsRef, networkAuthentication, networkRef, server, serverTarget,
} from '../../support/policy-objects.js';
import { serverOnWire } from './wire.js';

const ns = 'shop';
const identity = (sa: string, namespace: string): string => `${sa}.${namespace}.serviceaccount.identity.linkerd.cluster.local`;

describe('inbound authorizer against the control plane\'s evaluator', function () {
  this.timeout(60_000);
  let cluster: PolicyCluster;

  before(async () => {
    cluster = await PolicyCluster.create();
    cluster.apply(
      annotatedNamespace(ns, { 'config.linkerd.io/default-inbound-policy': 'cluster-authenticated' }),
      meshedPod(ns, 'web', { ip: '10.1.0.5', ports: { http: 8080, admin: 9990, other: 7000 } }),
      server(ns, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/1' }),
      httpRoute(ns, 'public', 'web-http', [{ matches: [{ path: { type: 'PathPrefix', value: '/public' } }] }]),
      httpRoute(ns, 'admin', 'web-http', [{ matches: [{ path: { type: 'PathPrefix', value: '/admin' }, method: 'POST' }, { path: { type: 'Exact', value: '/admin' } }] }]),
      networkAuthentication(ns, 'office', [{ cidr: '192.168.0.0/16', except: ['192.168.66.0/24'] }, { cidr: 'fd00:1::/64' }]),
      meshTlsAuthentication(ns, 'ops-team', { identities: ['*.ops.serviceaccount.identity.linkerd.cluster.local', identity('api', ns)] }),
      authorizationPolicy(ns, 'public-office', { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'public' }, [networkRef('office')]),
      authorizationPolicy(ns, 'admin-ops', { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'admin' }, [meshTlsRef('ops-team')]),
      authorizationPolicy(ns, 'server-ops', serverTarget('web-http'), [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'ops' }]),
      server(ns, 'web-admin', { podSelector: { matchLabels: { app: 'web' } }, port: 'admin', proxyProtocol: 'opaque' }),
      authorizationPolicy(ns, 'admin-office-ops', serverTarget('web-admin'), [networkRef('office'), meshTlsRef('ops-team')]),
    );
  });

  after(() => cluster.close());

  const ipArb = fc.constantFrom('10.1.2.3', '192.168.1.1', '192.168.66.1', '172.20.0.1', '8.8.8.8', 'fd00:1::5', 'fd00::9', '2001:db8::1');
  const tlsArb = fc.constantFrom<ClientFacts['tls']>(
    { kind: 'plaintext' }, { kind: 'tls' },
    ...[['api', ns], ['deployer', 'ops'], ['batch', ns], ['api', 'dev']].map(([sa = '', n = '']) => ({ kind: 'mesh' as const, identity: identity(sa, n) })),
  );
  const requestArb = fc.record({
    port: fc.constantFrom(8080, 9990, 7000),
    http: fc.boolean(),
    path: fc.constantFrom('/public', '/public/x', '/publicx', '/admin', '/admin/users', '/ready', '/live', '/other'),
    method: fc.constantFrom('GET', 'POST'),
  });

  it('allows and denies exactly the same clients, connections and requests', () => {
    const seen = new Set<string>();
    const messages = new Map([8080, 9990, 7000].map((port) => [port, { model: cluster.server(ns, 'web', port), wire: serverOnWire(serverMessage(cluster.server(ns, 'web', port))) }]));
    fc.assert(fc.property(ipArb, tlsArb, requestArb, (ip, tls, { port, http, path, method }) => {
      const { model, wire } = messages.get(port) ?? assert.fail(`no server for ${port}`);
      const client: ClientFacts = { ip, tls, serverPort: port };
      const asRequest = port === 8080 || (port === 7000 && http);
      const explained: InboundClient = { ip, tls: tls.kind !== 'plaintext', ...(tls.kind === 'mesh' ? { identity: tls.identity } : {}), ...(asRequest ? { path, method } : {}) };
      const expected = decide(model, explained);
      const actual = asRequest ? authorizeRequest(wire, client, { method, path, headers: () => undefined }) : authorizeConnection(wire, client);
      seen.add(`${port} ${actual.allowed}`);
      assert.equal(actual.allowed, expected.allowed, `${port} ${method} ${path} from ${ip} ${JSON.stringify(tls)}: proxy says ${actual.kind}${'reason' in actual ? ` (${actual.reason})` : ''}, the control plane ${expected.summary}`);
    }), { numRuns: 1000 });
    assert.deepEqual([...seen].sort(), ['7000 false', '7000 true', '8080 false', '8080 true', '9990 false', '9990 true'], 'every port both allows and denies some clients');
  });
});
