/**
 * The proxy's configuration from `config.linkerd.io/*` annotations and the CLI's flags: the
 * precedence, unreadable values, ports, opaque ports, resources, ingress mode, and the control
 * plane's own components.
 */
import assert from 'node:assert/strict';
import { injectWorkload, type InjectOptions } from '../../src/inject/inject.js';
import { defaultMeshConfig } from '../../src/inject/proxy-config.js';
import { anchors, envOf, envValue, fixture, initOf, manual, proxyOf, templateOf, type Json } from './corpus.js';

describe('configuration from annotations and flags', () => {
  const logLevel = (options: InjectOptions, object = fixture('checkout')) => envValue(proxyOf(injectWorkload(object, options).object), 'LINKERD2_PROXY_LOG');

  it('takes the namespace\'s, then the workload\'s, then the pod\'s annotation, and an override above all', () => {
    const workload = structuredClone(fixture('checkout'));
    const ns = { 'config.linkerd.io/proxy-log-level': 'ns' };
    assert.match(logLevel(manual(undefined, { namespaceAnnotations: ns }), workload) ?? '', /^ns,/);
    (workload['metadata'] as Json)['annotations'] = { 'config.linkerd.io/proxy-log-level': 'workload' };
    assert.match(logLevel(manual(undefined, { namespaceAnnotations: ns }), workload) ?? '', /^workload,/);
    ((templateOf(workload)['metadata'] as Json)['annotations'] as Json)['config.linkerd.io/proxy-log-level'] = 'pod';
    assert.match(logLevel(manual(undefined, { namespaceAnnotations: ns }), workload) ?? '', /^pod,/);
    assert.match(logLevel(manual(undefined, { namespaceAnnotations: ns, overrides: { 'config.linkerd.io/proxy-log-level': 'flag' } }), workload) ?? '', /^flag,/);
  });

  it('ignores an unreadable value with a warning naming it, keeping the default', () => {
    const result = injectWorkload(fixture('checkout'), manual(undefined, { overrides: { 'config.linkerd.io/admin-port': 'ninety' } }));
    assert.equal(envValue(proxyOf(result.object), 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR'), '0.0.0.0:4191');
    assert.deepEqual(result.report.warnings, ['ignored annotation config.linkerd.io/admin-port: "ninety" is not a port number (1-65535)']);
  });

  it('moves every port the proxy uses, in the env, the probes and proxy-init\'s flags', () => {
    const injected = injectWorkload(fixture('web'), manual(undefined, { overrides: {
      'config.linkerd.io/inbound-port': '5143', 'config.linkerd.io/outbound-port': '5140', 'config.linkerd.io/admin-port': '5191',
      'config.linkerd.io/control-port': '5190', 'config.linkerd.io/proxy-uid': '3000',
      'config.linkerd.io/skip-inbound-ports': '9102', 'config.linkerd.io/skip-outbound-ports': '443,6443', 'config.linkerd.io/skip-subnets': '10.1.0.0/16',
    } })).object;
    const proxy = proxyOf(injected);
    assert.equal(envValue(proxy, 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR'), '0.0.0.0:5143');
    assert.equal(envValue(proxy, 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR'), '127.0.0.1:5140');
    assert.deepEqual((proxy['livenessProbe'] as Json)['httpGet'], { path: '/live', port: 5191 });
    assert.equal((proxy['securityContext'] as Json)['runAsUser'], 3000);
    assert.deepEqual(initOf(injected)['args'], [
      'proxy-init', '--ipv6=false', '--incoming-proxy-port', '5143', '--outgoing-proxy-port', '5140', '--proxy-uid', '3000',
      '--inbound-ports-to-ignore', '5190,5191,9102', '--outbound-ports-to-ignore', '443,6443', '--subnets-to-ignore', '10.1.0.0/16',
    ]);
  });

  it('resolves opaque port names against the pod\'s container ports', () => {
    const redis = injectWorkload(fixture('redis'), manual()).object;
    assert.equal(envValue(proxyOf(redis), 'LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION'), '6379,26379');
    assert.equal(envValue(proxyOf(redis), 'LINKERD2_PROXY_INBOUND_PORTS'), '6379,26379');
  });

  it('sets resources, and the proxy\'s cores from its CPU limit rounded up', () => {
    const proxy = proxyOf(injectWorkload(fixture('checkout'), manual(undefined, { overrides: { 'config.linkerd.io/proxy-memory-request': '20Mi' } })).object);
    assert.deepEqual(proxy['resources'], { limits: { cpu: '1500m' }, requests: { memory: '20Mi' } });
    assert.equal(envValue(proxy, 'LINKERD2_PROXY_CORES'), '2');
  });

  it('runs the proxy in ingress mode for linkerd.io/inject: ingress', () => {
    const proxy = proxyOf(injectWorkload(fixture('ingress-gateway'), manual()).object);
    assert.equal(envValue(proxy, 'LINKERD2_PROXY_INGRESS_MODE'), 'true');
    assert.equal(envValue(proxyOf(injectWorkload(fixture('web'), manual()).object), 'LINKERD2_PROXY_INGRESS_MODE'), undefined);
  });

  it('lets the control plane\'s own components reach themselves over localhost', () => {
    const component = (name: string) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'linkerd' },
      spec: {
        selector: { matchLabels: { 'linkerd.io/control-plane-component': name } },
        template: { metadata: { labels: { 'linkerd.io/control-plane-component': name } }, spec: { containers: [{ name: 'main', image: 'sinew' }] } },
      },
    });
    const destination = proxyOf(injectWorkload(component('linkerd-destination'), manual()).object);
    assert.equal(envValue(destination, 'LINKERD2_PROXY_DESTINATION_SVC_ADDR'), 'localhost.:8086');
    assert.equal(envValue(destination, 'LINKERD2_PROXY_POLICY_SVC_ADDR'), 'localhost.:8090');
    assert.equal(envValue(destination, 'LINKERD2_PROXY_IDENTITY_SVC_ADDR'), 'linkerd-identity-headless.linkerd.svc.cluster.local.:8080');
    const identity = proxyOf(injectWorkload(component('linkerd-identity'), manual()).object);
    assert.equal(envValue(identity, 'LINKERD2_PROXY_IDENTITY_SVC_ADDR'), 'localhost.:8080');
    assert.equal(envValue(identity, 'LINKERD2_PROXY_DESTINATION_SVC_ADDR'), 'linkerd-dst-headless.linkerd.svc.cluster.local.:8086');
    const mesh = defaultMeshConfig({ trustAnchorsPem: anchors, trustAnchorsFromConfigMap: true });
    const fromConfigMap = injectWorkload(component('linkerd-identity'), manual(mesh)).object;
    assert.ok('valueFrom' in (envOf(proxyOf(fromConfigMap)).get('LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS') ?? {}));
    assert.ok(((templateOf(fromConfigMap)['metadata'] as Json)['annotations'] as Json)['linkerd.io/trust-root-sha256'] !== undefined);
    const annotate = injectWorkload(component('linkerd-identity'), { ...manual(), mode: 'annotate' });
    assert.deepEqual(annotate.report.reasons, ['control_plane_component_not_manual']);
  });
});
