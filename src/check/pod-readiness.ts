/**
 * Is a pod running with every long-lived container ready? Long-lived means the regular
 * containers and the native sidecars (init containers with `restartPolicy: Always`, as Sinew
 * injects its proxy by default); run-to-completion init containers are done by the time a pod runs.
 */
import { proxyContainerName } from './control-plane-names.js';
import type { Pod } from './resources.js';

/** The names of the containers that must be ready for the pod to serve. */
export function longLivedContainers(pod: Pod): string[] {
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
  return [...sidecars, ...pod.spec.containers.map((c) => c.name)];
}

/** Why the pod is not running with all its long-lived containers ready, or undefined. */
export function podNotReadyReason(pod: Pod): string | undefined {
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase !== 'Running') return `pod/${pod.metadata.name} is ${phase}`;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const name of longLivedContainers(pod)) {
    if (statuses.find((s) => s.name === name)?.ready !== true) return `pod/${pod.metadata.name} container ${name} is not ready`;
  }
  return undefined;
}

/** The proxy container of an injected pod (a native sidecar or a regular container), if any. */
export function proxyContainer(pod: Pod): Pod['spec']['containers'][number] | undefined {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === proxyContainerName);
}

/** Whether the pod's proxy container reports ready. */
export function proxyReady(pod: Pod): boolean {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.find((s) => s.name === proxyContainerName)?.ready === true;
}
