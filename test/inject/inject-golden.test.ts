/**
 * What an injected pod holds, field by field, against Linkerd's injector: the layouts, the
 * proxy's environment, probes, ports, volumes, proxy-init's flags, the labels and annotations.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { injectWorkload } from '../../src/inject/inject.js';
import { defaultMeshConfig } from '../../src/inject/proxy-config.js';
import { anchors, containersOf, envOf, envValue, fixture, initOf, manual, podSpecOf, proxyOf, templateOf, version, type Json } from './corpus.js';

const expectedEnvNames = [
  '_pod_name', '_pod_ns', '_pod_uid', '_pod_nodeName', '_pod_containerName',
  'LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED', 'LINKERD2_PROXY_LOG', 'LINKERD2_PROXY_LOG_FORMAT',
  'LINKERD2_PROXY_DESTINATION_SVC_ADDR', 'LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS', 'LINKERD2_PROXY_POLICY_SVC_ADDR',
  'LINKERD2_PROXY_POLICY_WORKLOAD', 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', 'LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS',
  'LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT', 'LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT', 'LINKERD2_PROXY_CONTROL_STREAM_LIFETIME',
  'LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT', 'LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT',
  'LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT', 'LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT',
  'LINKERD2_PROXY_CONTROL_LISTEN_ADDR', 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR', 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR',
  'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS', 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR', 'LINKERD2_PROXY_INBOUND_IPS', 'LINKERD2_PROXY_INBOUND_PORTS',
  'LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES', 'LINKERD2_PROXY_INBOUND_ACCEPT_KEEPALIVE', 'LINKERD2_PROXY_OUTBOUND_CONNECT_KEEPALIVE',
  'LINKERD2_PROXY_INBOUND_ACCEPT_USER_TIMEOUT', 'LINKERD2_PROXY_OUTBOUND_CONNECT_USER_TIMEOUT',
  'LINKERD2_PROXY_INBOUND_SERVER_HTTP2_KEEP_ALIVE_INTERVAL', 'LINKERD2_PROXY_INBOUND_SERVER_HTTP2_KEEP_ALIVE_TIMEOUT',
  'LINKERD2_PROXY_OUTBOUND_SERVER_HTTP2_KEEP_ALIVE_INTERVAL', 'LINKERD2_PROXY_OUTBOUND_SERVER_HTTP2_KEEP_ALIVE_TIMEOUT',
  'LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION', 'LINKERD2_PROXY_DESTINATION_CONTEXT',
  '_pod_sa', '_l5d_ns', '_l5d_trustdomain', 'LINKERD2_PROXY_IDENTITY_DIR', 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS',
  'LINKERD2_PROXY_IDENTITY_TOKEN_FILE', 'LINKERD2_PROXY_IDENTITY_SVC_ADDR', 'LINKERD2_PROXY_IDENTITY_LOCAL_NAME',
  'LINKERD2_PROXY_IDENTITY_SVC_NAME', 'LINKERD2_PROXY_DESTINATION_SVC_NAME', 'LINKERD2_PROXY_POLICY_SVC_NAME',
  // Appended by Linkerd's viz tap-injector; Sinew's injector writes it with the rest.
  'LINKERD2_PROXY_TAP_SVC_NAME',
];

describe('an injected pod, field by field', () => {
  const web = injectWorkload(fixture('web'), manual()).object;
  const proxy = proxyOf(web);

  it('runs the proxy as a native sidecar by default: linkerd-init, then linkerd-proxy with restartPolicy Always and a startup probe', () => {
    assert.deepEqual(containersOf(web, 'initContainers').map((c) => c.name), ['linkerd-init', 'linkerd-proxy']);
    assert.deepEqual(containersOf(web).map((c) => c.name), ['web']);
    assert.equal(proxy['restartPolicy'], 'Always');
    assert.deepEqual(proxy['startupProbe'], { httpGet: { path: '/ready', port: 4191 }, initialDelaySeconds: 0, periodSeconds: 1, failureThreshold: 120 });
    assert.equal(proxy['lifecycle'], undefined);
  });

  it('gives the proxy the sinew image, the admin probes, its two ports and a locked-down security context', () => {
    assert.equal(proxy['image'], `ghcr.io/sinew-mesh/sinew:${version}`);
    assert.deepEqual(proxy['args'], ['proxy']);
    assert.deepEqual(proxy['livenessProbe'], { httpGet: { path: '/live', port: 4191 }, initialDelaySeconds: 10, timeoutSeconds: 1 });
    assert.deepEqual(proxy['readinessProbe'], { httpGet: { path: '/ready', port: 4191 }, initialDelaySeconds: 2, timeoutSeconds: 1 });
    assert.deepEqual(proxy['ports'], [{ containerPort: 4143, name: 'linkerd-proxy' }, { containerPort: 4191, name: 'linkerd-admin' }]);
    assert.deepEqual(proxy['securityContext'], {
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 2102, seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.equal(proxy['resources'], undefined, 'no requests or limits unless given');
    assert.deepEqual(proxy['volumeMounts'], [
      { mountPath: '/var/run/linkerd/identity/end-entity', name: 'linkerd-identity-end-entity' },
      { mountPath: '/var/run/secrets/tokens', name: 'linkerd-identity-token' },
    ]);
  });

  it('sets every LINKERD2_PROXY_* variable Linkerd sets, in its order', () => {
    assert.deepEqual([...envOf(proxy).keys()], expectedEnvNames);
  });

  it('points the proxy at the control plane by its service names and identities', () => {
    const expected: Record<string, string> = {
      LINKERD2_PROXY_LOG: 'warn,linkerd=info,hickory=error,[{headers}]=off,[{request}]=off',
      LINKERD2_PROXY_LOG_FORMAT: 'plain',
      LINKERD2_PROXY_DESTINATION_SVC_ADDR: 'linkerd-dst-headless.linkerd.svc.cluster.local.:8086',
      LINKERD2_PROXY_POLICY_SVC_ADDR: 'linkerd-policy.linkerd.svc.cluster.local.:8090',
      LINKERD2_PROXY_IDENTITY_SVC_ADDR: 'linkerd-identity-headless.linkerd.svc.cluster.local.:8080',
      LINKERD2_PROXY_IDENTITY_SVC_NAME: 'linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_DESTINATION_SVC_NAME: 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_POLICY_SVC_NAME: 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_TAP_SVC_NAME: 'tap.linkerd-viz.serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_IDENTITY_LOCAL_NAME: '$(_pod_sa).$(_pod_ns).serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_IDENTITY_DIR: '/var/run/linkerd/identity/end-entity',
      LINKERD2_PROXY_IDENTITY_TOKEN_FILE: '/var/run/secrets/tokens/linkerd-identity-token',
      LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: anchors,
      LINKERD2_PROXY_POLICY_WORKLOAD: '{"ns":"$(_pod_ns)", "pod":"$(_pod_name)"}\n',
      LINKERD2_PROXY_DESTINATION_CONTEXT: '{"ns":"$(_pod_ns)", "nodeName":"$(_pod_nodeName)", "pod":"$(_pod_name)"}\n',
      LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'all-unauthenticated',
      LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS: '10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8',
      LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS: '10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8',
      LINKERD2_PROXY_INBOUND_LISTEN_ADDR: '0.0.0.0:4143',
      LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: '127.0.0.1:4140',
      LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS: '127.0.0.1:4140',
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR: '0.0.0.0:4191',
      LINKERD2_PROXY_CONTROL_LISTEN_ADDR: '0.0.0.0:4190',
      LINKERD2_PROXY_INBOUND_PORTS: '8080,9102',
      LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION: '25,587,3306,4444,5432,6379,9300,11211',
      LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES: 'svc.cluster.local.',
      LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT: '100ms',
      LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT: '1000ms',
      _l5d_ns: 'linkerd',
      _l5d_trustdomain: 'cluster.local',
      _pod_containerName: 'linkerd-proxy',
    };
    for (const [name, value] of Object.entries(expected)) assert.equal(envValue(proxy, name), value, name);
    assert.deepEqual(envOf(proxy).get('_pod_sa'), { name: '_pod_sa', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } });
    assert.deepEqual(envOf(proxy).get('LINKERD2_PROXY_INBOUND_IPS'), { name: 'LINKERD2_PROXY_INBOUND_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } });
  });

  it('runs proxy-init from the same image with Linkerd\'s iptables flags and only NET_ADMIN and NET_RAW', () => {
    const init = initOf(web);
    assert.equal(init['image'], `ghcr.io/sinew-mesh/sinew:${version}`);
    assert.deepEqual(init['args'], [
      'proxy-init', '--ipv6=false', '--incoming-proxy-port', '4143', '--outgoing-proxy-port', '4140', '--proxy-uid', '2102',
      '--inbound-ports-to-ignore', '4190,4191,4567,4568', '--outbound-ports-to-ignore', '4567,4568',
    ]);
    assert.deepEqual((init['securityContext'] as Json)['capabilities'], { add: ['NET_ADMIN', 'NET_RAW'] });
    assert.equal((init['securityContext'] as Json)['runAsNonRoot'], true);
    assert.deepEqual(init['volumeMounts'], [{ mountPath: '/run', name: 'linkerd-proxy-init-xtables-lock' }]);
  });

  it('appends the xtables lock, the in-memory end-entity directory and the projected identity token', () => {
    assert.deepEqual(podSpecOf(web)['volumes'], [
      { name: 'cache', emptyDir: { sizeLimit: '512Mi' } },
      { name: 'linkerd-proxy-init-xtables-lock', emptyDir: {} },
      { name: 'linkerd-identity-end-entity', emptyDir: { medium: 'Memory' } },
      { name: 'linkerd-identity-token', projected: { sources: [{ serviceAccountToken: { path: 'linkerd-identity-token', expirationSeconds: 86400, audience: 'identity.l5d.io' } }] } },
    ]);
  });

  it('labels and annotates the pod template as Linkerd does, keeping the pod\'s own', () => {
    const metadata = templateOf(web)['metadata'] as Json;
    assert.deepEqual(metadata['labels'], {
      'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'shop', version: 'v3',
      'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-deployment': 'web', 'linkerd.io/workload-ns': 'shop',
    });
    assert.deepEqual(metadata['annotations'], {
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102', 'kubectl.kubernetes.io/restartedAt': '2026-01-12T09:30:00Z',
      'linkerd.io/created-by': `sinew/cli ${version}`, 'linkerd.io/proxy-version': version, 'linkerd.io/identity-mode': 'default',
      'linkerd.io/trust-root-sha256': createHash('sha256').update(anchors).digest('hex'),
    });
    assert.deepEqual(web['metadata'], fixture('web')['metadata'], 'the Deployment\'s own metadata is untouched');
  });

  it('names each kind in its linkerd.io/proxy-<kind> label', () => {
    const labelOf = (name: string) => (templateOf(injectWorkload(fixture(name), manual()).object)['metadata'] as Json)['labels'] as Record<string, string>;
    assert.equal(labelOf('redis')['linkerd.io/proxy-statefulset'], 'redis');
    assert.equal(labelOf('fluentd')['linkerd.io/proxy-daemonset'], 'fluentd');
    assert.equal(labelOf('db-migrate-20260112')['linkerd.io/proxy-job'], 'db-migrate-20260112');
    assert.equal(labelOf('nightly-report')['linkerd.io/proxy-cronjob'], 'nightly-report');
    assert.equal(labelOf('frontend-7d9f8c6b5')['linkerd.io/proxy-replicaset'], 'frontend-7d9f8c6b5');
    assert.equal(labelOf('legacy-worker')['linkerd.io/proxy-replicationcontroller'], 'legacy-worker');
    assert.equal(labelOf('netshoot')['linkerd.io/proxy-deployment'], undefined, 'a bare Pod has no owner');
  });

  it('reads the anchors from the trust-roots ConfigMap, and writes no hash, when they are not known', () => {
    const injected = injectWorkload(fixture('web'), manual(defaultMeshConfig())).object;
    assert.deepEqual(envOf(proxyOf(injected)).get('LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS'), {
      name: 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS', valueFrom: { configMapKeyRef: { name: 'linkerd-identity-trust-roots', key: 'ca-bundle.crt' } },
    });
    assert.equal(((templateOf(injected)['metadata'] as Json)['annotations'] as Json)['linkerd.io/trust-root-sha256'], undefined);
  });
});

describe('the classic layout', () => {
  const mesh = defaultMeshConfig({ proxy: { nativeSidecar: false } });
  const api = injectWorkload(fixture('api'), manual(mesh)).object;

  it('puts the proxy first among the containers, held by a postStart hook, and linkerd-init after the pod\'s init containers', () => {
    assert.deepEqual(containersOf(api).map((c) => c.name), ['linkerd-proxy', 'api', 'log-shipper']);
    assert.deepEqual(containersOf(api, 'initContainers').map((c) => c.name), ['migrate', 'linkerd-init']);
    const proxy = proxyOf(api);
    assert.deepEqual(proxy['lifecycle'], { postStart: { exec: { command: ['sinew', 'proxy-await', '--timeout=2m', '--port=4191'] } } });
    assert.equal(proxy['restartPolicy'], undefined);
    assert.equal(proxy['startupProbe'], undefined);
  });

  it('appends the proxy without a hook when await is disabled, and waits before exit when asked', () => {
    const injected = injectWorkload(fixture('api'), manual(mesh, {
      overrides: { 'config.linkerd.io/proxy-await': 'disabled', 'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': '15' },
    })).object;
    assert.deepEqual(containersOf(injected).map((c) => c.name), ['api', 'log-shipper', 'linkerd-proxy']);
    assert.deepEqual(proxyOf(injected)['lifecycle'], { preStop: { exec: { command: ['/bin/sleep', '15'] } } });
  });

  it('native: the proxy comes before the pod\'s init containers, so they are meshed', () => {
    const native = injectWorkload(fixture('api'), manual()).object;
    assert.deepEqual(containersOf(native, 'initContainers').map((c) => c.name), ['linkerd-init', 'linkerd-proxy', 'migrate']);
  });

  it('the native-sidecar annotation chooses the layout per pod', () => {
    const classic = injectWorkload(fixture('web'), manual(defaultMeshConfig(), { overrides: { 'config.beta.linkerd.io/proxy-enable-native-sidecar': 'false' } })).object;
    assert.equal(containersOf(classic)[0]?.name, 'linkerd-proxy');
    const native = injectWorkload(fixture('web'), manual(mesh, { namespaceAnnotations: { 'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'true' } })).object;
    assert.equal(containersOf(native, 'initContainers')[1]?.name, 'linkerd-proxy');
  });
});
