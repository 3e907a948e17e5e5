/**
 * Every manifest `sinew install` renders (the CRDs; the control plane by default, with --ha, in
 * another namespace, with the proxy flags) conforms to the Kubernetes OpenAPI schemas, with no
 * field the schemas do not define, as YAML and as JSON.
 */
import assert from 'node:assert/strict';
import { describeSchemaProblems, schemaProblems } from './kubernetes-schemas.js';
import { type KubeJson, only, rendered, runInstall } from './install-run.js';

describe('rendered manifests against the Kubernetes OpenAPI schemas', function () {
  this.timeout(60_000);

  const variants: readonly (readonly string[])[] = [
    ['--crds'],
    ['--crds', '-L', 'mesh'],
    [],
    ['--ha'],
    ['-L', 'sinew-system', '--cluster-domain', 'corp.example', '--identity-trust-domain', 'mesh.example'],
    ['--ha', '--controller-replicas', '5', '--image', 'registry.example/sinew:dev', '--image-pull-policy', 'Always',
      '--proxy-log-level', 'debug', '--default-inbound-policy', 'cluster-authenticated', '--cluster-networks', '10.0.0.0/16',
      '--controller-log-format', 'json', '--opaque-ports', '3306,5432-5434'],
  ];

  for (const args of variants) {
    it(`sinew install ${args.join(' ') || '(defaults)'}: every object conforms`, async () => {
      const objects = await rendered(...args);
      assert.ok(objects.length >= 7);
      assert.deepEqual(await describeSchemaProblems(objects), []);
    });
  }

  it('-o json is one v1 List whose items are the YAML output\'s objects, each conforming', async () => {
    const json = await runInstall('--ignore-cluster', '--ha', '-o', 'json');
    assert.equal(json.code, 0, json.err);
    const list = JSON.parse(json.out) as { apiVersion: string; kind: string; items: KubeJson[] };
    assert.equal(list.apiVersion, 'v1');
    assert.equal(list.kind, 'List');
    const yamlKinds = (await rendered('--ha')).map((object) => `${object.kind}/${object.metadata.name}`);
    assert.deepEqual(list.items.map((object) => `${object.kind}/${object.metadata.name}`), yamlKinds);
    assert.deepEqual(await describeSchemaProblems(list.items), []);
  });

  describe('the check itself', () => {
    it('finds a misspelt field, a wrong type and an unknown kind', async () => {
      const deployment = structuredClone(only(await rendered(), 'Deployment', 'linkerd-destination')) as Record<string, unknown>;
      const spec = deployment['spec'] as Record<string, unknown>;
      spec['replicas'] = 'three';
      const template = spec['template'] as { spec: { containers: Record<string, unknown>[] } };
      const container = template.spec.containers[0] as Record<string, unknown>;
      container['readinesProbe'] = container['readinessProbe'];
      delete container['readinessProbe'];
      const problems = (await schemaProblems(deployment)).map((problem) => problem.path);
      assert.ok(problems.includes('/spec/replicas'), problems.join());
      assert.ok(problems.includes('/spec/template/spec/containers/0/readinesProbe'), problems.join());
      assert.deepEqual((await schemaProblems({ apiVersion: 'v9', kind: 'Nothing', metadata: { name: 'x' } })).map((problem) => problem.message),
        ['no schema known for v9 Nothing']);
    });

    it('finds a missing required field and a bad enum-like value in a webhook', async () => {
      const webhook = structuredClone(only(await rendered(), 'ValidatingWebhookConfiguration', 'linkerd-sp-validator-webhook-config')) as Record<string, unknown>;
      const hooks = webhook['webhooks'] as Record<string, unknown>[];
      delete (hooks[0] as Record<string, unknown>)['sideEffects'];
      (hooks[0] as Record<string, unknown>)['timeoutSeconds'] = '10s';
      const problems = await schemaProblems(webhook);
      assert.ok(problems.some((problem) => problem.path === '/webhooks/0' && /sideEffects/.test(problem.message)), JSON.stringify(problems));
      assert.ok(problems.some((problem) => problem.path === '/webhooks/0/timeoutSeconds'), JSON.stringify(problems));
    });
  });
});
