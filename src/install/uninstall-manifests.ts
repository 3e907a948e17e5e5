/**
 * What `sinew uninstall` deletes: every object `sinew install` can create in a namespace (with
 * `--ha` or without) and the CRDs, named by apiVersion, kind, name and namespace, in the order
 * `kubectl delete -f -` should remove them: the webhook registrations first (so no admission call
 * reaches a webhook that is going away), then the rest in the reverse of install order, the CRDs
 * last.
 *
 * The list comes from the install renderer itself, so the two cannot drift apart: which objects
 * an install creates does not depend on its certificates or settings beyond the namespace and
 * `--ha`, so it is rendered with blank certificates and the HA settings (a superset).
 */
import type { InstallMaterial } from './certificates.js';
import { controlPlaneManifests } from './control-plane-manifests.js';
import type { CrdManifest } from './crd-manifests.js';
import { defaultInstallValues, haValues } from './install-values.js';
import { type ObjectRef, refOf } from './manifest.js';

const blank = { certificatePem: '', keyPem: '', dnsNames: [] };
const noCertificates: InstallMaterial = {
  identity: { trustAnchorsPem: '', issuerCertificatePem: '', issuerKeyPem: '', generated: false },
  webhooks: { caPem: '', injector: blank, validators: blank },
};

export function uninstallRefs(namespace: string, crds: readonly CrdManifest[]): ObjectRef[] {
  // Meshing adds containers, not objects: the Deployments are listed unmeshed.
  const installed = controlPlaneManifests({ ...haValues(defaultInstallValues('')), namespace }, noCertificates, (deployment) => deployment).map(refOf);
  const isWebhook = (ref: ObjectRef): boolean => ref.kind.endsWith('WebhookConfiguration');
  const reversed = [...installed].reverse();
  return [...reversed.filter(isWebhook), ...reversed.filter((ref) => !isWebhook(ref)), ...crds.map(refOf)];
}
