/**
 * `sinew viz install`'s manifests: every object conforms to the Kubernetes OpenAPI schemas (no
 * field the schemas do not define) in every variant, as YAML and as JSON; and the objects say what
 * the components need: the namespace as Linkerd-viz's, each component's command and port, the tap
 * server's own identity past its proxy, the dashboard's Host pattern, Prometheus' configuration with
 * the metrics API's scrape job, and no Prometheus at all with --prometheus-url.
 */
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { main } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { proxyScrapeJob } from '../../src/viz/prometheus-config.js';
import { at, containerOf, type KubeJson, ofKind, only } from '../install/install-run.js';
import { describeSchemaProblems } from '../install/kubernetes-schemas.js';
import { type AnchorsFile, anchorsFile, refsOf, renderedViz, runVizInstall } from './install-harness.js';

describe('sinew viz install: manifests', function () {
  this.timeout(60_000);
  let anchors: AnchorsFile;
  before(async () => { anchors = await anchorsFile(); });
  after(() => anchors.remove());

  const variants: readonly (readonly string[])[] = [
    [],
    ['--ha'],
    ['--prometheus-url', 'http://prometheus.monitoring.svc.cluster.local:9090'],
    ['--viz-namespace', 'observability', '-L', 'mesh', '--cluster-domain', 'corp.example', '--identity-trust-domain', 'mesh.example'],
    ['--ha', '--image', 'registry.example/sinew:dev', '--image-pull-policy', 'Always', '--prometheus-image', 'registry.example/prometheus:v3.0.0',
      '--dashboard-enforced-host', '^dashboard\\.example\\.com$'],
  ];

  for (const args of variants) {
    it(`sinew viz install ${args.join(' ') || '(defaults)'}: every object conforms`, async () => {
      const objects = await renderedViz(anchors, ...args);
      assert.ok(objects.length >= 15, String(objects.length));
      assert.deepEqual(await describeSchemaProblems(objects), []);
    });
  }

  it('-o json is one v1 List whose items are the YAML output\'s objects, each conforming', async () => {
    const json = await runVizInstall('--ignore-cluster', '--identity-trust-anchors-file', anchors.file, '--ha', '-o', 'json');
    assert.equal(json.code, 0, json.err);
    const list = JSON.parse(json.out) as { apiVersion: string; kind: string; items: KubeJson[] };
    assert.equal(list.kind, 'List');
    assert.deepEqual(refsOf(list.items), refsOf(await renderedViz(anchors, '--ha')));
    assert.deepEqual(await describeSchemaProblems(list.items), []);
  });

  it('renders the namespace first, as Linkerd-viz labels and annotates it, then RBAC, ConfigMaps, Services and Deployments', async () => {
    const objects = await renderedViz(anchors);
    const namespace = only(objects, 'Namespace', 'linkerd-viz');
    assert.equal(objects[0], namespace);
    assert.deepEqual(namespace.metadata.labels, { 'linkerd.io/extension': 'viz' });
    assert.deepEqual(namespace.metadata.annotations, { 'linkerd.io/inject': 'enabled', 'config.linkerd.io/proxy-await': 'enabled' });
    const order = objects.map((object) => object.kind).filter((kind, index, kinds) => kinds.indexOf(kind) === index);
    assert.deepEqual(order, ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Service', 'Deployment']);
    for (const object of objects.slice(1)) {
      if (object.kind !== 'ClusterRole' && object.kind !== 'ClusterRoleBinding') assert.equal(object.metadata.namespace, 'linkerd-viz', refsOf([object])[0]);
      assert.equal(object.metadata.labels?.['linkerd.io/extension'], 'viz', refsOf([object])[0]);
    }
  });

  it('runs each component from the one sinew image with its port, Service and injected pod', async () => {
    const objects = await renderedViz(anchors);
    const expected = { 'metrics-api': 8085, tap: 8089, web: 8084, prometheus: 9090 } as const;
    assert.deepEqual(ofKind(objects, 'Deployment').map((d) => d.metadata.name), Object.keys(expected));
    for (const [name, port] of Object.entries(expected)) {
      const deployment = only(objects, 'Deployment', name);
      const container = containerOf(deployment, name);
      assert.equal((container['ports'] as { containerPort: number }[])[0]?.containerPort, port);
      assert.equal(at(deployment, 'spec', 'template', 'metadata', 'annotations', 'linkerd.io/inject'), 'enabled');
      assert.equal(at(deployment, 'spec', 'template', 'spec', 'serviceAccountName'), name);
      const service = only(objects, 'Service', name);
      assert.deepEqual(at(service, 'spec', 'ports', 0, 'port'), port);
      const selector = at(service, 'spec', 'selector') as Record<string, string>;
      const podLabels = at(deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
      for (const [key, value] of Object.entries(selector)) assert.equal(podLabels[key], value, `${name}: ${key}`);
      if (name !== 'prometheus') {
        assert.equal(container['image'], 'ghcr.io/sinew-mesh/sinew:v0.1.0');
        assert.equal((container['args'] as string[])[0], 'viz');
      }
    }
    assert.equal(containerOf(only(objects, 'Deployment', 'prometheus'), 'prometheus')['image'], 'prom/prometheus:v2.55.1');
  });

  it('gives the components the arguments their commands take, pointing at each other\'s Services', async () => {
    const objects = await renderedViz(anchors, '--viz-namespace', 'obs', '--cluster-domain', 'corp.example');
    const args = (name: string): string[] => containerOf(only(objects, 'Deployment', name), name)['args'] as string[];
    assert.deepEqual(args('metrics-api'), [
      'viz', 'metrics-api', '--addr=0.0.0.0:8085', '--source=kube', '--prometheus-url=http://prometheus.obs.svc.corp.example:9090',
      '--controller-namespace=linkerd', '--cluster-domain=corp.example', '--identity-trust-domain=corp.example', '--log-level=info',
    ]);
    assert.deepEqual(args('web'), [
      'viz', 'dashboard', '--address=0.0.0.0', '--port=8084', '--metrics-api-url=http://metrics-api.obs.svc.corp.example:8085',
      '--tap-url=http://tap.obs.svc.corp.example:8089', '--enforced-host=^(localhost|127\\.0\\.0\\.1|web\\.obs\\.svc\\.corp\\.example|web\\.obs\\.svc|\\[::1\\])(:\\d+)?$',
      '--log-level=info',
    ]);
    const host = new RegExp(args('web')[6]?.slice('--enforced-host='.length) ?? '');
    for (const good of ['localhost:50750', '127.0.0.1', 'web.obs.svc.corp.example:8084', 'web.obs.svc', '[::1]:8084']) assert.ok(host.test(good), good);
    for (const bad of ['evil.example', 'web.obs.svc.evil.example', 'localhost.evil.example']) assert.ok(!host.test(bad), bad);
    assert.ok(args('prometheus').includes('--config.file=/etc/prometheus/prometheus.yml'));
  });

  it('renders only flags each component\'s command accepts, and probes each where it answers', async () => {
    const objects = await renderedViz(anchors, '--ha', '-L', 'mesh');
    for (const name of ['metrics-api', 'tap', 'web']) {
      const container = containerOf(only(objects, 'Deployment', name), name);
      let out = '';
      let err = '';
      const code = await main([...(container['args'] as string[]), '--help'], { out: (text) => { out += text; }, err: (text) => { err += text; } });
      assert.equal(code, 0, `${name}: ${err}`);
      assert.match(out, /^Usage: sinew viz /, name);
    }
    const probes = Object.fromEntries(['metrics-api', 'tap', 'web'].map((name) => {
      const container = containerOf(only(objects, 'Deployment', name), name);
      return [name, [at(container, 'livenessProbe', 'httpGet', 'path') ?? at(container, 'livenessProbe', 'tcpSocket', 'port'),
        at(container, 'readinessProbe', 'httpGet', 'path') ?? at(container, 'readinessProbe', 'tcpSocket', 'port')]];
    }));
    assert.deepEqual(probes, { 'metrics-api': ['/live', '/ready'], tap: ['/live', '/ready'], web: ['http', 'http'] });
  });

  it('gives the tap server its own identity, its trust anchors and a token for identity, and keeps its proxy out of its mTLS', async () => {
    const objects = await renderedViz(anchors, '-L', 'mesh', '--identity-trust-domain', 'example.org');
    const tap = only(objects, 'Deployment', 'tap');
    assert.equal(at(tap, 'spec', 'template', 'metadata', 'annotations', 'config.linkerd.io/skip-outbound-ports'), '4190,8080');
    const args = containerOf(tap, 'tap')['args'] as string[];
    assert.deepEqual(args.slice(0, 4), ['viz', 'tap-server', '--addr=0.0.0.0:8089', '--source=kube']);
    assert.ok(args.includes('--identity-addr=linkerd-identity-headless.mesh.svc.cluster.local.:8080'), args.join(' '));
    assert.ok(args.includes('--identity-name=tap.linkerd-viz.serviceaccount.identity.mesh.example.org'), args.join(' '));
    assert.ok(args.includes('--identity-svc-name=linkerd-identity.mesh.serviceaccount.identity.mesh.example.org'), args.join(' '));
    const volumes = at(tap, 'spec', 'template', 'spec', 'volumes') as Record<string, unknown>[];
    const token = volumes.find((v) => v['name'] === 'tap-identity-token');
    assert.deepEqual(token?.['projected'], { sources: [{ serviceAccountToken: { audience: 'identity.l5d.io', path: 'token', expirationSeconds: 86400 } }] });
    const mounts = containerOf(tap, 'tap')['volumeMounts'] as { name: string; mountPath: string }[];
    const mountOf = (name: string): string | undefined => mounts.find((m) => m.name === name)?.mountPath;
    assert.ok(args.includes(`--token-file=${mountOf('tap-identity-token') ?? ''}/token`));
    assert.ok(args.includes(`--trust-anchors-file=${mountOf('trust-roots') ?? ''}/ca-bundle.crt`));
    assert.equal(at(only(objects, 'ConfigMap', 'linkerd-identity-trust-roots'), 'data', 'ca-bundle.crt'), anchors.pem);
    // The injector adds its own linkerd-identity-token volume: the tap server's must not take that name.
    assert.ok(!volumes.some((v) => String(v['name']).startsWith('linkerd-')));
  });

  it('mounts a Kubernetes API token only where a component reads the API', async () => {
    const objects = await renderedViz(anchors);
    const automount = Object.fromEntries(ofKind(objects, 'Deployment').map((d) => [d.metadata.name, at(d, 'spec', 'template', 'spec', 'automountServiceAccountToken')]));
    assert.deepEqual(automount, { 'metrics-api': true, tap: true, web: false, prometheus: true });
  });

  it('configures Prometheus with the proxies\' scrape job the metrics API queries, for the -L control plane', async () => {
    const objects = await renderedViz(anchors, '-L', 'mesh');
    const config = parseYaml(at(only(objects, 'ConfigMap', 'prometheus-config'), 'data', 'prometheus.yml') as string) as {
      global: Record<string, string>; scrape_configs: { job_name: string }[];
    };
    assert.equal(config.global['scrape_interval'], '10s');
    const job = config.scrape_configs.find((j) => j.job_name === 'linkerd-proxy');
    assert.deepEqual(job, proxyScrapeJob({ controlPlaneNamespace: 'mesh' }));
    const volumes = at(only(objects, 'Deployment', 'prometheus'), 'spec', 'template', 'spec', 'volumes') as Record<string, unknown>[];
    assert.deepEqual(volumes.find((v) => v['name'] === 'prometheus-config')?.['configMap'], { name: 'prometheus-config' });
  });

  it('with --prometheus-url installs no Prometheus, points the metrics API at it and records it on the namespace', async () => {
    const url = 'https://prom.example:9443/base';
    const objects = await renderedViz(anchors, '--prometheus-url', `${url}/`);
    assert.ok(!objects.some((object) => object.metadata.name.includes('prometheus')), refsOf(objects).join());
    assert.ok((containerOf(only(objects, 'Deployment', 'metrics-api'), 'metrics-api')['args'] as string[]).includes(`--prometheus-url=${url}`));
    assert.equal(only(objects, 'Namespace', 'linkerd-viz').metadata.annotations?.['viz.linkerd.io/external-prometheus'], url);
  });

  it('with --ha runs 3 replicas of the sinew components spread across nodes, each with a disruption budget, and one Prometheus', async () => {
    const objects = await renderedViz(anchors, '--ha');
    for (const name of ['metrics-api', 'tap', 'web']) {
      const deployment = only(objects, 'Deployment', name);
      assert.equal(at(deployment, 'spec', 'replicas'), 3);
      assert.deepEqual(at(deployment, 'spec', 'template', 'spec', 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 0, 'topologyKey'), 'kubernetes.io/hostname');
      assert.deepEqual(at(only(objects, 'PodDisruptionBudget', name), 'spec', 'selector'), at(deployment, 'spec', 'selector'));
      assert.deepEqual(at(containerOf(deployment, name), 'resources'), { requests: { cpu: '100m', memory: '50Mi' }, limits: { memory: '250Mi' } });
    }
    assert.equal(at(only(objects, 'Deployment', 'prometheus'), 'spec', 'replicas'), 1);
    assert.equal(ofKind(objects, 'PodDisruptionBudget').length, 3);
  });

  it('refuses flags it cannot use with a usage error naming the flag, before asking any cluster', async () => {
    const cases: readonly [readonly string[], RegExp][] = [
      [['--viz-namespace', 'Viz_NS'], /--viz-namespace must be a DNS label/],
      [['-L', 'no.dots'], /--linkerd-namespace must be a DNS label/],
      [['--prometheus-url', 'prometheus:9090'], /--prometheus-url must be an http or https URL/],
      [['--prometheus-url', 'ftp://prom.example'], /--prometheus-url must be an http or https URL/],
      [['--image-pull-policy', 'Sometimes'], /--image-pull-policy must be one of Always, IfNotPresent, Never/],
      [['--image', 'bad image'], /--image must be an image reference/],
      [['--cluster-domain', 'UPPER.case'], /--cluster-domain must be a DNS name/],
      [['--dashboard-enforced-host', '(unclosed'], /--dashboard-enforced-host must be a regular expression/],
      [['-o', 'toml'], /--output must be one of yaml, json; got "toml"/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['extra'], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(runVizInstall('--ignore-cluster', '--identity-trust-anchors-file', anchors.file, ...args),
        (error: Error) => error instanceof UsageError && message.test(error.message), args.join(' '));
    }
  });

  it('needs the trust anchors from a file with --ignore-cluster, and refuses a file that holds none', async () => {
    await assert.rejects(runVizInstall('--ignore-cluster'), (error: Error) => error instanceof UsageError && /--ignore-cluster needs --identity-trust-anchors-file/.test(error.message));
    await assert.rejects(runVizInstall('--ignore-cluster', '--identity-trust-anchors-file', `${anchors.dir}/missing.pem`),
      (error: Error) => error instanceof UsageError && /--identity-trust-anchors-file: cannot read trust anchors/.test(error.message));
    await assert.rejects(runVizInstall('--ignore-cluster', '--identity-trust-anchors-file', anchors.dir),
      (error: Error) => error instanceof UsageError && /--identity-trust-anchors-file/.test(error.message));
  });

  it('warns that the proxies refuse tap from a tap server outside linkerd-viz', async () => {
    const elsewhere = await runVizInstall('--ignore-cluster', '--identity-trust-anchors-file', anchors.file, '--viz-namespace', 'obs');
    assert.equal(elsewhere.code, 0);
    assert.match(elsewhere.err, /^Rendering the Sinew viz extension in namespace obs\.\.\.\nWarning: the proxies accept tap only from tap\.linkerd-viz\.serviceaccount\.identity\.linkerd\.cluster\.local, /);
    const usual = await runVizInstall('--ignore-cluster', '--identity-trust-anchors-file', anchors.file);
    assert.equal(usual.err, 'Rendering the Sinew viz extension in namespace linkerd-viz...\nNext, run `sinew viz check` to wait until it is ready.\n\n');
  });

  it('documents its flags in --help', async () => {
    const help = (await runVizInstall('--help')).out;
    for (const flag of ['--viz-namespace', '-L, --linkerd-namespace', '--ha', '--prometheus-url', '--image', '--identity-trust-anchors-file', '--ignore-cluster', '-o, --output']) {
      assert.ok(help.includes(flag), flag);
    }
  });
});
