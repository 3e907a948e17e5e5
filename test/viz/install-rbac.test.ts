/**
 * The viz RBAC is least privilege: every verb on every resource granted is listed here. The
 * metrics API and tap may list and watch exactly what their workload inventory's informers watch;
 * Prometheus exactly what its kubernetes_sd roles discover; web nothing at all.
 */
import assert from 'node:assert/strict';
import { prometheusGrants, VizRbacError, vizInformerKinds } from '../../src/install/viz-rbac.js';
import { workloadKinds } from '../../src/viz/workload-source.js';
import { at, grantsOf, type KubeJson, ofKind, only } from '../install/install-run.js';
import { type AnchorsFile, anchorsFile, renderedViz } from './install-harness.js';

const inventory = ['/namespaces', '/pods', '/services', 'apps/replicasets', 'batch/jobs'].flatMap((resource) => [`${resource} list`, `${resource} watch`]).sort();

describe('sinew viz install: RBAC', function () {
  this.timeout(30_000);
  let anchors: AnchorsFile;
  before(async () => { anchors = await anchorsFile(); });
  after(() => anchors.remove());

  for (const namespace of ['linkerd-viz', 'obs']) {
    describe(`in namespace ${namespace}`, () => {
      let objects: KubeJson[];
      before(async () => { objects = await renderedViz(anchors, '--ha', '--viz-namespace', namespace); });

      it('grants exactly these verbs on these resources, cluster-wide, and nothing namespaced', () => {
        const grants = Object.fromEntries(ofKind(objects, 'ClusterRole').map((role) => [role.metadata.name, grantsOf(role)]));
        assert.deepEqual(grants, {
          [`linkerd-${namespace}-metrics-api`]: inventory,
          [`linkerd-${namespace}-tap`]: inventory,
          [`linkerd-${namespace}-prometheus`]: ['/pods list', '/pods watch'],
        });
        assert.deepEqual(ofKind(objects, 'Role'), []);
        assert.deepEqual(ofKind(objects, 'RoleBinding'), []);
      });

      it('grants no wildcard, no Secret, no ConfigMap, no node proxy and no write', () => {
        const grants = ofKind(objects, 'ClusterRole').flatMap(grantsOf);
        assert.ok(!grants.some((grant) => grant.includes('*') || grant.includes('secrets') || grant.includes('configmaps') || grant.includes('/proxy')), grants.join());
        assert.deepEqual(grants.filter((grant) => !/ (list|watch)$/.test(grant)), []);
      });

      it('binds each role to its own component\'s ServiceAccount, which its Deployment runs as; web has an account and no role', () => {
        const accounts = ofKind(objects, 'ServiceAccount').map((account) => `${account.metadata.namespace ?? ''}/${account.metadata.name}`).sort();
        assert.deepEqual(accounts, ['metrics-api', 'prometheus', 'tap', 'web'].map((name) => `${namespace}/${name}`));
        const bindings = ofKind(objects, 'ClusterRoleBinding');
        assert.deepEqual(bindings.map((binding) => binding.metadata.name).sort(), ['metrics-api', 'prometheus', 'tap'].map((c) => `linkerd-${namespace}-${c}`));
        for (const binding of bindings) {
          assert.deepEqual(binding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: binding.metadata.name });
          const component = binding.metadata.name.slice(`linkerd-${namespace}-`.length);
          assert.deepEqual(binding['subjects'], [{ kind: 'ServiceAccount', name: component, namespace }]);
          assert.equal(at(only(objects, 'Deployment', component), 'spec', 'template', 'spec', 'serviceAccountName'), component);
        }
      });
    });
  }

  it('grants the metrics API and tap exactly the kinds the workload inventory watches', () => {
    const names = (kinds: typeof workloadKinds) => kinds.map((kind) => `${kind.group}/${kind.plural}`).sort();
    assert.deepEqual(names(vizInformerKinds), names(workloadKinds));
  });

  it('derives Prometheus\' grants from its discovery roles, and refuses a role it has no grant for', () => {
    assert.deepEqual(prometheusGrants(['node', 'pod']).map((g) => `${g.resource} ${g.verb}`), ['nodes list', 'nodes watch', 'pods list', 'pods watch']);
    assert.throws(() => prometheusGrants(['ingress']), (error: Error) => error instanceof VizRbacError && /role "ingress"/.test(error.message));
  });

  it('with --prometheus-url has no Prometheus account or role', async () => {
    const objects = await renderedViz(anchors, '--prometheus-url', 'http://prom.example:9090');
    assert.deepEqual(ofKind(objects, 'ClusterRole').map((role) => role.metadata.name).sort(), ['linkerd-linkerd-viz-metrics-api', 'linkerd-linkerd-viz-tap']);
    assert.ok(!ofKind(objects, 'ServiceAccount').some((account) => account.metadata.name === 'prometheus'));
  });
});
