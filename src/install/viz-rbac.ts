/**
 * The viz ServiceAccounts and what each may do, least privilege, each grant derived from what the
 * component reads:
 *
 * - metrics-api and tap: list and watch the kinds their workload inventory's informers read
 *   (`vizInformerKinds`: namespaces, pods, services, and the ReplicaSets and Jobs that own pods),
 *   nothing else.
 * - prometheus: list and watch what its kubernetes_sd roles discover (role `pod`: pods; role
 *   `node`: nodes), read from the scrape configuration it is given.
 * - web: nothing; it talks only to the metrics API and tap.
 * Cluster-wide roles are named `linkerd-<viz-ns>-<component>` as Linkerd-viz names them.
 */
import { jobKind, namespaceKind, podKind, replicaSetKind, serviceKind } from '../informers/kinds/index.js';
import type { KindSpec } from '../informers/kind.js';
import type { Labels, Manifest } from './manifest.js';
import { type Grant, informerGrants, rulesOf } from './rbac.js';
import type { VizComponentName } from './viz-components.js';

/**
 * What the metrics API's and tap's workload inventory watches (src/viz/workload-source.ts's
 * `workloadKinds`, listed again here so rendering RBAC does not load the engine; a test keeps the
 * two equal).
 */
export const vizInformerKinds: readonly KindSpec[] = [namespaceKind, podKind, serviceKind, replicaSetKind, jobKind];

export interface VizAccount {
  readonly component: VizComponentName;
  readonly grants: readonly Grant[];
}

const rbacApi = 'rbac.authorization.k8s.io';

/** What each kubernetes_sd role lists and watches. */
const discoveredResource: Readonly<Record<string, string>> = { pod: 'pods', node: 'nodes', service: 'services', endpoints: 'endpoints' };

export class VizRbacError extends Error {
  override readonly name = 'VizRbacError';
}

export function prometheusGrants(roles: readonly string[]): Grant[] {
  return roles.flatMap((role) => {
    const resource = discoveredResource[role];
    if (resource === undefined) throw new VizRbacError(`the Prometheus configuration discovers kubernetes_sd role ${JSON.stringify(role)}, which viz grants no access for`);
    return ['list', 'watch'].map((verb) => ({ apiGroup: '', resource, verb }));
  });
}

/** The accounts of an install; `prometheusRoles` is undefined when viz installs no Prometheus. */
export function vizAccounts(prometheusRoles: readonly string[] | undefined): readonly VizAccount[] {
  return [
    { component: 'metrics-api', grants: informerGrants(vizInformerKinds) },
    { component: 'tap', grants: informerGrants(vizInformerKinds) },
    { component: 'web', grants: [] },
    ...(prometheusRoles === undefined ? [] : [{ component: 'prometheus' as const, grants: prometheusGrants(prometheusRoles) }]),
  ];
}

export function vizClusterRoleName(namespace: string, component: VizComponentName): string {
  return `linkerd-${namespace}-${component}`;
}

export function vizLabels(namespace: string, component: VizComponentName): Labels {
  return { 'linkerd.io/extension': 'viz', component, namespace };
}

function accountManifests(namespace: string, account: VizAccount): Manifest[] {
  const labels = vizLabels(namespace, account.component);
  const serviceAccount: Manifest = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account.component, namespace, labels } };
  if (account.grants.length === 0) return [serviceAccount];
  const name = vizClusterRoleName(namespace, account.component);
  return [
    serviceAccount,
    { apiVersion: `${rbacApi}/v1`, kind: 'ClusterRole', metadata: { name, labels }, rules: rulesOf(account.grants) },
    {
      apiVersion: `${rbacApi}/v1`, kind: 'ClusterRoleBinding', metadata: { name, labels },
      roleRef: { apiGroup: rbacApi, kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: account.component, namespace }],
    },
  ];
}

export function vizRbacManifests(namespace: string, prometheusRoles: readonly string[] | undefined): Manifest[] {
  return vizAccounts(prometheusRoles).flatMap((account) => accountManifests(namespace, account));
}
