/**
 * Whether a pod (template) is injected, and if not, why: Linkerd's checks and its truth table
 * for the `linkerd.io/inject` annotation. The CLI injects whatever it is given unless the pod says
 * `disabled`; the webhook injects only when the pod or its namespace says `enabled` (or `ingress`),
 * and the pod's `disabled` wins over the namespace's `enabled`.
 */
import type { SkipReason } from './inject-report.js';
import { annotations, knownSidecarContainers, knownSidecarInitContainers, labels, volumeNames } from './names.js';
import { hasUdpPorts, type PodTemplate } from './pod-spec.js';
import { stringMapOf } from './workload.js';
import { templateMetadata } from './inject-pod-template.js';

export type Origin = 'cli' | 'webhook';

export interface Decision {
  readonly reasons: readonly SkipReason[];
  readonly udp: boolean;
  /** The effective `linkerd.io/inject` value is `ingress`. */
  readonly ingress: boolean;
}

const validValues: readonly string[] = ['enabled', 'disabled', 'ingress'];

function annotationReasons(origin: Origin, podValue: string | undefined, nsValue: string | undefined): readonly SkipReason[] {
  if (origin === 'cli') return podValue === 'disabled' ? ['injection_disable_annotation_present'] : [];
  if (nsValue !== undefined && !validValues.includes(nsValue)) return ['invalid_inject_annotation_at_ns'];
  if (podValue !== undefined && !validValues.includes(podValue)) return ['invalid_inject_annotation_at_workload'];
  if (nsValue === 'enabled' || nsValue === 'ingress') {
    return podValue === 'disabled' ? ['injection_disable_annotation_present'] : [];
  }
  if (podValue !== 'enabled' && podValue !== 'ingress') return ['injection_enable_annotation_absent'];
  return [];
}

/** A proxy of ours or another mesh's is already there. */
export function hasSidecar(template: PodTemplate): boolean {
  const spec = template.spec;
  return spec.containers.some((c) => knownSidecarContainers.includes(c.name))
    || (spec.initContainers ?? []).some((c) => knownSidecarInitContainers.includes(c.name) || knownSidecarContainers.includes(c.name));
}

export function decide(template: PodTemplate, origin: Origin, manual: boolean, namespaceAnnotations: Readonly<Record<string, string>>): Decision {
  const metadata = templateMetadata(template);
  const podValue = stringMapOf(metadata['annotations'])[annotations.inject];
  const nsValue = namespaceAnnotations[annotations.inject];
  const reasons: SkipReason[] = [];
  if (template.spec.hostNetwork === true) reasons.push('host_network_enabled');
  if (hasSidecar(template)) reasons.push('sidecar_already_exists');
  else if ((template.spec.volumes ?? []).some((volume) => (Object.values(volumeNames) as readonly string[]).includes(String(volume.name)))) {
    // Not Linkerd's reason: injecting would duplicate the volume, and the API server would refuse the pod.
    reasons.push('sidecar_volume_name_taken');
  }
  reasons.push(...annotationReasons(origin, podValue, nsValue));
  if (!manual && Object.hasOwn(stringMapOf(metadata['labels']), labels.controlPlaneComponent)) reasons.push('control_plane_component_not_manual');
  const effective = podValue ?? nsValue;
  return { reasons, udp: hasUdpPorts(template.spec), ingress: effective === 'ingress' };
}
