/**
 * Injection's laws, over the manifest corpus and over generated workloads and configurations:
 * injecting twice is injecting once, un-injecting an injection gives back the object, neither
 * changes its input, and an injected pod is well formed.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { injectWorkload, type InjectOptions } from '../../src/inject/inject.js';
import { defaultMeshConfig, type MeshConfig } from '../../src/inject/proxy-config.js';
import { uninjectWorkload } from '../../src/inject/uninject.js';
import { containersOf, deepFrozen, loadCorpus, podSpecOf, templateOf, type Json } from './corpus.js';

const corpus = loadCorpus();

function options(mesh: MeshConfig, mode: 'manual' | 'annotate', overrides: Readonly<Record<string, string>> = {}): InjectOptions {
  return { mesh, mode, origin: 'cli', createdBy: 'sinew/cli v0.1.0', overrides };
}

const inject = (x: Json, o: InjectOptions) => injectWorkload(x, o).object;
const uninject = (x: Json) => uninjectWorkload(x).object;
/** What `sinew inject` does to one object: uninject, then inject. */
const cliInject = (x: Json, o: InjectOptions) => inject(uninject(x), o);

const anchors = '-----BEGIN CERTIFICATE-----\nMIIBanchor\n-----END CERTIFICATE-----\n';
const meshes: readonly [string, MeshConfig][] = [
  ['native', defaultMeshConfig({ trustAnchorsPem: anchors })],
  ['classic', defaultMeshConfig({ proxy: { nativeSidecar: false } })],
  ['classic without await', defaultMeshConfig({ proxy: { nativeSidecar: false, await: false } })],
];

/** Checks the shape every injected pod must have. */
function assertWellFormed(object: Json, mesh: MeshConfig): void {
  const spec = podSpecOf(object);
  const init = containersOf(object, 'initContainers');
  const containers = containersOf(object);
  const all = [...init, ...containers];
  assert.equal(all.filter((c) => c.name === 'linkerd-proxy').length, 1, 'one proxy');
  assert.equal(init.filter((c) => c.name === 'linkerd-init').length, 1, 'one linkerd-init');
  assert.equal(new Set(all.map((c) => c.name)).size, all.length, 'container names are unique');
  const volumes = new Set(((spec['volumes'] ?? []) as Json[]).map((v) => v['name']));
  assert.equal(volumes.size, ((spec['volumes'] ?? []) as Json[]).length, 'volume names are unique');
  for (const c of all.filter((c) => c.name.startsWith('linkerd-'))) {
    for (const mount of (c['volumeMounts'] ?? []) as Json[]) assert.ok(volumes.has(mount['name']), `${c.name} mounts ${String(mount['name'])}`);
  }
  if (mesh.proxy.nativeSidecar) {
    assert.deepEqual(init.slice(0, 2).map((c) => c.name), ['linkerd-init', 'linkerd-proxy']);
    assert.equal(init[1]?.['restartPolicy'], 'Always');
  } else {
    assert.equal(init.at(-1)?.name, 'linkerd-init');
    assert.equal((mesh.proxy.await ? containers[0] : containers.at(-1))?.name, 'linkerd-proxy');
  }
}

describe('injection over the manifest corpus', () => {
  it('holds enough objects of every kind to mean something', () => {
    const kinds = new Set(corpus.map((c) => c.object['kind']));
    for (const kind of ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod', 'Namespace', 'Service']) {
      assert.ok(kinds.has(kind), `the corpus has a ${kind}`);
    }
    assert.ok(corpus.length >= 25, `${corpus.length} objects`);
  });

  for (const [layout, mesh] of meshes) {
    for (const mode of ['manual', 'annotate'] as const) {
      it(`${mode}, ${layout}: injecting twice equals injecting once, for the API and for the CLI`, () => {
        for (const { name, object } of corpus) {
          const once = inject(object, options(mesh, mode));
          assert.deepStrictEqual(inject(once, options(mesh, mode)), once, name);
          const cliOnce = cliInject(object, options(mesh, mode));
          assert.deepStrictEqual(cliInject(cliOnce, options(mesh, mode)), cliOnce, name);
        }
      });

      it(`${mode}, ${layout}: uninjecting an injected object gives back every object that was not meshed`, () => {
        let clean = 0;
        for (const { name, object } of corpus) {
          if (!isDeepStrictEqual(uninject(object), object)) continue;
          clean += 1;
          assert.deepStrictEqual(uninject(inject(object, options(mesh, mode))), object, name);
        }
        assert.ok(clean >= corpus.length - 3, `${clean} of ${corpus.length} objects were not meshed`);
      });
    }

    it(`manual, ${layout}: every injected object is well formed, and the inputs are never changed`, () => {
      let injected = 0;
      for (const { name, object } of corpus) {
        const result = injectWorkload(deepFrozen(uninject(object)), options(mesh, 'manual'));
        uninjectWorkload(deepFrozen(result.object));
        if (result.report.outcome !== 'injected' || object['kind'] === 'Namespace') continue;
        injected += 1;
        try {
          assertWellFormed(result.object, mesh);
        } catch (error) {
          throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
        }
      }
      assert.ok(injected >= 15, `${injected} injected`);
    });
  }

  it('uninjecting twice equals uninjecting once', () => {
    for (const { name, object } of corpus) assert.deepStrictEqual(uninject(uninject(object)), uninject(object), name);
  });
});

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Generated workloads.

const dnsName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const kinds = ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod'] as const;

const port = fc.record({
  containerPort: fc.integer({ min: 1, max: 65535 }),
  name: fc.option(fc.constantFrom('http', 'grpc', 'metrics', 'redis', 'admin'), { nil: undefined }),
  protocol: fc.option(fc.constantFrom('TCP', 'UDP', 'SCTP'), { nil: undefined }),
}, { requiredKeys: ['containerPort'] });

const container = (restartable: boolean) => fc.record({
  name: dnsName,
  image: fc.constantFrom('nginx:1.27', 'busybox', 'registry.example.com/app:1'),
  ports: fc.option(fc.array(port, { maxLength: 3 }), { nil: undefined }),
  env: fc.option(fc.array(fc.record({ name: fc.constantFrom('A', 'B', 'LOG'), value: fc.string({ maxLength: 5 }) }), { maxLength: 2 }), { nil: undefined }),
  restartPolicy: restartable ? fc.option(fc.constant('Always'), { nil: undefined }) : fc.constant(undefined),
}, { requiredKeys: ['name', 'image'] });

function uniqueByName<T extends { name: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.name) && seen.add(item.name) !== undefined);
}

const stringMap = (keys: readonly string[], values: fc.Arbitrary<string>) => fc.dictionary(fc.constantFrom(...keys), values, { maxKeys: 3 });

const templateMetadata = fc.record({
  labels: stringMap(['app', 'tier', 'version'], dnsName),
  annotations: stringMap(
    ['prometheus.io/scrape', 'config.linkerd.io/proxy-log-level', 'config.linkerd.io/opaque-ports', 'config.linkerd.io/admin-port', 'example.com/owner'],
    fc.constantFrom('true', 'debug', 'http,5432', '9999', 'not a port', 'team-a'),
  ),
  disabled: fc.boolean(),
}, { requiredKeys: [] });

const podSpec = fc.record({
  containers: fc.array(container(false), { minLength: 1, maxLength: 3 }).map(uniqueByName),
  initContainers: fc.option(fc.array(container(true), { maxLength: 2 }).map(uniqueByName), { nil: undefined }),
  volumes: fc.option(fc.array(fc.record({ name: dnsName, emptyDir: fc.constant({}) }), { maxLength: 2 }).map(uniqueByName), { nil: undefined }),
  hostNetwork: fc.option(fc.boolean(), { nil: undefined }),
  serviceAccountName: fc.option(dnsName, { nil: undefined }),
}, { requiredKeys: ['containers'] });

/**
 * Drops keys whose value is undefined or an empty list (the API server keeps neither, and
 * un-injection removes a list it leaves empty).
 */
function defined(object: Record<string, unknown>): Json {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
}

const workload = fc.record({
  kind: fc.constantFrom(...kinds),
  name: dnsName,
  namespace: fc.option(dnsName, { nil: undefined }),
  metadata: fc.option(templateMetadata, { nil: undefined }),
  spec: podSpec,
  selectControlPlaneNs: fc.boolean(),
}).map(({ kind, name, namespace, metadata, spec, selectControlPlaneNs }) => {
  const podSpecJson = defined({
    ...spec,
    containers: spec.containers.map((c) => defined({ ...c, ports: c.ports?.map((p) => defined(p)) })),
    initContainers: spec.initContainers?.map((c) => defined({ ...c, ports: c.ports?.map((p) => defined(p)) })),
  });
  let templateMeta: Json | undefined;
  if (metadata !== undefined) {
    const annotations = { ...metadata.annotations, ...(metadata.disabled === true ? { 'linkerd.io/inject': 'disabled' } : {}) };
    // A selector may use an injection label (a control plane's Deployments do): it must survive both ways.
    const selected = selectControlPlaneNs && kind !== 'Pod' && kind !== 'CronJob';
    const labels = { ...metadata.labels, ...(selected ? { 'linkerd.io/control-plane-ns': 'linkerd' } : {}) };
    templateMeta = defined({
      labels: Object.keys(labels).length > 0 ? labels : undefined,
      annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
    });
    if (Object.keys(templateMeta).length === 0) templateMeta = undefined;
  }
  const objectMeta = defined({ name, namespace });
  if (kind === 'Pod') return defined({ apiVersion: 'v1', kind, metadata: { ...objectMeta, ...templateMeta }, spec: podSpecJson });
  const template = defined({ metadata: templateMeta, spec: podSpecJson });
  const selector = templateMeta?.['labels'] !== undefined ? { matchLabels: templateMeta['labels'] } : undefined;
  if (kind === 'CronJob') return { apiVersion: 'batch/v1', kind, metadata: objectMeta, spec: { schedule: '@daily', jobTemplate: { spec: { template } } } };
  return { apiVersion: kind === 'ReplicationController' ? 'v1' : 'apps/v1', kind, metadata: objectMeta, spec: defined({ selector, template }) };
}).map((object) => JSON.parse(JSON.stringify(object)) as Json);

const mesh = fc.record({
  controllerNamespace: fc.constantFrom('linkerd', 'mesh'),
  trustAnchorsPem: fc.option(fc.constant(anchors), { nil: undefined }),
  nativeSidecar: fc.boolean(),
  await: fc.boolean(),
  inbound: fc.integer({ min: 1024, max: 65535 }),
  cpuLimit: fc.option(fc.constantFrom('500m', '2', '1500m'), { nil: undefined }),
}).map((m) => defaultMeshConfig({
  controllerNamespace: m.controllerNamespace,
  ...(m.trustAnchorsPem === undefined ? {} : { trustAnchorsPem: m.trustAnchorsPem }),
  proxy: {
    nativeSidecar: m.nativeSidecar, await: m.await,
    ports: { inbound: m.inbound, outbound: 4140, admin: 4191, control: 4190 },
    resources: m.cpuLimit === undefined ? {} : { cpuLimit: m.cpuLimit },
  },
}));

const overrides = fc.dictionary(
  fc.constantFrom('config.linkerd.io/proxy-log-level', 'config.linkerd.io/skip-outbound-ports', 'config.beta.linkerd.io/proxy-enable-native-sidecar'),
  fc.constantFrom('debug', '443,6443', 'false', 'true'),
  { maxKeys: 2 },
);

describe('injection over generated workloads and configurations', () => {
  it('uninjecting an injected workload gives it back, in both modes and both layouts', () => {
    fc.assert(fc.property(workload, mesh, fc.constantFrom('manual', 'annotate' as const), overrides, (x, m, mode, o) => {
      const manualOnly = mode === 'manual' ? o : {};
      assert.deepStrictEqual(uninject(x), x);
      assert.deepStrictEqual(uninject(inject(x, options(m, mode, manualOnly))), x);
    }), { numRuns: 400 });
  });

  it('injecting twice equals injecting once, and never changes its input', () => {
    fc.assert(fc.property(workload, mesh, fc.constantFrom('manual', 'annotate' as const), overrides, (x, m, mode, o) => {
      const once = injectWorkload(deepFrozen(x), options(m, mode, o)).object;
      assert.deepStrictEqual(inject(deepFrozen(once), options(m, mode, o)), once);
      assert.deepStrictEqual(cliInject(once, options(m, mode, o)), cliInject(x, options(m, mode, o)));
    }), { numRuns: 400 });
  });

  it('an injected workload is well formed and keeps matching its selector', () => {
    fc.assert(fc.property(workload, mesh, (x, m) => {
      const result = injectWorkload(x, options(m, 'manual'));
      if (result.report.outcome !== 'injected') return;
      assertWellFormed(result.object, m);
      const selector = ((result.object['spec'] as Json | undefined)?.['selector'] as Json | undefined)?.['matchLabels'] as Record<string, string> | undefined;
      const labels = (templateOf(result.object)['metadata'] as Json)['labels'] as Record<string, string>;
      for (const [key, value] of Object.entries(selector ?? {})) assert.equal(labels[key], value, `selector label ${key}`);
    }), { numRuns: 300 });
  });

  it('skips exactly the workloads Linkerd skips: hostNetwork and inject: disabled', () => {
    fc.assert(fc.property(workload, (x) => {
      const result = injectWorkload(x, options(defaultMeshConfig(), 'manual'));
      const spec = podSpecOf(x);
      const annotations = (templateOf(x)['metadata'] as Json | undefined)?.['annotations'] as Record<string, string> | undefined;
      const disabled = annotations?.['linkerd.io/inject'] === 'disabled';
      assert.equal(result.report.outcome === 'skipped', spec['hostNetwork'] === true || disabled);
      assert.equal(result.report.udp, containersOf(x).some((c) => ((c['ports'] ?? []) as Json[]).some((p) => p['protocol'] === 'UDP')));
    }), { numRuns: 300 });
  });
});
