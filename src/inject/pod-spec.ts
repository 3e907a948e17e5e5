/**
 * The parts of a pod spec injection reads and writes, typed over plain JSON: containers, their
 * ports, init containers, volumes. Unknown fields ride along untouched.
 */
import type { JsonObject } from './workload.js';

export interface ContainerPort extends JsonObject {
  readonly containerPort: number;
  readonly name?: string;
  readonly protocol?: string;
}

export interface Container extends JsonObject {
  readonly name: string;
  readonly image?: string;
  readonly ports?: readonly ContainerPort[] | null;
  readonly restartPolicy?: string;
}

export interface Volume extends JsonObject {
  readonly name: string;
}

export interface PodSpec extends JsonObject {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[] | null;
  readonly volumes?: readonly Volume[] | null;
  readonly hostNetwork?: boolean | null;
}

export interface PodTemplate extends JsonObject {
  readonly metadata?: JsonObject | null;
  readonly spec: PodSpec;
}

/** The containers that serve traffic: the regular ones and native sidecars (`restartPolicy: Always`). */
export function servingContainers(spec: PodSpec): readonly Container[] {
  return [...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...spec.containers];
}

/** The container ports of a pod, numerically sorted without repeats (Linkerd's `podInboundPorts`). */
export function inboundPorts(spec: PodSpec): readonly number[] {
  const ports = new Set<number>();
  for (const container of servingContainers(spec)) {
    for (const port of container.ports ?? []) ports.add(port.containerPort);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Whether any container declares a UDP port, which the proxy does not carry. */
export function hasUdpPorts(spec: PodSpec): boolean {
  return spec.containers.some((container) => (container.ports ?? []).some((port) => port.protocol === 'UDP'));
}

/**
 * Opaque ports with port names resolved to the numbers of the pod's container ports (a name no
 * container declares is dropped, as Linkerd drops it); numbers and ranges pass through.
 */
export function resolveOpaquePorts(list: string, spec: PodSpec): string {
  const named = new Map<string, number>();
  for (const container of servingContainers(spec)) {
    for (const port of container.ports ?? []) {
      if (port.name !== undefined) named.set(port.name, port.containerPort);
    }
  }
  const resolved: string[] = [];
  for (const item of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (/^\d+(-\d+)?$/.test(item)) resolved.push(item);
    else if (named.has(item)) resolved.push(String(named.get(item)));
  }
  return [...new Set(resolved)].join(',');
}
