/** The reconcilers the control plane runs, in a stable order. */
import { endpointsReconciler } from './endpoints.js';
import { inboundPolicyReconciler } from './inbound-policy.js';
import { outboundPolicyReconciler } from './outbound-policy.js';
import { profilesReconciler } from './profiles.js';
import { defaultMeshConfig, type MeshConfig } from './mesh-config.js';
import type { Reconciler } from './reconciler.js';

export function reconcilersFor(config: MeshConfig): readonly Reconciler[] {
  return [endpointsReconciler(config) as Reconciler, profilesReconciler(config) as Reconciler, inboundPolicyReconciler(config) as Reconciler,
    outboundPolicyReconciler(config) as Reconciler];
}

/** The reconcilers with Linkerd's default settings (replay, tests). */
export const allReconcilers: readonly Reconciler[] = reconcilersFor(defaultMeshConfig);
