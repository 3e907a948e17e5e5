/**
 * What `sinew install` renders for the control plane, checked against Linkerd's names, ports,
 * labels and webhook registrations, and against itself: every Service selects a Deployment's pods
 * and targets a port its container declares; every volume a container mounts exists.
 */
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { sinewVersion } from '../../src/cli/sinew-version.js';
import { at, containerOf, type KubeJson, ofKind, only, rendered } from './install-run.js';

interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number | string;
}

function servicesOf(objects: readonly KubeJson[]): Record<string, { headless: boolean; ports: readonly ServicePort[] }> {
  return Object.fromEntries(ofKind(objects, 'Service').map((service) => [service.metadata.name, {
    headless: at(service, 'spec', 'clusterIP') === 'None',
    ports: (at(service, 'spec', 'ports') as ServicePort[]).map(({ name, port, targetPort }) => ({ name, port, targetPort })),
  }]));
}

describe('control-plane manifests', function () {
  this.timeout(30_000);
  let objects: KubeJson[];
  before(async () => { objects = await rendered(); });

  it('renders the namespace labelled as Linkerd\'s control plane, with admission webhooks disabled in it', () => {
    const namespace = only(objects, 'Namespace', 'linkerd');
    assert.deepEqual(namespace.metadata.labels, {
      'linkerd.io/is-control-plane': 'true', 'config.linkerd.io/admission-webhooks': 'disabled',
      'linkerd.io/control-plane-ns': 'linkerd', 'pod-security.kubernetes.io/enforce': 'privileged',
    });
    assert.deepEqual(namespace.metadata.annotations, { 'linkerd.io/inject': 'disabled' });
    assert.equal(objects[0]?.kind, 'Namespace', 'the namespace comes first, so kubectl creates it before what lives in it');
  });

  it('names the Services and their ports as Linkerd does', () => {
    assert.deepEqual(servicesOf(objects), {
      'linkerd-dst': { headless: false, ports: [{ name: 'grpc', port: 8086, targetPort: 8086 }] },
      'linkerd-dst-headless': { headless: true, ports: [{ name: 'grpc', port: 8086, targetPort: 8086 }] },
      'linkerd-sp-validator': { headless: false, ports: [{ name: 'sp-validator', port: 443, targetPort: 'policy-https' }] },
      'linkerd-policy': { headless: true, ports: [{ name: 'grpc', port: 8090, targetPort: 8090 }] },
      'linkerd-policy-validator': { headless: false, ports: [{ name: 'policy-https', port: 443, targetPort: 'policy-https' }] },
      'linkerd-identity': { headless: false, ports: [{ name: 'grpc', port: 8080, targetPort: 8080 }] },
      'linkerd-identity-headless': { headless: true, ports: [{ name: 'grpc', port: 8080, targetPort: 8080 }] },
      'linkerd-proxy-injector': { headless: false, ports: [{ name: 'proxy-injector', port: 443, targetPort: 'proxy-injector' }] },
    });
  });

  it('points every Service at one Deployment\'s pods and a port their container declares', () => {
    const ports: Record<string, number> = {
      'linkerd-dst': 8086, 'linkerd-dst-headless': 8086, 'linkerd-policy': 8090, 'linkerd-sp-validator': 9443,
      'linkerd-policy-validator': 9443, 'linkerd-identity': 8080, 'linkerd-identity-headless': 8080, 'linkerd-proxy-injector': 8443,
    };
    for (const service of ofKind(objects, 'Service')) {
      const selector = at(service, 'spec', 'selector') as Record<string, string>;
      const selected = ofKind(objects, 'Deployment').filter((deployment) => {
        const labels = at(deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
        return Object.entries(selector).every(([key, value]) => labels[key] === value);
      });
      assert.equal(selected.length, 1, `${service.metadata.name} selects ${selected.length} deployments`);
      const deployment = selected[0] as KubeJson;
      const declared = (at(deployment, 'spec', 'template', 'spec', 'containers') as { ports?: { name: string; containerPort: number }[] }[])
        .flatMap((container) => container.ports ?? []);
      const target = (at(service, 'spec', 'ports', 0, 'targetPort')) as number | string;
      const port = declared.find((candidate) => candidate.name === target || candidate.containerPort === target);
      assert.equal(port?.containerPort, ports[service.metadata.name], `${service.metadata.name} → ${String(target)}`);
    }
  });

  it('runs each component as one sinew control-plane container, with these flags', () => {
    const args = (name: string, container: string): unknown => containerOf(only(objects, 'Deployment', name), container)['args'];
    const common = ['--controller-namespace=linkerd', '--identity-trust-domain=cluster.local', '--admin-addr=0.0.0.0:9996', '--log-level=info', '--log-format=plain'];
    assert.deepEqual(args('linkerd-destination', 'destination'), [
      'control-plane', '--components=destination,policy', '--destination-addr=0.0.0.0:8086', '--policy-addr=0.0.0.0:8090',
      '--admission-addr=0.0.0.0:9443', '--admission-tls-dir=/var/run/linkerd/tls', '--cluster-domain=cluster.local',
      '--cluster-networks=10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8', '--default-inbound-policy=all-unauthenticated',
      ...common,
    ]);
    assert.deepEqual(args('linkerd-identity', 'identity'), [
      'control-plane', '--components=identity', '--identity-addr=0.0.0.0:8080', '--identity-issuer-dir=/var/run/linkerd/identity/issuer',
      '--identity-trust-anchors-file=/var/run/linkerd/identity/trust-roots/ca-bundle.crt', '--identity-issuance-lifetime=24h0m0s',
      '--identity-clock-skew-allowance=20s', ...common,
    ]);
    assert.deepEqual(args('linkerd-proxy-injector', 'proxy-injector'), [
      'control-plane', '--components=injector', '--injector-addr=0.0.0.0:8443', '--injector-tls-dir=/var/run/linkerd/tls',
      '--injector-config=/var/run/linkerd/config/values', ...common,
    ]);
    for (const deployment of ofKind(objects, 'Deployment')) {
      for (const container of at(deployment, 'spec', 'template', 'spec', 'containers') as Record<string, unknown>[]) {
        if (!Array.isArray(container['args']) || container['args'][0] !== 'control-plane') continue;
        assert.equal(container['image'], `ghcr.io/sinew-mesh/sinew:v${sinewVersion()}`);
        assert.deepEqual(at(container, 'readinessProbe', 'httpGet'), { path: '/ready', port: 9996 });
        assert.deepEqual(at(container, 'livenessProbe', 'httpGet'), { path: '/live', port: 9996 });
        assert.equal(at(container, 'securityContext', 'runAsUser'), 2103);
        assert.equal(at(container, 'securityContext', 'allowPrivilegeEscalation'), false);
      }
    }
  });

  it('meshes every control-plane pod with the Sinew proxy, as Linkerd meshes its own', () => {
    const env = (deployment: KubeJson, name: string): unknown => {
      const proxy = (at(deployment, 'spec', 'template', 'spec', 'initContainers') as Record<string, unknown>[]).find((container) => container['name'] === 'linkerd-proxy');
      assert.ok(proxy !== undefined, `${deployment.metadata.name} has no linkerd-proxy`);
      assert.equal(proxy['restartPolicy'], 'Always', 'a native sidecar');
      const variable = (proxy['env'] as { name: string; value?: string; valueFrom?: unknown }[]).find((candidate) => candidate.name === name);
      return variable?.value ?? variable?.valueFrom;
    };
    for (const deployment of ofKind(objects, 'Deployment')) {
      const name = deployment.metadata.name;
      assert.equal(at(deployment, 'spec', 'template', 'metadata', 'labels', 'linkerd.io/proxy-deployment'), name);
      assert.deepEqual(env(deployment, 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS'), { configMapKeyRef: { name: 'linkerd-identity-trust-roots', key: 'ca-bundle.crt' } });
      assert.equal(env(deployment, 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY'), 'all-unauthenticated', 'webhook calls come from outside the mesh');
      assert.equal(env(deployment, 'LINKERD2_PROXY_IDENTITY_SVC_ADDR'), name === 'linkerd-identity' ? 'localhost.:8080' : 'linkerd-identity-headless.linkerd.svc.cluster.local.:8080');
      assert.equal(env(deployment, 'LINKERD2_PROXY_DESTINATION_SVC_ADDR'), name === 'linkerd-destination' ? 'localhost.:8086' : 'linkerd-dst-headless.linkerd.svc.cluster.local.:8086');
      const init = (at(deployment, 'spec', 'template', 'spec', 'initContainers') as Record<string, unknown>[]).find((container) => container['name'] === 'linkerd-init');
      const initArgs = init?.['args'] as string[];
      assert.equal(initArgs[initArgs.indexOf('--outbound-ports-to-ignore') + 1], '443,6443', `${name} reaches the API server around its proxy`);
    }
    assert.equal(at(only(objects, 'Deployment', 'linkerd-identity'), 'spec', 'template', 'metadata', 'annotations', 'config.linkerd.io/proxy-await'), 'disabled');
    assert.equal(env(only(objects, 'Deployment', 'linkerd-proxy-injector'), 'LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION'), '8443');
  });

  it('mounts what each component reads: the issuer Secret and trust roots, the webhook Secrets, linkerd-config', () => {
    const mounts = (name: string, container: string): Record<string, string> => {
      const deployment = only(objects, 'Deployment', name);
      const volumes = at(deployment, 'spec', 'template', 'spec', 'volumes') as Record<string, unknown>[];
      return Object.fromEntries((containerOf(deployment, container)['volumeMounts'] as { name: string; mountPath: string }[]).map((mount) => {
        const volume = volumes.find((candidate) => candidate['name'] === mount.name);
        assert.ok(volume !== undefined, `${name} mounts ${mount.name}, which is no volume`);
        const source = at(volume, 'secret', 'secretName') ?? at(volume, 'configMap', 'name');
        assert.ok(ofKind(objects, 'Secret').concat(ofKind(objects, 'ConfigMap')).some((object) => object.metadata.name === source), `${String(source)} is not rendered`);
        return [mount.mountPath, String(source)];
      }));
    };
    assert.deepEqual(mounts('linkerd-destination', 'destination'), { '/var/run/linkerd/tls': 'linkerd-policy-validator-k8s-tls' });
    assert.deepEqual(mounts('linkerd-identity', 'identity'), {
      '/var/run/linkerd/identity/issuer': 'linkerd-identity-issuer', '/var/run/linkerd/identity/trust-roots': 'linkerd-identity-trust-roots',
    });
    assert.deepEqual(mounts('linkerd-proxy-injector', 'proxy-injector'), {
      '/var/run/linkerd/config': 'linkerd-config', '/var/run/linkerd/identity/trust-roots': 'linkerd-identity-trust-roots',
      '/var/run/linkerd/tls': 'linkerd-proxy-injector-k8s-tls',
    });
  });

  it('registers the webhooks with Linkerd\'s names, rules, selectors and AdmissionReview v1, each at its Service and path', () => {
    const injector = at(only(objects, 'MutatingWebhookConfiguration', 'linkerd-proxy-injector-webhook-config'), 'webhooks', 0) as Record<string, unknown>;
    assert.equal(injector['name'], 'linkerd-proxy-injector.linkerd.io');
    assert.deepEqual(at(injector, 'clientConfig', 'service'), { name: 'linkerd-proxy-injector', namespace: 'linkerd', path: '/', port: 443 });
    assert.deepEqual(injector['rules'], [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
    assert.deepEqual(at(injector, 'namespaceSelector', 'matchExpressions'), [
      { key: 'config.linkerd.io/admission-webhooks', operator: 'NotIn', values: ['disabled'] },
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'cert-manager', 'linkerd'] },
    ]);
    assert.deepEqual(at(injector, 'objectSelector', 'matchExpressions'), [
      { key: 'linkerd.io/control-plane-component', operator: 'DoesNotExist' }, { key: 'linkerd.io/cni-resource', operator: 'DoesNotExist' },
    ]);
    const sp = at(only(objects, 'ValidatingWebhookConfiguration', 'linkerd-sp-validator-webhook-config'), 'webhooks', 0) as Record<string, unknown>;
    assert.equal(sp['name'], 'linkerd-sp-validator.linkerd.io');
    assert.deepEqual(at(sp, 'clientConfig', 'service'), { name: 'linkerd-sp-validator', namespace: 'linkerd', path: '/sp', port: 443 });
    assert.deepEqual(sp['rules'], [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['linkerd.io'], apiVersions: ['v1alpha1', 'v1alpha2'], resources: ['serviceprofiles'] }]);
    const policy = at(only(objects, 'ValidatingWebhookConfiguration', 'linkerd-policy-validator-webhook-config'), 'webhooks', 0) as Record<string, unknown>;
    assert.equal(policy['name'], 'linkerd-policy-validator.linkerd.io');
    assert.deepEqual(at(policy, 'clientConfig', 'service'), { name: 'linkerd-policy-validator', namespace: 'linkerd', path: '/policy', port: 443 });
    assert.deepEqual(at(policy, 'rules', 0, 'resources'),
      ['authorizationpolicies', 'httproutes', 'meshtlsauthentications', 'networkauthentications', 'serverauthorizations', 'servers']);
    assert.deepEqual(at(policy, 'rules', 1), { operations: ['CREATE', 'UPDATE'], apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], resources: ['httproutes', 'grpcroutes'] });
    for (const webhook of [injector, sp, policy]) {
      assert.equal(webhook['sideEffects'], 'None');
      assert.deepEqual(webhook['admissionReviewVersions'], ['v1']);
      assert.equal(webhook['failurePolicy'], 'Ignore');
      assert.match(String(at(webhook, 'clientConfig', 'caBundle')), /^[A-Za-z0-9+/]+=*$/);
    }
    const kinds = objects.map((object) => object.kind);
    assert.ok(kinds.lastIndexOf('Deployment') < kinds.indexOf('MutatingWebhookConfiguration'), 'webhooks are registered after the Deployments');
  });

  it('records the install\'s values in linkerd-config, without any private key, and the anchors in linkerd-identity-trust-roots', () => {
    const config = only(objects, 'ConfigMap', 'linkerd-config');
    const text = String(at(config, 'data', 'values'));
    assert.doesNotMatch(text, /PRIVATE KEY/);
    const values = parse(text) as Record<string, unknown>;
    assert.equal(values['identityTrustDomain'], 'cluster.local');
    assert.equal(at(values, 'proxy', 'image', 'name'), 'ghcr.io/sinew-mesh/sinew');
    assert.deepEqual(at(values, 'proxy', 'ports'), { admin: 4191, control: 4190, inbound: 4143, outbound: 4140 });
    assert.equal(at(values, 'proxy', 'uid'), 2102);
    const anchors = String(at(only(objects, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt'));
    assert.equal(values['identityTrustAnchorsPEM'], anchors);
    assert.match(anchors, /^-----BEGIN CERTIFICATE-----\n/);
    for (const object of objects) {
      if (object.kind !== 'Secret') assert.doesNotMatch(JSON.stringify(object), /PRIVATE KEY/, `${object.kind}/${object.metadata.name} holds a key`);
    }
  });

  it('labels every namespaced object with its namespace and every object with the control plane\'s namespace', () => {
    for (const object of objects) {
      if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].includes(object.kind)) {
        assert.equal(object.metadata.namespace, 'linkerd', `${object.kind}/${object.metadata.name}`);
      }
      assert.equal(object.metadata.labels?.['linkerd.io/control-plane-ns'], 'linkerd', `${object.kind}/${object.metadata.name}`);
    }
  });

  describe('--ha', () => {
    let ha: KubeJson[];
    before(async () => { ha = await rendered('--ha'); });

    it('runs 3 replicas of each component, spread across nodes, each with a PodDisruptionBudget', () => {
      for (const deployment of ofKind(ha, 'Deployment')) {
        assert.equal(at(deployment, 'spec', 'replicas'), 3);
        const component = deployment.metadata.labels?.['linkerd.io/control-plane-component'];
        assert.deepEqual(at(deployment, 'spec', 'template', 'spec', 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'), [{
          labelSelector: { matchExpressions: [{ key: 'linkerd.io/control-plane-component', operator: 'In', values: [component] }] },
          topologyKey: 'kubernetes.io/hostname',
        }]);
        assert.ok(at(containerOf(deployment, String(component)), 'resources', 'requests', 'memory') !== undefined);
      }
      const budgets = ofKind(ha, 'PodDisruptionBudget');
      assert.deepEqual(budgets.map((budget) => budget.metadata.name).sort(), ['linkerd-dst', 'linkerd-identity', 'linkerd-proxy-injector']);
      for (const budget of budgets) {
        assert.equal(at(budget, 'spec', 'maxUnavailable'), 1);
        const selector = at(budget, 'spec', 'selector', 'matchLabels') as Record<string, string>;
        assert.ok(ofKind(ha, 'Deployment').some((deployment) => JSON.stringify(at(deployment, 'spec', 'selector', 'matchLabels')) === JSON.stringify(selector)));
      }
    });

    it('makes the webhooks fail closed', () => {
      for (const configuration of [...ofKind(ha, 'MutatingWebhookConfiguration'), ...ofKind(ha, 'ValidatingWebhookConfiguration')]) {
        assert.equal(at(configuration, 'webhooks', 0, 'failurePolicy'), 'Fail');
      }
    });

    it('lets flags override the HA defaults', async () => {
      for (const deployment of ofKind(await rendered('--ha', '--controller-replicas', '2'), 'Deployment')) assert.equal(at(deployment, 'spec', 'replicas'), 2);
      assert.deepEqual(ofKind(objects, 'PodDisruptionBudget'), [], 'no budgets without --ha');
    });
  });

  it('puts everything in another namespace with -L, the webhooks and flags following it', async () => {
    const custom = await rendered('-L', 'mesh', '--identity-trust-domain', 'example.org');
    assert.ok(custom.every((object) => object.metadata.namespace === undefined || object.metadata.namespace === 'mesh'));
    assert.equal(at(only(custom, 'MutatingWebhookConfiguration', 'linkerd-proxy-injector-webhook-config'), 'webhooks', 0, 'clientConfig', 'service', 'namespace'), 'mesh');
    const args = containerOf(only(custom, 'Deployment', 'linkerd-identity'), 'identity')['args'] as string[];
    assert.ok(args.includes('--controller-namespace=mesh') && args.includes('--identity-trust-domain=example.org'), args.join(' '));
    assert.ok(ofKind(custom, 'ClusterRole').every((role) => role.metadata.name.startsWith('linkerd-mesh-')));
  });
});
