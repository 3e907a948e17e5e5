/**
 * The control plane's RBAC is least privilege: every verb on every resource granted is listed
 * here, and the destination component's grants are exactly the list and watch its informers need.
 */
import assert from 'node:assert/strict';
import { allKinds } from '../../src/informers/kinds/index.js';
import { at, grantsOf, type KubeJson, ofKind, only, rendered } from './install-run.js';

const informed = [
  '/namespaces', '/nodes', '/pods', '/services', 'apps/replicasets', 'batch/jobs', 'discovery.k8s.io/endpointslices',
  'gateway.networking.k8s.io/grpcroutes', 'gateway.networking.k8s.io/httproutes', 'linkerd.io/serviceprofiles',
  'policy.linkerd.io/authorizationpolicies', 'policy.linkerd.io/httproutes', 'policy.linkerd.io/meshtlsauthentications',
  'policy.linkerd.io/networkauthentications', 'policy.linkerd.io/serverauthorizations', 'policy.linkerd.io/servers',
];

describe('control-plane RBAC', function () {
  this.timeout(30_000);

  for (const namespace of ['linkerd', 'mesh-system']) {
    describe(`in namespace ${namespace}`, () => {
      let objects: KubeJson[];
      before(async () => { objects = await rendered('--ha', '-L', namespace); });

      it('grants exactly these verbs on these resources, cluster-wide, and nothing namespaced', () => {
        const grants = Object.fromEntries(ofKind(objects, 'ClusterRole').map((role) => [role.metadata.name, grantsOf(role)]));
        assert.deepEqual(grants, {
          [`linkerd-${namespace}-destination`]: informed.flatMap((resource) => [`${resource} list`, `${resource} watch`]).sort(),
          [`linkerd-${namespace}-identity`]: ['authentication.k8s.io/tokenreviews create'],
          [`linkerd-${namespace}-proxy-injector`]: ['/namespaces get'],
        });
        assert.deepEqual(ofKind(objects, 'Role'), []);
        assert.deepEqual(ofKind(objects, 'RoleBinding'), []);
      });

      it('gives the destination component list and watch of every kind its informers watch, and no more', () => {
        const role = only(objects, 'ClusterRole', `linkerd-${namespace}-destination`);
        const needed = allKinds.flatMap((kind) => [`${kind.group}/${kind.plural} list`, `${kind.group}/${kind.plural} watch`]).sort();
        assert.deepEqual(grantsOf(role), needed);
      });

      it('grants no wildcard, no Secret, no write outside TokenReviews', () => {
        const grants = ofKind(objects, 'ClusterRole').flatMap(grantsOf);
        assert.ok(!grants.some((grant) => grant.includes('*')), grants.join());
        assert.ok(!grants.some((grant) => grant.startsWith('/secrets')), grants.join());
        const writes = grants.filter((grant) => !/ (get|list|watch)$/.test(grant));
        assert.deepEqual(writes, ['authentication.k8s.io/tokenreviews create']);
      });

      it('binds each role to its own component\'s ServiceAccount, which its Deployment runs as', () => {
        const accounts = ofKind(objects, 'ServiceAccount').map((account) => `${account.metadata.namespace}/${account.metadata.name}`).sort();
        assert.deepEqual(accounts, ['linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector'].map((name) => `${namespace}/${name}`));
        const bindings = ofKind(objects, 'ClusterRoleBinding');
        assert.equal(bindings.length, 3);
        for (const binding of bindings) {
          assert.deepEqual(binding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: binding.metadata.name });
          const component = binding.metadata.name.slice(`linkerd-${namespace}-`.length);
          assert.deepEqual(binding['subjects'], [{ kind: 'ServiceAccount', name: `linkerd-${component}`, namespace }]);
          const deployment = only(objects, 'Deployment', `linkerd-${component}`);
          assert.equal(at(deployment, 'spec', 'template', 'spec', 'serviceAccountName'), `linkerd-${component}`);
        }
      });
    });
  }
});
