/**
 * The control plane's ServiceAccounts and what each may do, least privilege: every grant is
 * derived from what the component's code reads or writes, so a new informer kind is a new grant
 * and nothing else is ever granted.
 *
 * - destination (destination, policy and the validating webhooks): list and watch every kind the
 *   informers watch (`allKinds`), nothing else; the webhooks read the same store.
 * - identity: create TokenReviews, to check the tokens proxies present.
 * - proxy-injector: get Namespaces, to read the annotations a pod inherits from its namespace.
 * Cluster-wide roles are named `linkerd-<ns>-<component>` as Linkerd names them, so two control
 * planes in two namespaces do not collide.
 */
import { allKinds } from '../informers/kinds/index.js';
import type { KindSpec } from '../informers/kind.js';
import { componentLabels, type ComponentName, type Manifest } from './manifest.js';

export interface Grant {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verb: string;
}

export interface ControlPlaneAccount {
  readonly serviceAccount: string;
  readonly component: ComponentName;
  readonly grants: readonly Grant[];
}

const rbacApi = 'rbac.authorization.k8s.io';
const rbacApiVersion = `${rbacApi}/v1`;

/** The grants the informers need: list and watch of every kind they watch. */
export function informerGrants(kinds: readonly KindSpec[] = allKinds): Grant[] {
  return kinds.flatMap((kind) => ['list', 'watch'].map((verb) => ({ apiGroup: kind.group, resource: kind.plural, verb })));
}

export const tokenReviewGrant: Grant = { apiGroup: 'authentication.k8s.io', resource: 'tokenreviews', verb: 'create' };
export const namespaceReadGrant: Grant = { apiGroup: '', resource: 'namespaces', verb: 'get' };

export function controlPlaneAccounts(): readonly ControlPlaneAccount[] {
  return [
    { serviceAccount: 'linkerd-destination', component: 'destination', grants: informerGrants() },
    { serviceAccount: 'linkerd-identity', component: 'identity', grants: [tokenReviewGrant] },
    { serviceAccount: 'linkerd-proxy-injector', component: 'proxy-injector', grants: [namespaceReadGrant] },
  ];
}

interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** Grants as RBAC rules: one rule per group and verb set, resources and verbs sorted. */
export function rulesOf(grants: readonly Grant[]): PolicyRule[] {
  const verbsByResource = new Map<string, Set<string>>();
  for (const grant of grants) {
    const key = JSON.stringify([grant.apiGroup, grant.resource]);
    verbsByResource.set(key, (verbsByResource.get(key) ?? new Set()).add(grant.verb));
  }
  const rules = new Map<string, { apiGroup: string; verbs: string[]; resources: string[] }>();
  for (const [key, verbs] of verbsByResource) {
    const [apiGroup, resource] = JSON.parse(key) as [string, string];
    const sortedVerbs = [...verbs].sort();
    const ruleKey = JSON.stringify([apiGroup, sortedVerbs]);
    const rule = rules.get(ruleKey) ?? { apiGroup, verbs: sortedVerbs, resources: [] };
    rule.resources.push(resource);
    rules.set(ruleKey, rule);
  }
  return [...rules.values()]
    .sort((a, b) => a.apiGroup.localeCompare(b.apiGroup) || a.verbs.join().localeCompare(b.verbs.join()))
    .map((rule) => ({ apiGroups: [rule.apiGroup], resources: rule.resources.sort(), verbs: rule.verbs }));
}

export function clusterRoleName(namespace: string, component: ComponentName): string {
  return `linkerd-${namespace}-${component}`;
}

function accountManifests(namespace: string, account: ControlPlaneAccount): Manifest[] {
  const labels = componentLabels(namespace, account.component);
  const name = clusterRoleName(namespace, account.component);
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account.serviceAccount, namespace, labels } },
    { apiVersion: rbacApiVersion, kind: 'ClusterRole', metadata: { name, labels }, rules: rulesOf(account.grants) },
    {
      apiVersion: rbacApiVersion, kind: 'ClusterRoleBinding', metadata: { name, labels },
      roleRef: { apiGroup: rbacApi, kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: account.serviceAccount, namespace }],
    },
  ];
}

export function rbacManifests(namespace: string): Manifest[] {
  return controlPlaneAccounts().flatMap((account) => accountManifests(namespace, account));
}
