/**
 * Whether injection happens and why not, as Linkerd decides: the skip reasons, other kinds,
 * Namespaces, annotate mode, unreadable objects, and the webhook's Pods (its truth table, the
 * same sidecar as `--manual`, the namespace's configuration).
 */
import assert from 'node:assert/strict';
import { injectAdmittedPod, injectWorkload, InvalidObjectError, type InjectOptions } from '../../src/inject/inject.js';
import { createdBy, defaultMeshConfig } from '../../src/inject/proxy-config.js';
import { anchors, envValue, fixture, loadCorpus, manual, proxyOf, templateOf, version, type Json } from './corpus.js';

const corpus = loadCorpus();

describe('what injection skips, and why', () => {
  const reasons = (name: string, options: InjectOptions = manual()) => injectWorkload(fixture(name), options).report;

  it('skips host networking, inject: disabled and another mesh\'s sidecar, and leaves the object as it was', () => {
    assert.deepEqual(reasons('node-exporter').reasons, ['host_network_enabled']);
    assert.deepEqual(reasons('legacy-db').reasons, ['injection_disable_annotation_present']);
    assert.deepEqual(reasons('reviews').reasons, ['sidecar_already_exists']);
    assert.deepEqual(reasons('vote-bot').reasons, ['sidecar_already_exists']);
    for (const name of ['node-exporter', 'legacy-db', 'reviews']) {
      assert.strictEqual(injectWorkload(fixture(name), manual()).object, fixture(name));
    }
  });

  it('injects pods with UDP ports but says so', () => {
    const report = reasons('dns-cache');
    assert.equal(report.outcome, 'injected');
    assert.equal(report.udp, true);
  });

  it('passes other kinds through as unsupported', () => {
    const service = corpus.find((c) => c.object['kind'] === 'Service' && (c.object['metadata'] as Json)['name'] === 'cart')?.object as Json;
    const result = injectWorkload(service, manual());
    assert.strictEqual(result.object, service);
    assert.deepEqual(result.report, { kind: 'service', name: 'cart', namespace: 'cart', outcome: 'skipped', reasons: ['unsupported_resource'], udp: false, warnings: [] });
  });

  it('annotates a Namespace for the webhook and nothing else, unless it opted out', () => {
    const ns = corpus.find((c) => c.object['kind'] === 'Namespace' && (c.object['metadata'] as Json)['name'] === 'payments')?.object as Json;
    const injected = injectWorkload(ns, manual()).object;
    assert.deepEqual((injected['metadata'] as Json)['annotations'], { ...((ns['metadata'] as Json)['annotations'] as Json), 'linkerd.io/inject': 'enabled' });
    assert.deepEqual({ ...injected, metadata: undefined }, { ...ns, metadata: undefined });
    const optedOut = { ...ns, metadata: { name: 'quiet', annotations: { 'linkerd.io/inject': 'disabled' } } };
    assert.deepEqual(injectWorkload(optedOut, manual()).report.reasons, ['injection_disable_annotation_present']);
  });

  it('annotate mode adds only linkerd.io/inject: enabled and the flags as config annotations', () => {
    const result = injectWorkload(fixture('netshoot'), { ...manual(), mode: 'annotate', overrides: { 'config.linkerd.io/proxy-log-level': 'debug' } });
    assert.equal(result.report.outcome, 'annotated');
    assert.deepEqual(result.object, {
      ...fixture('netshoot'),
      metadata: { ...(fixture('netshoot')['metadata'] as Json), annotations: { 'config.linkerd.io/proxy-log-level': 'debug', 'linkerd.io/inject': 'enabled' } },
    });
  });

  it('refuses an object it cannot read, naming the field', () => {
    const broken = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ image: 'a' }] } } } };
    assert.throws(() => injectWorkload(broken, manual()), (error: unknown) => error instanceof InvalidObjectError && /spec\.template\.spec\.containers\.0\.name/.test(error.message));
  });
});

describe('the webhook\'s Pods', () => {
  const mesh = defaultMeshConfig({ trustAnchorsPem: anchors });
  const webhook = { mesh, createdBy: createdBy('proxy-injector'), namespace: 'shop' };
  /** The Pod a ReplicaSet of the web Deployment creates from its template. */
  function podOfWeb(): Json {
    const template = structuredClone(templateOf(fixture('web')));
    const metadata = template['metadata'] as Json;
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        ...metadata, generateName: 'web-5d8f9c7b6-', labels: { ...(metadata['labels'] as Json), 'pod-template-hash': '5d8f9c7b6' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f9c7b6', uid: 'u1', controller: true }],
      },
      spec: template['spec'],
    };
  }

  it('injects only when the pod or its namespace asks, as Linkerd\'s truth table says', () => {
    const pod = podOfWeb();
    const reason = (nsValue: string | undefined, podValue: string | undefined) => {
      const subject = structuredClone(pod);
      if (podValue !== undefined) ((subject['metadata'] as Json)['annotations'] as Json)['linkerd.io/inject'] = podValue;
      const result = injectAdmittedPod(subject, nsValue === undefined ? {} : { 'linkerd.io/inject': nsValue }, webhook);
      return result.injected ? 'injected' : result.reason;
    };
    assert.equal(reason('enabled', undefined), 'injected');
    assert.equal(reason('enabled', 'enabled'), 'injected');
    assert.equal(reason(undefined, 'enabled'), 'injected');
    assert.equal(reason('disabled', 'enabled'), 'injected');
    assert.equal(reason('enabled', 'disabled'), 'injection_disable_annotation_present');
    assert.equal(reason(undefined, undefined), 'injection_enable_annotation_absent');
    assert.equal(reason('disabled', undefined), 'injection_enable_annotation_absent');
    assert.equal(reason('yes', 'enabled'), 'invalid_inject_annotation_at_ns');
    assert.equal(reason('enabled', 'sure'), 'invalid_inject_annotation_at_workload');
  });

  it('gives a Pod the same sidecar as --manual gives its Deployment\'s template, and names the Deployment', () => {
    const result = injectAdmittedPod(podOfWeb(), { 'linkerd.io/inject': 'enabled' }, webhook);
    assert.ok(result.injected);
    const manualTemplate = templateOf(injectWorkload(fixture('web'), manual(mesh)).object);
    assert.deepStrictEqual(result.pod['spec'], manualTemplate['spec']);
    const labels = (result.pod['metadata'] as Json)['labels'] as Json;
    assert.equal(labels['linkerd.io/proxy-deployment'], 'web');
    assert.equal(labels['linkerd.io/workload-ns'], 'shop');
    assert.equal(((result.pod['metadata'] as Json)['annotations'] as Json)['linkerd.io/created-by'], `sinew/proxy-injector ${version}`);
  });

  it('applies the namespace\'s config annotations below the pod\'s, and copies those the pod lacks onto it', () => {
    const pod = podOfWeb();
    ((pod['metadata'] as Json)['annotations'] as Json)['config.linkerd.io/proxy-log-level'] = 'pod';
    const ns = { 'linkerd.io/inject': 'enabled', 'config.linkerd.io/proxy-log-level': 'ns', 'config.linkerd.io/default-inbound-policy': 'deny' };
    const result = injectAdmittedPod(pod, ns, webhook);
    assert.ok(result.injected);
    const proxy = proxyOf(result.pod);
    assert.match(envValue(proxy, 'LINKERD2_PROXY_LOG') ?? '', /^pod,/);
    assert.equal(envValue(proxy, 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY'), 'deny');
    const annotations = (result.pod['metadata'] as Json)['annotations'] as Json;
    assert.equal(annotations['config.linkerd.io/default-inbound-policy'], 'deny');
    assert.equal(annotations['config.linkerd.io/proxy-log-level'], 'pod');
  });

  it('leaves a Pod that already has a proxy alone', () => {
    const once = injectAdmittedPod(podOfWeb(), { 'linkerd.io/inject': 'enabled' }, webhook);
    assert.ok(once.injected);
    const twice = injectAdmittedPod(once.pod, { 'linkerd.io/inject': 'enabled' }, webhook);
    assert.equal(twice.injected, false);
    assert.equal(twice.injected ? '' : twice.reason, 'sidecar_already_exists');
  });
});
