/**
 * Which categories a `sinew check` runs, in order: the Kubernetes API first (everything needs
 * it), then what the mode asks about. The control plane's resources (linkerd-config) come before
 * its pods (linkerd-existence), so a missing namespace is reported as that, with its own hint.
 */
import type { Category } from './checker.js';
import type { CheckFacts, CheckOptions } from './check-facts.js';
import type { ClusterReader } from './cluster-reader.js';
import { controlPlaneVersionChecks } from './control-plane-version.js';
import type { ExpectedCrd } from './expected-crds.js';
import { kubernetesApiChecks } from './kubernetes-api.js';
import { kubernetesVersionChecks } from './kubernetes-version.js';
import { linkerdConfigChecks, linkerdCrdChecks } from './linkerd-config.js';
import { linkerdDataPlaneChecks, linkerdIdentityDataPlaneChecks } from './linkerd-data-plane.js';
import { linkerdExistenceChecks } from './linkerd-existence.js';
import { linkerdIdentityChecks } from './linkerd-identity.js';
import { linkerdWebhookChecks } from './linkerd-webhooks.js';
import { preKubernetesSetupChecks } from './pre-kubernetes-setup.js';

/** `--pre`: can it be installed; `--crds`: are the CRDs in; default: is the control plane healthy; `--proxy`: and the data plane. */
export type CheckMode = 'pre' | 'crds' | 'control-plane' | 'proxy';

export interface PlanInputs {
  readonly mode: CheckMode;
  readonly options: CheckOptions;
  readonly connect: () => ClusterReader;
  readonly expectedCrds: () => readonly ExpectedCrd[];
}

export function checkPlan(inputs: PlanInputs): readonly Category[] {
  const { mode, options, connect, expectedCrds } = inputs;
  const facts: CheckFacts = {};
  const base = [kubernetesApiChecks(facts, connect), kubernetesVersionChecks(facts)];
  if (mode === 'pre') return [...base, preKubernetesSetupChecks(options, facts, expectedCrds)];
  if (mode === 'crds') return [...base, linkerdCrdChecks(facts, expectedCrds)];
  const controlPlane = [
    linkerdConfigChecks(options, facts, expectedCrds),
    linkerdExistenceChecks(options, facts),
    linkerdIdentityChecks(options, facts),
    linkerdWebhookChecks(options, facts),
  ];
  if (mode === 'control-plane') return [...base, ...controlPlane, controlPlaneVersionChecks(options, facts)];
  return [...base, ...controlPlane, linkerdDataPlaneChecks(options, facts), linkerdIdentityDataPlaneChecks(options, facts)];
}
