import assert from 'node:assert/strict';
import { identityOf, meshNamespace } from '../../support/mesh-world.js';
import { endpointSlice, service } from '../../support/objects.js';
import { annotatedNamespace, authorizationPolicy, meshedPod, meshTlsAuthentication, meshTlsRef, server, serverTarget } from '../../support/policy-objects.js';
import { fetchText, hostAddress, NetnsWorld, type NetnsPod, skipWithoutNetns } from '../../support/netns-world.js';

/**
 * The transparent mesh: three pods as network namespaces on a bridge, each with its application,
 * the rules `sinew proxy-init` writes and `sinew proxy` as uid 2102; the control plane outside
 * them replays a log describing the pods, their ServiceAccounts, a Service whose cluster IP only
 * the proxies know, and a Server on web's port 8080 that admits only curl's identity. The
 * applications know nothing of the mesh: they call IPs and ports.
 */
const clusterIp = '10.251.100.10';
const ignoredPort = 4567;

const specs = [
  { name: 'web-1', serviceAccount: 'web', index: 1, appPorts: [8080, ignoredPort] },
  { name: 'curl-1', serviceAccount: 'curl', index: 2, appPorts: [8080] },
  { name: 'other-1', serviceAccount: 'other', index: 3, appPorts: [8080] },
] as const;

function objects(ips: Readonly<Record<string, string>>): Record<string, unknown>[] {
  const pods = specs.map((spec) => meshedPod(meshNamespace, spec.name, {
    ip: ips[spec.name] as string, serviceAccount: spec.serviceAccount, labels: { app: spec.name.replace(/-\d+$/, '') },
  }));
  return [
    annotatedNamespace(meshNamespace),
    ...pods,
    service(meshNamespace, 'web', [{ name: 'http', port: 80, targetPort: 8080 }], clusterIp),
    endpointSlice(meshNamespace, 'web-abc', 'web', [{ ip: ips['web-1'] as string, pod: 'web-1' }], [{ name: 'http', port: 8080 }]),
    server(meshNamespace, 'web-http', { podSelector: { matchLabels: { app: 'web' } }, port: 8080, proxyProtocol: 'HTTP/1' }),
    meshTlsAuthentication(meshNamespace, 'curl-only', { identities: [identityOf('curl')] }),
    authorizationPolicy(meshNamespace, 'web-http-curl', serverTarget('web-http'), [meshTlsRef('curl-only')]),
  ];
}

interface Reply { readonly pod: string; readonly port: number; readonly clientId: string | null; readonly remote: string | null }

function series(name: string, labels: Readonly<Record<string, string>>): RegExp {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${name}\\{${Object.entries(labels).map(([k, v]) => `(?=[^}]*\\b${k}="${escape(v)}")`).join('')}[^}]*\\} (\\d+)`, 'm');
}

function sum(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  const pattern = new RegExp(series(name, labels).source, 'gm');
  return [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
}

describe('the transparent mesh across network namespaces', function () {
  this.timeout(180_000);
  const lab = new NetnsWorld();
  let web: NetnsPod;
  let curl: NetnsPod;
  let other: NetnsPod;

  const metrics = async (pod: NetnsPod): Promise<string> => (await fetchText(pod.ip, 4191, '/metrics')).body;

  before(async function () {
    skipWithoutNetns(this, 'the transparent-mesh tests');
    lab.buildNetwork(specs);
    [web, curl, other] = lab.pods as [NetnsPod, NetnsPod, NetnsPod];
    await lab.startControlPlane(objects(Object.fromEntries(lab.pods.map((pod) => [pod.name, pod.ip]))), specs.map((spec) => spec.serviceAccount));
    for (const pod of lab.pods) {
      lab.proxyInit(pod);
      lab.startApp(pod);
      const env = lab.podProxyEnv(pod);
      await lab.startProxy(pod, env);
    }
  });

  after(async () => {
    await lab.teardown();
  });

  it('writes proxy-init\'s chains in every pod', () => {
    const rules = lab.natRules(web);
    assert.match(rules, /^-A PREROUTING .*-j PROXY_INIT_REDIRECT$/m);
    assert.match(rules, /^-A OUTPUT .*-j PROXY_INIT_OUTPUT$/m);
    assert.match(rules, /^-A PROXY_INIT_OUTPUT -m owner --uid-owner 2102 .*-j RETURN$/m);
    assert.match(rules, /^-A PROXY_INIT_REDIRECT -p tcp .*-j REDIRECT --to-ports 4143$/m);
  });

  it('carries a call to another pod\'s IP through both proxies under mutual TLS', async () => {
    const before = { out: sum(await metrics(curl), 'response_total', { direction: 'outbound' }), in: sum(await metrics(web), 'response_total', { direction: 'inbound', client_id: identityOf('curl') }) };
    const reply = await lab.get(curl, `http://${web.ip}:8080/pod-ip`);
    assert.equal(reply.status, 200, `${JSON.stringify(reply)}\ncurl's proxy:\n${lab.output(curl, 'proxy')}\nweb's proxy:\n${lab.output(web, 'proxy')}`);
    const body = JSON.parse(reply.body as string) as Reply;
    assert.equal(body.pod, 'web-1');
    // The server's proxy authenticated the client's certificate and said so; it forwarded over loopback.
    assert.equal(body.clientId, identityOf('curl'));
    assert.equal(body.remote, '127.0.0.1');
    const outbound = await metrics(curl);
    const inbound = await metrics(web);
    assert.match(outbound, series('response_total', { direction: 'outbound', tls: 'true', server_id: identityOf('web'), status_code: '200' }));
    assert.match(inbound, series('response_total', { direction: 'inbound', tls: 'true', client_id: identityOf('curl'), status_code: '200' }));
    // Exactly one more request each way: the proxy's own connection was not redirected back into it.
    assert.equal(sum(outbound, 'response_total', { direction: 'outbound' }), before.out + 1);
    assert.equal(sum(inbound, 'response_total', { direction: 'inbound', client_id: identityOf('curl') }), before.in + 1);
  });

  it('resolves the Service\'s cluster IP, which only the proxies know, to the web pod', async () => {
    const reply = await lab.get(curl, `http://${clusterIp}/cluster-ip`);
    assert.equal(reply.status, 200, JSON.stringify(reply));
    const body = JSON.parse(reply.body as string) as Reply;
    assert.equal(body.pod, 'web-1');
    assert.equal(body.clientId, identityOf('curl'));
    assert.match(await metrics(curl), series('response_total', { direction: 'outbound', tls: 'true', server_id: identityOf('web'), dst_service: 'web' }));
  });

  it('lets traffic to an ignored port bypass both proxies', async () => {
    const reply = await lab.get(curl, `http://${web.ip}:${ignoredPort}/ignored`);
    assert.equal(reply.status, 200, JSON.stringify(reply));
    const body = JSON.parse(reply.body as string) as Reply;
    // Straight from the client pod's address, with no identity header: no proxy touched it.
    assert.deepEqual({ pod: body.pod, clientId: body.clientId, remote: body.remote }, { pod: 'web-1', clientId: null, remote: curl.ip });
    for (const text of [await metrics(curl), await metrics(web)]) {
      assert.doesNotMatch(text, new RegExp(`[:="]${ignoredPort}[",}]`), 'no series names the ignored port');
    }
  });

  it('admits the identity the AuthorizationPolicy names and refuses another (403)', async () => {
    const allowed = await lab.get(curl, `http://${web.ip}:8080/authz`);
    const refused = await lab.get(other, `http://${web.ip}:8080/authz`);
    assert.equal(allowed.status, 200, JSON.stringify(allowed));
    assert.equal(refused.status, 403, JSON.stringify(refused));
    assert.ok(sum(await metrics(web), 'inbound_http_authz_deny_total', {}) >= 1, 'the server\'s proxy counted the denial');
  });

  it('reaches the control plane outside the pods (the proxies\' own connections are not redirected)', async () => {
    const env = JSON.parse((await fetchText(curl.ip, 4191, '/env.json')).body) as Record<string, string>;
    assert.equal(env.LINKERD2_PROXY_DESTINATION_SVC_ADDR?.split(':')[0], hostAddress);
    assert.equal((await fetchText(curl.ip, 4191, '/ready')).status, 200);
  });
});
