/**
 * What injecting or uninjecting one object did, with Linkerd's skip reasons (its identifiers and
 * sentences), so the CLI's report and the webhook's log say what Linkerd's would.
 */

export type SkipReason =
  | 'host_network_enabled'
  | 'sidecar_already_exists'
  | 'unsupported_resource'
  | 'injection_enable_annotation_absent'
  | 'injection_disable_annotation_present'
  | 'invalid_inject_annotation_at_workload'
  | 'invalid_inject_annotation_at_ns'
  | 'control_plane_component_not_manual'
  | 'sidecar_volume_name_taken';

export const skipReasonText: Readonly<Record<SkipReason, string>> = {
  host_network_enabled: 'hostNetwork is enabled',
  sidecar_already_exists: 'pod has a sidecar injected already',
  unsupported_resource: 'this resource kind is unsupported',
  injection_enable_annotation_absent: 'neither the namespace nor the pod have the annotation "linkerd.io/inject:enabled"',
  injection_disable_annotation_present: 'pod has the annotation "linkerd.io/inject:disabled"',
  invalid_inject_annotation_at_workload: 'invalid value for annotation "linkerd.io/inject" at workload',
  invalid_inject_annotation_at_ns: 'invalid value for annotation "linkerd.io/inject" at namespace',
  control_plane_component_not_manual: 'control plane components are injected with --manual only',
  sidecar_volume_name_taken: 'the pod already has a volume named like one the proxy needs (linkerd-identity-end-entity, linkerd-identity-token or linkerd-proxy-init-xtables-lock)',
};

export interface InjectReport {
  /** The kind in lower case, as Linkerd's reports write it (`deployment`). */
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** `injected` for a full sidecar, `annotated` when only `linkerd.io/inject: enabled` was added. */
  readonly outcome: 'injected' | 'annotated' | 'skipped';
  readonly reasons: readonly SkipReason[];
  /** A container declares a UDP port: the proxy will not carry that traffic. */
  readonly udp: boolean;
  /** Configuration annotations that were ignored, one sentence each. */
  readonly warnings: readonly string[];
}

export interface UninjectReport {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly outcome: 'uninjected' | 'skipped';
}

/** `deployment/web`, as Linkerd names a resource in its warnings. */
export function resourceName(report: { readonly kind: string; readonly name: string }): string {
  return `${report.kind}/${report.name}`;
}
