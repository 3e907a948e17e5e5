/**
 * The six default inbound policies, table-driven: every policy × where it is set (pod, namespace,
 * cluster, with a contrary policy at the levels below) × client (meshed with an identity, meshed
 * without one, plain) × client address (inside the cluster networks, outside) × whether a Server
 * selects the port. The expectations come from Linkerd's definitions, written out independently.
 */
import assert from 'node:assert/strict';
import { defaultInboundPolicyAnnotation } from '../../src/reconcilers/default-policy.js';
import { decide, type InboundClient } from '../../src/reconcilers/inbound-decision.js';
import { type DefaultPolicyName, defaultPolicyNames } from '../../src/reconcilers/inbound-model.js';
import { defaultMeshConfig } from '../../src/reconcilers/mesh-config.js';
import { PolicyCluster } from '../support/policy-cluster.js';
import { annotatedNamespace, authorizationPolicy, meshedPod, meshTlsAuthentication, meshTlsRef, server, serverTarget } from '../support/policy-objects.js';

type Level = 'pod' | 'namespace' | 'cluster';
type ClientKind = 'identity' | 'tls-only' | 'plain';

const levels: readonly Level[] = ['pod', 'namespace', 'cluster'];
const clientKinds: readonly ClientKind[] = ['identity', 'tls-only', 'plain'];
const inside = '10.42.7.9';
const outside = '203.0.113.9';
const freePort = 8080;
const serverPort = 9090;

/** What Linkerd's documentation says each default policy admits. */
function admitsByDefault(policy: DefaultPolicyName, client: ClientKind, fromInside: boolean): boolean {
  switch (policy) {
    case 'all-unauthenticated': case 'audit': return true;
    case 'all-authenticated': return client === 'identity';
    case 'cluster-unauthenticated': return fromInside;
    case 'cluster-authenticated': return client === 'identity' && fromInside;
    case 'deny': return false;
  }
}

/** The policy set below the level under test, chosen to disagree with it. */
function contrary(policy: DefaultPolicyName): DefaultPolicyName {
  return policy === 'deny' ? 'all-unauthenticated' : 'deny';
}

function clientOf(kind: ClientKind, ip: string, path?: string): InboundClient {
  const base = { ip, ...(path === undefined ? {} : { path, method: 'GET' }) };
  if (kind === 'identity') return { ...base, tls: true, identity: 'client.other.serviceaccount.identity.linkerd.cluster.local' };
  return { ...base, tls: kind === 'tls-only' };
}

describe('default inbound policies', () => {
  const clusters = new Map<string, PolicyCluster>();

  before(async () => {
    for (const policy of defaultPolicyNames) {
      for (const level of levels) {
        const cluster = await PolicyCluster.create({ ...defaultMeshConfig, defaultInboundPolicy: level === 'cluster' ? policy : contrary(policy) });
        const ns = 'shop';
        const podAnnotations: Record<string, string> = level === 'pod' ? { [defaultInboundPolicyAnnotation]: policy } : {};
        const nsAnnotations: Record<string, string> = level === 'namespace' ? { [defaultInboundPolicyAnnotation]: policy } : level === 'pod' ? { [defaultInboundPolicyAnnotation]: contrary(policy) } : {};
        cluster.apply(
          annotatedNamespace(ns, nsAnnotations),
          meshedPod(ns, 'web', { ip: '10.1.0.5', annotations: podAnnotations, ports: { http: freePort, admin: serverPort } }),
          server(ns, 'web-admin', { podSelector: { matchLabels: { app: 'web' } }, port: 'admin' }),
          meshTlsAuthentication(ns, 'any-meshed', { identities: ['*'] }),
          authorizationPolicy(ns, 'admin-meshed', serverTarget('web-admin'), [meshTlsRef('any-meshed')]),
        );
        clusters.set(`${policy}/${level}`, cluster);
      }
    }
  });

  after(async () => {
    for (const cluster of clusters.values()) await cluster.close();
  });

  for (const policy of defaultPolicyNames) {
    for (const level of levels) {
      for (const client of clientKinds) {
        for (const fromInside of [true, false]) {
          const where = fromInside ? 'inside' : 'outside';
          it(`${policy} set on the ${level}: ${client === 'identity' ? 'an identity' : `a ${client}`} client from ${where} the cluster networks`, () => {
            const cluster = clusters.get(`${policy}/${level}`);
            assert.ok(cluster);
            const ip = fromInside ? inside : outside;

            const free = cluster.server('shop', 'web', freePort);
            assert.deepEqual(free.ref, { kind: 'default', name: policy }, 'a port no Server selects gets the default policy');
            const expected = admitsByDefault(policy, client, fromInside);
            const connection = decide(free, clientOf(client, ip));
            assert.equal(connection.allowed, expected, `connection: ${connection.summary}`);
            const request = decide(free, clientOf(client, ip, '/api/orders'));
            assert.equal(request.allowed, expected, `request: ${request.summary}`);
            if (policy === 'audit') assert.equal(connection.verdict, 'audit');
            const probe = decide(free, clientOf(client, ip, '/ready'));
            assert.equal(probe.allowed, true, `probes are always admitted: ${probe.summary}`);

            const selected = cluster.server('shop', 'web', serverPort);
            assert.equal(selected.ref.kind === 'resource' && selected.ref.name, 'web-admin', 'the Server selects the named port');
            const viaServer = decide(selected, clientOf(client, ip));
            assert.equal(viaServer.allowed, client === 'identity', `a Server ignores the default policy: ${viaServer.summary}`);
          });
        }
      }
    }
  }
});
