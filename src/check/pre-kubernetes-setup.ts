/**
 * pre-kubernetes-setup (`sinew check --pre`): can the control plane be installed here? Its
 * namespace must not exist yet, the user must be allowed to create what the install creates
 * (asked with SelfSubjectAccessReview, see access-review.ts), and the nodes' clocks must agree with
 * this one (certificates are checked against them). CRDs already installed only warn: `install
 * --crds` comes before `install`.
 */
import type { Category, Checker } from './checker.js';
import { type CheckFacts, type CheckOptions, need } from './check-facts.js';
import { checkAccess, type ResourceAttributes } from './access-review.js';
import type { ClusterReader } from './cluster-reader.js';
import type { ExpectedCrd } from './expected-crds.js';
import { checkNamespace } from './namespace-check.js';
import { listNames, requireAbsent } from './resource-presence.js';
import { nodeSchema, parseAs, paths } from './resources.js';

/** Node heartbeats older or newer than this (a heartbeat period plus TLS skew) mean a skewed clock. */
export const allowedClockSkewMs = 5 * 60_000 + 20_000;

const clusterWide: readonly Omit<ResourceAttributes, 'verb'>[] = [
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' },
  { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' },
  { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'mutatingwebhookconfigurations' },
  { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations' },
];

const namespaced: readonly { readonly kind: string; readonly group: string; readonly resource: string }[] = [
  { kind: 'ServiceAccounts', group: '', resource: 'serviceaccounts' },
  { kind: 'Services', group: '', resource: 'services' },
  { kind: 'Deployments', group: 'apps', resource: 'deployments' },
  { kind: 'ConfigMaps', group: '', resource: 'configmaps' },
  { kind: 'Secrets', group: '', resource: 'secrets' },
];

export async function checkClockSkew(client: ClusterReader, now: Date, signal: AbortSignal): Promise<void> {
  const skewed = (await client.list(paths.nodes, signal)).map((item) => parseAs(nodeSchema, item, 'a node')).filter((node) => {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
    if (ready?.lastHeartbeatTime === undefined) return false;
    return Math.abs(now.getTime() - Date.parse(ready.lastHeartbeatTime)) > allowedClockSkewMs;
  }).map((node) => node.metadata.name);
  if (skewed.length > 0) throw new Error(`clock skew detected for node(s): ${skewed.join(', ')}`);
}

export function preKubernetesSetupChecks(options: CheckOptions, facts: CheckFacts, expected: () => readonly ExpectedCrd[]): Category {
  const ns = options.controlPlaneNamespace;
  const client = () => need(facts.client, 'the API client');
  const can = (kind: string, verb: string, group: string, resource: string): Checker => ({
    description: `can ${verb === 'get' ? 'read' : verb} ${kind}`, hintAnchor: 'pre-k8s',
    run: (signal) => checkAccess(client(), { verb, group, version: 'v1', resource, namespace: ns }, signal),
  });
  return {
    id: 'pre-kubernetes-setup',
    checkers: [
      {
        description: 'control plane namespace does not already exist', hintAnchor: 'pre-ns',
        run: (signal) => checkNamespace(client(), ns, false, signal),
      },
      {
        description: 'can create non-namespaced resources', hintAnchor: 'pre-k8s-cluster-k8s',
        run: async (signal) => {
          const denied: string[] = [];
          for (const attributes of clusterWide) {
            try {
              await checkAccess(client(), { verb: 'create', ...attributes }, signal);
            } catch (error) {
              denied.push((error as Error).message);
            }
          }
          if (denied.length > 0) throw new Error(denied.join('\n    '));
        },
      },
      ...namespaced.map(({ kind, group, resource }) => can(kind, 'create', group, resource)),
      can('Secrets', 'get', '', 'secrets'),
      {
        description: 'no clock skew detected', hintAnchor: 'pre-k8s-clock-skew', warning: true,
        run: (signal) => checkClockSkew(client(), options.now(), signal),
      },
      {
        description: 'no CustomResourceDefinitions exist', hintAnchor: 'pre-l5d-existence', warning: true,
        run: async (signal) => {
          const installed = await listNames(client(), paths.crds, signal);
          requireAbsent('CustomResourceDefinitions', installed.filter((name) => expected().some((crd) => crd.name === name)));
        },
      },
    ],
  };
}
