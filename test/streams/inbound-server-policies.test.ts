/**
 * InboundServerPolicies end to end: the real `sinew control-plane --components policy` process
 * against the fake API server, asked over gRPC with the proxy API's own messages.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../../src/gen/proto/inbound.js';
import type { InboundServerPoliciesClient } from '../../src/gen/proto/io/linkerd/proxy/inbound/InboundServerPolicies.js';
import type { Server__Output } from '../../src/gen/proto/io/linkerd/proxy/inbound/Server.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import type { ProtoGrpcType as OutboundProto } from '../../src/gen/proto/outbound.js';
import { loadProtos } from '../../src/streams/proto.js';
import { service } from '../support/objects.js';
import { byAuthority, get, httpRouteNames } from '../support/outbound-client.js';
import { runSinew, startControlPlane, waitReady, type ControlPlaneProcess } from '../support/control-plane-process.js';
import { eventually } from '../support/destination-client.js';
import { tempDir } from '../support/engine-harness.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { annotatedNamespace, authorizationPolicy, meshedPod, meshTlsAuthentication, meshTlsRef, server, serverTarget } from '../support/policy-objects.js';

const policies = 'authorizationpolicies.policy.linkerd.io';

const sinew = runSinew;

function getPort(client: InboundServerPoliciesClient, workload: string, port: number): Promise<Server__Output> {
  return new Promise((resolve, reject) => {
    client.GetPort({ workload, port }, (error: ServiceError | null, reply?: Server__Output) => (error !== null ? reject(error) : reply === undefined ? reject(new Error('no reply')) : resolve(reply)));
  });
}

describe('InboundServerPolicies over gRPC', function () {
  this.timeout(40_000);
  let api: FakeApiServer;
  let plane: ControlPlaneProcess;
  let client: InboundServerPoliciesClient;
  let kubeconfig: string;

  before(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    for (const spec of allKinds) api.addResource(spec);
    api.create('namespaces', annotatedNamespace('shop', { 'config.linkerd.io/default-inbound-policy': 'cluster-authenticated' }));
    api.create('pods', meshedPod('shop', 'web', { ip: '10.1.0.5', ports: { http: 8080, admin: 9990 } }));
    api.create('servers.policy.linkerd.io', server('shop', 'web-admin', { podSelector: { matchLabels: { app: 'web' } }, port: 'admin', proxyProtocol: 'HTTP/1' }));
    api.create('meshtlsauthentications.policy.linkerd.io', meshTlsAuthentication('shop', 'ops', { identities: ['*.ops.serviceaccount.identity.linkerd.cluster.local'] }));
    kubeconfig = path.join(tempDir('inbound-grpc'), 'kubeconfig');
    api.writeKubeconfig(kubeconfig);
    plane = await startControlPlane(['--components', 'policy', '--kubeconfig', kubeconfig]);
    await waitReady(plane.adminPort);
    assert.ok(plane.policyPort !== undefined, 'the policy port is logged');
    const proto = loadProtos<ProtoGrpcType>(['inbound.proto']);
    client = new proto.io.linkerd.proxy.inbound.InboundServerPolicies(`127.0.0.1:${plane.policyPort}`, credentials.createInsecure());
  });

  after(async () => {
    client.close();
    await plane.stop();
    await api.close();
  });

  it('GetPort answers a port no Server selects with the namespace default, probes and the cluster networks', async () => {
    const reply = await getPort(client, '{"ns":"shop","pod":"web"}', 8080);
    assert.deepEqual(reply.labels, { group: '', kind: 'default', name: 'cluster-authenticated' });
    assert.equal(reply.protocol?.kind, 'detect');
    assert.equal(reply.protocol?.detect?.timeout?.seconds, '10');
    const routes = reply.protocol?.detect?.http_routes ?? [];
    assert.deepEqual(routes.map((route) => route.metadata?.default), ['default', 'probe']);
    const probe = routes[1];
    assert.deepEqual(probe?.rules[0]?.matches.map((match) => match.path?.exact), ['/live', '/ready']);
    assert.deepEqual(probe?.authorizations[0]?.authentication?.unauthenticated, {});
    const [authz] = reply.authorizations;
    assert.equal(authz?.metadata?.default, 'cluster-authenticated');
    assert.deepEqual(authz?.authentication?.meshTLS?.identities?.suffixes, [{ parts: [] }]);
    assert.equal(authz?.networks.length, 5);
    assert.equal(authz?.networks[0]?.net?.prefix_len, 8);
    assert.equal(authz?.networks[0]?.net?.ip?.ipv4, 10 << 24);
  });

  it('the legacy ns:pod workload form works too, and a Server-selected port names the Server', async () => {
    const reply = await getPort(client, 'shop:web', 9990);
    assert.deepEqual(reply.labels, { group: 'policy.linkerd.io', kind: 'server', name: 'web-admin' });
    assert.equal(reply.protocol?.kind, 'http1');
    assert.deepEqual(reply.authorizations, []);
  });

  it('WatchPort streams the change when an AuthorizationPolicy is added and again when it is deleted', async () => {
    const received: Server__Output[] = [];
    const call = client.WatchPort({ workload: '{"ns":"shop","pod":"web"}', port: 9990 });
    call.on('data', (message: Server__Output) => received.push(message));
    call.on('error', () => undefined);
    try {
      await eventually(() => (received.length === 1 ? undefined : `${received.length} messages`));
      assert.deepEqual(received[0]?.authorizations, []);
      api.create(policies, authorizationPolicy('shop', 'admin-ops', serverTarget('web-admin'), [meshTlsRef('ops')]));
      await eventually(() => (received.length === 2 ? undefined : `${received.length} messages`));
      const authz = received[1]?.authorizations[0];
      assert.deepEqual(authz?.metadata?.resource, { group: 'policy.linkerd.io', kind: 'authorizationpolicy', name: 'admin-ops', namespace: 'shop', section: '', port: 0 });
      assert.deepEqual(authz?.authentication?.meshTLS?.identities?.suffixes, [{ parts: ['ops', 'serviceaccount', 'identity', 'linkerd', 'cluster', 'local'] }]);
      assert.deepEqual(authz?.labels, { group: 'policy.linkerd.io', kind: 'authorizationpolicy', name: 'admin-ops' });
      api.delete(policies, 'shop', 'admin-ops');
      await eventually(() => (received.length === 3 ? undefined : `${received.length} messages`));
      assert.deepEqual(received[2]?.authorizations, [], 'deleting the last policy denies again');
    } finally {
      call.cancel();
    }
  });

  it('sinew diagnostics policy prints the Server a proxy would get, as JSON or YAML', async () => {
    const json = await sinew(['diagnostics', 'policy', '-n', 'shop', 'pod/web', '9990', '--policy-addr', `127.0.0.1:${plane.policyPort}`, '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const printed = JSON.parse(json.stdout) as Server__Output;
    assert.deepEqual(printed.labels, { group: 'policy.linkerd.io', kind: 'server', name: 'web-admin' });
    const yaml = await sinew(['diagnostics', 'policy', '-n', 'shop', 'web', '8080', '--policy-addr', `127.0.0.1:${plane.policyPort}`]);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /name: cluster-authenticated/);
    const missing = await sinew(['diagnostics', 'policy', '-n', 'shop', 'nobody', '8080', '--policy-addr', `127.0.0.1:${plane.policyPort}`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NOT_FOUND: pod shop\/nobody not found/);
  });

  it('sinew authz lists route, server and authorization rows for a pod, from the API server', async () => {
    api.apply(policies, authorizationPolicy('shop', 'admin-ops', serverTarget('web-admin'), [meshTlsRef('ops')]));
    try {
      const result = await sinew(['authz', '-n', 'shop', 'pod/web', '--kubeconfig', kubeconfig]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trimEnd().split('\n').map((line) => line.split(/\s+/));
      assert.deepEqual(lines[0], ['ROUTE', 'SERVER', 'AUTHORIZATION_POLICY', 'SERVER_AUTHORIZATION']);
      assert.ok(lines.some((row) => row.join(' ') === 'default web-admin admin-ops'), result.stdout);
      assert.ok(lines.some((row) => row.join(' ') === 'probe default:cluster-authenticated default:probe'), result.stdout);
      assert.ok(lines.some((row) => row.join(' ') === 'default default:cluster-authenticated default:cluster-authenticated'), result.stdout);
      const none = await sinew(['authz', '-n', 'shop', 'deploy/nothing', '--kubeconfig', kubeconfig]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no pods of deployment\/nothing in namespace shop/);
    } finally {
      api.delete(policies, 'shop', 'admin-ops');
    }
  });

  it('the same port serves OutboundPolicies: a Service with no routes gets the default HTTP route', async () => {
    api.create('services', service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.20'));
    const proto = loadProtos<OutboundProto>(['outbound.proto']);
    const outbound = new proto.io.linkerd.proxy.outbound.OutboundPolicies(`127.0.0.1:${plane.policyPort}`, credentials.createInsecure());
    try {
      let result = await get(outbound, byAuthority('web.shop.svc.cluster.local:80'));
      for (let attempt = 0; result.error !== undefined && attempt < 50; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        result = await get(outbound, byAuthority('web.shop.svc.cluster.local:80'));
      }
      assert.equal(result.error, undefined, result.error?.message);
      assert.deepEqual(result.policy?.metadata?.resource, { group: 'core', kind: 'Service', name: 'web', namespace: 'shop', section: '', port: 80 });
      assert.deepEqual(httpRouteNames(result.policy), ['default:http']);
    } finally {
      outbound.close();
    }
  });

  it('bad workloads and ports are INVALID_ARGUMENT, an unknown pod NOT_FOUND', async () => {
    for (const [workload, port, code] of [
      ['{"ns":"shop"}', 8080, status.INVALID_ARGUMENT],
      ['{not json', 8080, status.INVALID_ARGUMENT],
      ['shop-web', 8080, status.INVALID_ARGUMENT],
      ['shop:web', 0, status.INVALID_ARGUMENT],
      ['shop:nobody', 8080, status.NOT_FOUND],
    ] as const) {
      await assert.rejects(getPort(client, workload, port), (error: ServiceError) => {
        assert.equal(error.code, code, `${workload} ${port}: ${error.message}`);
        return true;
      });
    }
  });
});
