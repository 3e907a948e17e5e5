/**
 * The inbound oracle: over random sequences of creates, updates and deletes of pods, namespaces,
 * Servers, policies, authentications and routes, applied one by one through the reconcile loop,
 * every pod's stored inbound view equals a from-scratch reconcile of the same state. A change that
 * `affected()` fails to map to a pod it touches leaves a stale view and fails this test. Every
 * server is also encoded as the proxy would receive it and held to what the proxy accepts.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ObjectChange } from '../../src/informers/event.js';
import { keyOf, resourceId } from '../../src/informers/kind.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import { project } from '../../src/informers/projection.js';
import { silentLogger } from '../../src/observe/logger.js';
import { inboundPolicyReconciler } from '../../src/reconcilers/inbound-policy.js';
import { defaultMeshConfig } from '../../src/reconcilers/mesh-config.js';
import type { Server } from '../../src/gen/proto/io/linkerd/proxy/inbound/Server.js';
import type { InboundServer } from '../../src/reconcilers/inbound-model.js';
import { createEngine } from '../../src/streams/engine.js';
import { serverMessage } from '../../src/streams/policy/inbound-message.js';
import { kindOf } from '../support/policy-cluster.js';
import {
  annotatedNamespace, authorizationPolicy, httpRoute, meshedPod, meshTlsAuthentication, meshTlsRef, networkAuthentication, networkRef,
  server, serverAuthorization, serverTarget,
} from '../support/policy-objects.js';

type Json = Record<string, unknown>;
const ns = 'a';
const apps = ['web', 'api'] as const;

const podArb = fc.record({ name: fc.constantFrom('p0', 'p1', 'p2'), app: fc.constantFrom(...apps), policy: fc.constantFrom(undefined, 'deny', 'all-authenticated') })
  .map(({ name, app, policy }) => meshedPod(ns, name, { ip: `10.0.0.${name.slice(1)}`, labels: { app }, ports: { http: 8080, admin: 9990 },
    annotations: policy === undefined ? {} : { 'config.linkerd.io/default-inbound-policy': policy } }));
const namespaceArb = fc.constantFrom(undefined, 'deny', 'cluster-authenticated')
  .map((policy) => annotatedNamespace(ns, policy === undefined ? {} : { 'config.linkerd.io/default-inbound-policy': policy }));
const serverArb = fc.record({ name: fc.constantFrom('s0', 's1'), app: fc.constantFrom(...apps), port: fc.constantFrom<number | string>(8080, 'admin', 9990, 70000), extra: fc.boolean() })
  .map(({ name, app, port, extra }) => server(ns, name, { podSelector: { matchLabels: { app } }, port, ...(extra ? { unknownField: true } : {}) }));
const targetArb = fc.constantFrom(serverTarget('s0'), serverTarget('s1'), { kind: 'Namespace', name: ns }, { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'r0' });
const refArb = fc.constantFrom(meshTlsRef('m0'), networkRef('n0'), { kind: 'ServiceAccount', name: 'ops' }, meshTlsRef('missing'),
  { group: 'policy.linkerd.io', kind: 'meshtlsauthentication', name: 'm0' }, { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'n0', namespace: ns });
const policyArb = fc.record({ name: fc.constantFrom('ap0', 'ap1'), target: targetArb, refs: fc.array(refArb, { maxLength: 2 }) })
  .map(({ name, target, refs }) => authorizationPolicy(ns, name, target, refs));
const meshTlsArb = fc.constantFrom(['*'], ['web.a.serviceaccount.identity.linkerd.cluster.local'], ['Not Valid'])
  .map((identities) => meshTlsAuthentication(ns, 'm0', { identities }));
const networkArb = fc.constantFrom('10.0.0.0/8', '192.168.0.0/16', 'nope').map((cidr) => networkAuthentication(ns, 'n0', [{ cidr }]));
const serverAuthorizationArb = fc.constantFrom<Json>({ name: 's0' }, { name: 's1' }, { selector: { matchLabels: { tier: 'x' } } })
  .map((target) => serverAuthorization(ns, 'z0', { server: target, client: { unauthenticated: true } }));
const routeArb = fc.record({ parent: fc.constantFrom('s0', 's1'), valid: fc.boolean() })
  .map(({ parent, valid }) => httpRoute(ns, 'r0', parent, [{ matches: [{ path: { type: valid ? 'PathPrefix' : 'Bogus', value: '/x' } }] }]));

type Op = { readonly op: 'apply'; readonly object: Json } | { readonly op: 'delete'; readonly object: Json };
const objectArb = fc.oneof(
  { weight: 3, arbitrary: podArb }, { weight: 1, arbitrary: namespaceArb }, { weight: 3, arbitrary: serverArb }, { weight: 3, arbitrary: policyArb },
  { weight: 2, arbitrary: meshTlsArb }, { weight: 2, arbitrary: networkArb }, { weight: 1, arbitrary: serverAuthorizationArb }, { weight: 1, arbitrary: routeArb },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: objectArb.map((object) => ({ op: 'apply' as const, object })) },
  { weight: 1, arbitrary: objectArb.map((object) => ({ op: 'delete' as const, object })) },
);

/** What linkerd2-proxy requires of a Server message before it applies it (else it keeps its default policy). */
function assertProxyAccepts(message: Server, where: string): void {
  assert.ok(message.protocol !== undefined && message.protocol !== null, `${where}: no protocol`);
  const detect = message.protocol.detect;
  if (detect !== undefined && detect !== null) assert.ok(detect.timeout, `${where}: detect without a timeout`);
  const routes = [...(message.protocol.detect?.http_routes ?? []), ...(message.protocol.http1?.routes ?? []), ...(message.protocol.http2?.routes ?? [])];
  for (const authz of [...(message.authorizations ?? []), ...routes.flatMap((route) => route.authorizations ?? [])]) {
    assert.ok((authz.networks ?? []).length > 0, `${where}: an authorization without networks`);
    assert.ok(authz.authentication !== undefined && authz.authentication !== null, `${where}: an authorization without authentication`);
  }
  for (const route of routes) assert.ok((route.rules ?? []).length > 0, `${where}: a route without rules`);
}

describe('inbound views under random policy changes', function () {
  this.timeout(120_000);

  it('always equal a from-scratch reconcile, for every pod, after every change', async () => {
    const reconciler = inboundPolicyReconciler(defaultMeshConfig);
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 40 }), async (ops) => {
      const engine = await createEngine({ storeDir: undefined, kinds: allKinds, reconcilers: [reconciler], log: silentLogger });
      try {
        await engine.settled;
        let version = 1;
        for (const [step, { op, object }] of ops.entries()) {
          const spec = kindOf(object);
          const projected = project(spec, { ...object, metadata: { ...(object.metadata as Json), resourceVersion: String(++version) } });
          if (!projected.ok) throw new Error(projected.error);
          const resource = resourceId(spec);
          const key = keyOf(resource, projected.object);
          const existing = engine.store.view.get(key);
          if (op === 'delete' && existing === undefined) continue;
          const change: ObjectChange = op === 'delete' ? { type: 'DELETED', resource, key, object: existing ?? projected.object }
            : { type: existing === undefined ? 'ADDED' : 'MODIFIED', resource, key, object: projected.object };
          engine.loop.process([change]);
          for (const pod of ['p0', 'p1', 'p2']) {
            const expected = reconciler.reconcile(engine.store.view, `${ns}/${pod}`);
            const actual = engine.store.getView(`inbound/${ns}/${pod}`);
            assert.equal(actual?.version, expected?.version, `step ${step} (${op} ${String(object.kind)} ${String((object.metadata as Json).name)}): pod ${pod}'s view is stale`);
            for (const item of actual?.items ?? []) if (item.name !== 'facts') assertProxyAccepts(serverMessage(item.value as InboundServer), `${pod} ${item.name}`);
          }
        }
      } finally {
        await engine.close();
      }
    }), { numRuns: 200 });
  });
});
