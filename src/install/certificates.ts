/**
 * Every certificate an install carries, made or read in one place: the identity trust anchors and
 * issuer (generated unless the operator gives all three files), and the webhooks' serving
 * certificates with their CA bundle (always generated, as Linkerd's install does).
 */
import { generateIdentityMaterial, type IdentityFiles, type IdentityMaterial, loadIdentityMaterial } from './identity-certificates.js';
import type { InstallValues } from './install-values.js';
import { generateWebhookMaterial, type WebhookMaterial } from './webhook-certificates.js';

export interface InstallMaterial {
  readonly identity: IdentityMaterial;
  readonly webhooks: WebhookMaterial;
}

export async function installMaterial(values: InstallValues, files: IdentityFiles | undefined, now: Date = new Date()): Promise<InstallMaterial> {
  const identity = files === undefined
    ? await generateIdentityMaterial({ controllerNamespace: values.namespace, trustDomain: values.identityTrustDomain }, now)
    : loadIdentityMaterial(files, now);
  return { identity, webhooks: await generateWebhookMaterial(values.namespace, now) };
}
