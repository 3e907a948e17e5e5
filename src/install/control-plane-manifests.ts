/**
 * Everything `sinew install` prints for the control plane, in the order `kubectl apply` should
 * create it: the namespace; ServiceAccounts and RBAC; ConfigMaps and Secrets; Services;
 * Deployments (and PodDisruptionBudgets with `--ha`); last the webhook registrations, so the API
 * server starts calling the webhooks only once everything they need has been created.
 *
 * Pure: the same values and material give the same objects.
 */
import type { InstallMaterial } from './certificates.js';
import { controlPlaneComponents } from './components.js';
import { configManifests, namespaceManifest } from './config-manifests.js';
import { deploymentManifests, type WorkloadMesher } from './deployments.js';
import type { InstallValues } from './install-values.js';
import type { Manifest } from './manifest.js';
import { meshControlPlane } from './mesh.js';
import { rbacManifests } from './rbac.js';
import { serviceManifests } from './services.js';
import { webhookManifests } from './webhooks.js';

/** The `linkerd.io/created-by` annotation's value. */
export function createdByOf(values: InstallValues): string {
  return `sinew/cli ${values.linkerdVersion}`;
}

/** The control plane; its pods meshed with the Sinew proxy unless `mesh` says otherwise. */
export function controlPlaneManifests(values: InstallValues, material: InstallMaterial, mesh?: WorkloadMesher): Manifest[] {
  const createdBy = createdByOf(values);
  const meshed = mesh ?? meshControlPlane(values, material, createdBy);
  return [
    namespaceManifest(values),
    ...rbacManifests(values.namespace),
    ...configManifests(values, material.identity, material.webhooks, createdBy),
    ...serviceManifests(values.namespace, createdBy),
    ...controlPlaneComponents(values).flatMap((component) => deploymentManifests(component, values, createdBy, meshed)),
    ...webhookManifests(values, material.webhooks.caPem),
  ];
}
