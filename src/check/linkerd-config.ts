/**
 * linkerd-config: are the control plane's namespace-wide and cluster-wide resources there? The
 * namespace, the RBAC, the ServiceAccounts, the CRDs (at the CLI's versions) and the webhook
 * configurations. All fatal: a control plane missing any of them cannot work.
 *
 * `linkerd-crds` is the CRD check alone, for `sinew check --crds` between `install --crds` and
 * `install`.
 */
import type { Category, Checker } from './checker.js';
import { type CheckFacts, type CheckOptions, need } from './check-facts.js';
import { checkCrds } from './crd-versions.js';
import { controlPlaneDeployments, controlPlaneNsLabel, webhooks } from './control-plane-names.js';
import type { ExpectedCrd } from './expected-crds.js';
import { checkNamespace } from './namespace-check.js';
import { listNames, requirePresent } from './resource-presence.js';
import { paths } from './resources.js';

/** The ClusterRoles (and ClusterRoleBindings of the same names) of a control plane in `namespace`. */
export function expectedClusterRbac(namespace: string): readonly string[] {
  return controlPlaneDeployments.map((deployment) => `linkerd-${namespace}-${deployment.replace(/^linkerd-/, '')}`);
}

export function crdChecker(facts: CheckFacts, expected: () => readonly ExpectedCrd[]): Checker {
  return {
    description: 'control plane CustomResourceDefinitions exist', hintAnchor: 'l5d-existence-crd', fatal: true,
    run: (signal) => checkCrds(need(facts.client, 'the API client'), expected(), signal),
  };
}

export function linkerdCrdChecks(facts: CheckFacts, expected: () => readonly ExpectedCrd[]): Category {
  return { id: 'linkerd-crds', checkers: [crdChecker(facts, expected)] };
}

export function linkerdConfigChecks(options: CheckOptions, facts: CheckFacts, expected: () => readonly ExpectedCrd[]): Category {
  const ns = options.controlPlaneNamespace;
  const client = () => need(facts.client, 'the API client');
  const selector = `${controlPlaneNsLabel}=${ns}`;
  const names = (kind: 'mutating' | 'validating') => webhooks.filter((w) => w.kind === kind).map((w) => w.configuration);
  return {
    id: 'linkerd-config',
    checkers: [
      {
        description: 'control plane Namespace exists', hintAnchor: 'l5d-existence-ns', fatal: true,
        run: (signal) => checkNamespace(client(), ns, true, signal),
      },
      {
        description: 'control plane ClusterRoles exist', hintAnchor: 'l5d-existence-cr', fatal: true,
        run: async (signal) => requirePresent('ClusterRoles', await listNames(client(), paths.clusterRoles, signal, selector), expectedClusterRbac(ns)),
      },
      {
        description: 'control plane ClusterRoleBindings exist', hintAnchor: 'l5d-existence-crb', fatal: true,
        run: async (signal) => requirePresent('ClusterRoleBindings', await listNames(client(), paths.clusterRoleBindings, signal, selector), expectedClusterRbac(ns)),
      },
      {
        description: 'control plane ServiceAccounts exist', hintAnchor: 'l5d-existence-sa', fatal: true,
        run: async (signal) => requirePresent('ServiceAccounts', await listNames(client(), paths.serviceAccounts(ns), signal), controlPlaneDeployments),
      },
      crdChecker(facts, expected),
      {
        description: 'control plane MutatingWebhookConfigurations exist', hintAnchor: 'l5d-existence-mwc', fatal: true,
        run: async (signal) => requirePresent('MutatingWebhookConfigurations', await listNames(client(), paths.mutatingWebhooks, signal, selector), names('mutating')),
      },
      {
        description: 'control plane ValidatingWebhookConfigurations exist', hintAnchor: 'l5d-existence-vwc', fatal: true,
        run: async (signal) => requirePresent('ValidatingWebhookConfigurations', await listNames(client(), paths.validatingWebhooks, signal, selector), names('validating')),
      },
    ],
  };
}
