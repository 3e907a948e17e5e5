/**
 * The proxy's configuration from its environment: everything Sinew's injector writes (after
 * Kubernetes fills in the downward API and `$(VAR)` references) reads back as the values it meant,
 * defaults are Linkerd's proxy's, and every malformed value is reported with its variable's name.
 */
import assert from 'node:assert/strict';
import { defaultMeshConfig, type MeshConfig } from '../../src/inject/proxy-config.js';
import { proxyEnv, type EnvVar } from '../../src/inject/proxy-env.js';
import type { PodSpec } from '../../src/inject/pod-spec.js';
import { parseProxyDuration } from '../../src/proxy/duration-value.js';
import { parseProxyEnv, ProxyEnvError, type ProxyEnv } from '../../src/proxy/proxy-env.js';

const pem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const spec: PodSpec = {
  containers: [{ name: 'app', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 3306, name: 'mysql' }] }],
};
const downward: Readonly<Record<string, string>> = {
  'metadata.name': 'web-abc', 'metadata.namespace': 'shop', 'metadata.uid': 'uid-1', 'spec.nodeName': 'node-1',
  'status.podIPs': '10.1.2.3,fd00::3', 'spec.serviceAccountName': 'web',
};

/** The environment the container sees: downward-API and ConfigMap values filled in, `$(VAR)` expanded as Kubernetes does. */
function containerEnv(vars: readonly EnvVar[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of vars) {
    let value: string;
    if ('value' in v) value = v.value.replace(/\$\((\w+)\)/g, (ref: string, name: string) => env[name] ?? ref);
    else if (v.valueFrom['fieldRef'] !== undefined) value = downward[v.valueFrom['fieldRef']['fieldPath'] as string] as string;
    else value = pem;
    env[v.name] = value;
  }
  return env;
}

function injected(mesh: MeshConfig = defaultMeshConfig({ trustAnchorsPem: pem }), component = 'web'): Record<string, string> {
  return containerEnv(proxyEnv({ mesh, proxy: mesh.proxy, spec, component }));
}

function problemsOf(env: Readonly<Record<string, string | undefined>>): readonly string[] {
  try {
    parseProxyEnv(env);
  } catch (error) {
    assert.ok(error instanceof ProxyEnvError, String(error));
    return error.problems;
  }
  return assert.fail('expected a ProxyEnvError');
}

const noIdentity = { LINKERD2_PROXY_IDENTITY_DISABLED: 'true' };
const networks = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'];
const meshName = (sa: string) => `${sa}.linkerd.serviceaccount.identity.linkerd.cluster.local`;

describe('proxy environment', () => {
  it('reads every variable the injector writes as the value it meant', () => {
    const config = parseProxyEnv(injected());
    assert.deepEqual(
      [config.adminListen, config.controlListen, config.inboundListen, config.outboundListen],
      [{ host: '0.0.0.0', port: 4191 }, { host: '0.0.0.0', port: 4190 }, { host: '0.0.0.0', port: 4143 }, [{ host: '127.0.0.1', port: 4140 }]],
    );
    assert.deepEqual(config.inboundIps, ['10.1.2.3', 'fd00::3']);
    assert.deepEqual(config.inboundPorts, [3306, 8080]);
    assert.deepEqual([...config.inboundOpaquePorts].sort((a, b) => a - b), [25, 587, 3306, 4444, 5432, 6379, 9300, 11211]);
    assert.deepEqual(config.requireIdentityPorts, new Set());
    assert.equal(config.defaultInboundPolicy, 'all-unauthenticated');
    assert.deepEqual(config.destination, {
      addr: { host: 'linkerd-dst-headless.linkerd.svc.cluster.local.', port: 8086 }, name: meshName('linkerd-destination'),
      context: '{"ns":"shop", "nodeName":"node-1", "pod":"web-abc"}\n', profileSuffixes: ['svc.cluster.local.'], profileNetworks: networks,
    });
    assert.deepEqual(config.policy, {
      addr: { host: 'linkerd-policy.linkerd.svc.cluster.local.', port: 8090 }, name: meshName('linkerd-destination'),
      workload: { ns: 'shop', pod: 'web-abc' }, clusterNetworks: networks,
    });
    assert.deepEqual(config.identity, {
      dir: '/var/run/linkerd/identity/end-entity', tokenFile: '/var/run/secrets/tokens/linkerd-identity-token', trustAnchorsPem: pem,
      localName: 'web.shop.serviceaccount.identity.linkerd.cluster.local',
      addr: { host: 'linkerd-identity-headless.linkerd.svc.cluster.local.', port: 8080 }, name: meshName('linkerd-identity'),
      minRefreshMs: 10_000, maxRefreshMs: 86_400_000,
    });
    assert.equal(config.log, 'warn,linkerd=info,hickory=error,[{headers}]=off,[{request}]=off');
    assert.equal(config.logFormat, 'plain');
    assert.equal(config.shutdownEndpointEnabled, false);
    assert.equal(config.cores, undefined);
  });

  it('reads the injector\'s timeouts and keepalives in milliseconds', () => {
    const config = parseProxyEnv(injected());
    assert.deepEqual(
      [config.inboundConnectTimeoutMs, config.outboundConnectTimeoutMs, config.inboundDiscoveryIdleTimeoutMs, config.outboundDiscoveryIdleTimeoutMs],
      [100, 1000, 90_000, 5000],
    );
    assert.deepEqual(config.controlStream, { initialTimeoutMs: 3000, idleTimeoutMs: 300_000, lifetimeMs: 3_600_000 });
    assert.deepEqual([config.inboundAcceptKeepaliveMs, config.outboundConnectKeepaliveMs], [10_000, 10_000]);
    assert.deepEqual([config.inboundAcceptUserTimeoutMs, config.outboundConnectUserTimeoutMs], [30_000, 30_000]);
    assert.deepEqual(config.inboundHttp2KeepAlive, { intervalMs: 10_000, timeoutMs: 3000 });
    assert.deepEqual(config.outboundHttp2KeepAlive, { intervalMs: 10_000, timeoutMs: 3000 });
    assert.equal(config.shutdownGracePeriodMs, 120_000);
  });

  it('reads the injector\'s IPv6 listeners, cores, identity ports, grace period and external profiles', () => {
    const mesh = defaultMeshConfig({ proxy: {
      disableIPv6: false, resources: { cpuLimit: '1500m' }, requireIdentityInboundPorts: '8443,9000-9002',
      shutdownGracePeriod: '1m30s', enableExternalProfiles: true, logFormat: 'json', defaultInboundPolicy: 'cluster-authenticated',
    } });
    const config = parseProxyEnv(injected(mesh));
    assert.deepEqual(config.inboundListen, { host: '::', port: 4143 });
    assert.deepEqual(config.outboundListen, [{ host: '127.0.0.1', port: 4140 }, { host: '::1', port: 4140 }]);
    assert.equal(config.cores, 2);
    assert.deepEqual(config.requireIdentityPorts, new Set([8443, 9000, 9001, 9002]));
    assert.equal(config.shutdownGracePeriodMs, 90_000);
    assert.deepEqual(config.destination.profileSuffixes, ['.']);
    assert.equal(config.logFormat, 'json');
    assert.equal(config.defaultInboundPolicy, 'cluster-authenticated');
  });

  it('needs no service identity for a control-plane component that reaches itself on localhost', () => {
    const config = parseProxyEnv(injected(defaultMeshConfig({ trustAnchorsPem: pem }), 'linkerd-destination'));
    assert.deepEqual(config.destination.addr, { host: 'localhost.', port: 8086 });
    assert.equal(config.destination.name, undefined);
    assert.equal(config.policy.name, undefined);
    assert.equal(config.identity?.name, meshName('linkerd-identity'));
  });

  it('checks every injected variable: a bad value in any of them is reported under its name', () => {
    const env = injected(defaultMeshConfig({ proxy: { disableIPv6: false, resources: { cpuLimit: '1' }, requireIdentityInboundPorts: '443', shutdownGracePeriod: '5s' } }));
    const freeForm = new Set(['LINKERD2_PROXY_IDENTITY_DIR', 'LINKERD2_PROXY_IDENTITY_TOKEN_FILE', 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS']);
    const names = Object.keys(env).filter((name) => name.startsWith('LINKERD2_PROXY_') && name !== 'LINKERD2_PROXY_DESTINATION_CONTEXT');
    assert.ok(names.length >= 40, `only ${names.length} variables`);
    for (const name of names) {
      const problems = problemsOf({ ...env, [name]: freeForm.has(name) ? ' ' : 'not valid!' });
      assert.ok(problems.some((p) => p.startsWith(`${name}: `)), `${name}: ${problems.join(' | ')}`);
    }
  });

  it('uses Linkerd\'s defaults for what is unset', () => {
    const config: ProxyEnv = parseProxyEnv(noIdentity);
    assert.deepEqual(config.adminListen, { host: '127.0.0.1', port: 4191 });
    assert.deepEqual(config.controlListen, { host: '0.0.0.0', port: 4190 });
    assert.deepEqual(config.inboundListen, { host: '0.0.0.0', port: 4143 });
    assert.deepEqual(config.outboundListen, [{ host: '127.0.0.1', port: 4140 }]);
    assert.deepEqual([config.inboundConnectTimeoutMs, config.outboundConnectTimeoutMs], [300, 1000]);
    assert.deepEqual([config.inboundDetectTimeoutMs, config.outboundDetectTimeoutMs], [10_000, 10_000]);
    assert.deepEqual([config.inboundHttpFailfastTimeoutMs, config.outboundHttpFailfastTimeoutMs, config.outboundTcpFailfastTimeoutMs], [1000, 3000, 3000]);
    assert.deepEqual([config.inboundDiscoveryIdleTimeoutMs, config.outboundDiscoveryIdleTimeoutMs], [90_000, 5000]);
    assert.deepEqual(config.controlStream, { initialTimeoutMs: undefined, idleTimeoutMs: undefined, lifetimeMs: undefined });
    assert.equal(config.inboundAcceptKeepaliveMs, undefined);
    assert.equal(config.inboundHttp2KeepAlive, undefined);
    assert.equal(config.shutdownGracePeriodMs, 120_000);
    assert.equal(config.shutdownEndpointEnabled, false);
    assert.equal(config.log, 'warn,linkerd=info');
    assert.equal(config.logFormat, 'plain');
    assert.equal(config.defaultInboundPolicy, 'all-unauthenticated');
    assert.deepEqual(config.destination, { addr: undefined, name: undefined, context: '', profileSuffixes: ['svc.cluster.local.'], profileNetworks: [] });
    assert.deepEqual(config.policy, { addr: undefined, name: undefined, workload: undefined, clusterNetworks: [] });
    assert.equal(config.identity, undefined);
    assert.deepEqual([config.inboundIps, config.inboundPorts, config.staticTargets], [[], [], []]);
    assert.equal(config.inboundOpaquePorts.size, 0);
    assert.equal(config.inboundForwardHost, '127.0.0.1');
  });

  it('names each identity variable that is missing while identity is on', () => {
    const problems = problemsOf({});
    for (const name of ['DIR', 'TOKEN_FILE', 'TRUST_ANCHORS', 'LOCAL_NAME', 'SVC_ADDR']) {
      assert.ok(problems.includes(`LINKERD2_PROXY_IDENTITY_${name}: must be set (or set LINKERD2_PROXY_IDENTITY_DISABLED)`), problems.join(' | '));
    }
    assert.equal(problems.length, 5);
  });

  it('keeps identity on when LINKERD2_PROXY_IDENTITY_DISABLED is empty or false', () => {
    assert.equal(problemsOf({ LINKERD2_PROXY_IDENTITY_DISABLED: 'false' }).length, 5);
    assert.equal(problemsOf({ LINKERD2_PROXY_IDENTITY_DISABLED: '' }).length, 5);
  });

  it('says what is wrong with a malformed value, naming its variable', () => {
    const cases: readonly [string, string, string][] = [
      ['LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT', 'abc', '"abc" is not a duration (e.g. 100ms, 3s)'],
      ['LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT', '5', '"5" is not a duration (e.g. 100ms, 3s)'],
      ['LINKERD2_PROXY_ADMIN_LISTEN_ADDR', 'localhost:4191', '"localhost:4191" is not an address IP:PORT (e.g. 0.0.0.0:4143, [::]:4143)'],
      ['LINKERD2_PROXY_INBOUND_LISTEN_ADDR', '0.0.0.0:70000', '"0.0.0.0:70000" has "70000", which is not a port (0-65535)'],
      ['LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS', '127.0.0.1:1,127.0.0.2:1,127.0.0.3:1', 'lists more than two addresses'],
      ['LINKERD2_PROXY_INBOUND_PORTS', '80,http', 'has "http", which is not a port (0-65535) or a range a-b'],
      ['LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION', '90-80', 'has "90-80", a range that ends before it starts'],
      ['LINKERD2_PROXY_INBOUND_IPS', '10.0.0.1,10.0.0.300', 'has "10.0.0.300", which is not an IP address'],
      ['LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS', '10.0.0.0/33', 'has "10.0.0.0/33", which is not a network (e.g. 10.0.0.0/8)'],
      ['LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES', 'svc.cluster.local.,a b', 'has "a b", which is not a DNS suffix'],
      ['LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED', 'yes', '"yes" is not true or false'],
      ['LINKERD2_PROXY_POLICY_WORKLOAD', '{"ns":1}', 'needs string fields "ns" and "pod"'],
      ['LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', 'allow', '"allow" is not a default policy (all-unauthenticated, all-authenticated'],
      ['LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', 'cluster-unauthenticated', '"cluster-unauthenticated" needs LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS'],
      ['LINKERD2_PROXY_LOG', 'warn,linkerd=loud', '"linkerd=loud": "loud" is not a level'],
      ['LINKERD2_PROXY_LOG_FORMAT', 'xml', '"xml" is not plain or json'],
      ['LINKERD2_PROXY_CORES', '0', '"0" is not a whole number of cores (1 or more)'],
      ['LINKERD2_PROXY_DESTINATION_SVC_ADDR', 'dst.linkerd.svc.:8086', 'LINKERD2_PROXY_DESTINATION_SVC_NAME: must be set when LINKERD2_PROXY_DESTINATION_SVC_ADDR is not on localhost'],
      ['LINKERD2_PROXY_DESTINATION_SVC_NAME', 'dst.linkerd.serviceaccount.identity.linkerd.cluster.local', 'LINKERD2_PROXY_DESTINATION_SVC_ADDR: must be set with'],
      ['LINKERD2_PROXY_POLICY_SVC_ADDR', '127.0.0.1:8090', 'LINKERD2_PROXY_POLICY_WORKLOAD: must be set with LINKERD2_PROXY_POLICY_SVC_ADDR'],
      ['SINEW_PROXY_ORIGINAL_DST_MAP', 'sideways:127.0.0.1:1=127.0.0.1:2', 'which is not inbound|outbound:LISTEN_IP:PORT=TARGET_IP:PORT'],
      ['SINEW_PROXY_ORIGINAL_DST_MAP', 'inbound:127.0.0.1:1=127.0.0.1:0', 'has "0", which is not a port (1-65535)'],
      ['SINEW_PROXY_INBOUND_FORWARD_HOST', 'not a host', 'is not an IP address or a host name'],
    ];
    for (const [name, value, expected] of cases) {
      const problems = problemsOf({ ...noIdentity, [name]: value });
      assert.equal(problems.length, 1, `${name}=${value}: ${problems.join(' | ')}`);
      assert.ok(problems[0]?.startsWith(name.endsWith('_ADDR') || name.endsWith('_NAME') ? 'LINKERD2_PROXY_' : `${name}: `), problems[0]);
      assert.ok(problems[0]?.includes(expected), `${name}=${value}: ${problems[0]}`);
    }
  });

  it('gives the exact message for a bad duration', () => {
    assert.deepEqual(problemsOf({ ...noIdentity, LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT: 'abc' }),
      ['LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT: "abc" is not a duration (e.g. 100ms, 3s)']);
  });

  it('reports every problem at once, in one error', () => {
    const env = { ...noIdentity, LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT: 'abc', LINKERD2_PROXY_CORES: 'many', LINKERD2_PROXY_INBOUND_IPS: 'x' };
    assert.throws(() => parseProxyEnv(env), (error: unknown) => {
      assert.ok(error instanceof ProxyEnvError);
      assert.equal(error.problems.length, 3);
      for (const name of ['INBOUND_CONNECT_TIMEOUT', 'CORES', 'INBOUND_IPS']) assert.match(error.message, new RegExp(`LINKERD2_PROXY_${name}: `));
      return true;
    });
  });

  it('refuses control-stream limits out of order (initial, then idle, then lifetime)', () => {
    const problems = problemsOf({ ...noIdentity, LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT: '10s', LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT: '5s' });
    assert.deepEqual(problems, ['LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT: must not be longer than LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT']);
    const empty = parseProxyEnv({ ...noIdentity, LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT: '' });
    assert.equal(empty.controlStream.idleTimeoutMs, undefined);
  });

  it('ignores variables it does not know', () => {
    const config = parseProxyEnv({ ...noIdentity, LINKERD2_PROXY_SOME_FUTURE_KNOB: '???', PATH: '/bin', SINEW_PROXY_OTHER: 'x' });
    assert.deepEqual(config.adminListen, { host: '127.0.0.1', port: 4191 });
  });

  it('reads port ranges, bracketed IPv6 listeners, legacy workloads and the static target map', () => {
    const config = parseProxyEnv({
      ...noIdentity,
      LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION: ' 25, ,8000-8002,25',
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR: '[::1]:0',
      LINKERD2_PROXY_POLICY_SVC_ADDR: 'localhost:8090',
      LINKERD2_PROXY_POLICY_WORKLOAD: 'shop:web-abc',
      LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'audit',
      SINEW_PROXY_ORIGINAL_DST_MAP: 'inbound:127.0.0.1:15001=127.0.0.1:8080, outbound:[::1]:15002=[fd00::9]:80',
      SINEW_PROXY_INBOUND_FORWARD_HOST: 'localhost',
    });
    assert.deepEqual(config.inboundOpaquePorts, new Set([25, 8000, 8001, 8002]));
    assert.deepEqual(config.adminListen, { host: '::1', port: 0 });
    assert.deepEqual(config.policy.workload, { ns: 'shop', pod: 'web-abc' });
    assert.equal(config.policy.name, undefined);
    assert.equal(config.defaultInboundPolicy, 'audit');
    assert.deepEqual(config.staticTargets, [
      { direction: 'inbound', listen: { host: '127.0.0.1', port: 15001 }, target: { host: '127.0.0.1', port: 8080 } },
      { direction: 'outbound', listen: { host: '::1', port: 15002 }, target: { host: 'fd00::9', port: 80 } },
    ]);
    assert.equal(config.inboundForwardHost, 'localhost');
  });
});

describe('proxy durations', () => {
  it('reads Linkerd\'s forms and the Go durations the injector accepts, and nothing else', () => {
    const cases: readonly [string, number | undefined][] = [
      ['100ms', 100], ['3s', 3000], ['5m', 300_000], ['1h', 3_600_000], ['2d', 172_800_000], [' 10s\t', 10_000], ['0', 0],
      ['1m30s', 90_000], ['1.5s', 1500], ['10000ms', 10_000],
      ['5', undefined], ['', undefined], ['abc', undefined], ['-1s', undefined], ['1 s', undefined], ['12y', undefined],
    ];
    for (const [text, ms] of cases) assert.equal(parseProxyDuration(text), ms, JSON.stringify(text));
  });
});
