/**
 * The facts about one pod that inbound policy needs for any of its ports: the default policy and
 * where it came from, the ports that require identity or are opaque, container port names, and
 * the HTTP probe paths per port. Plain data, so a subscriber can build the default server for a
 * port nobody listed.
 */
import { objectKey } from '../informers/kind.js';
import type { Namespace } from '../informers/kinds/namespace.js';
import type { Pod } from '../informers/kinds/pod.js';
import type { ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import { type ChosenDefaultPolicy, chooseDefaultPolicy, requireIdentityPortsAnnotation } from './default-policy.js';
import type { MeshConfig } from './mesh-config.js';
import { opaquePortsAnnotation } from './pod-endpoint.js';

export interface PodPolicyFacts {
  readonly namespace: string;
  readonly pod: string;
  readonly defaultPolicy: ChosenDefaultPolicy;
  /** `config.linkerd.io/proxy-require-identity-inbound-ports`, as written. */
  readonly requireIdentityPorts: string;
  /** The pod's opaque ports (its annotation, else its namespace's, else the default list). */
  readonly opaquePorts: string;
  /** Container port names to numbers: several containers may use one name (each sidecar its `admin`). */
  readonly portNames: Readonly<Record<string, readonly number[]>>;
  /** HTTP liveness and readiness probe paths, by port number. */
  readonly probePaths: Readonly<Record<string, readonly string[]>>;
}

const namespaces = 'namespaces' as ResourceId;

export function podPolicyFacts(view: StoreView, config: MeshConfig, pod: Pod): PodPolicyFacts {
  const namespace = view.get<Namespace>(objectKey(namespaces, undefined, pod.metadata.namespace));
  const annotations = pod.metadata.annotations ?? {};
  const portNames: Record<string, number[]> = {};
  const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  for (const container of containers) {
    for (const port of container.ports ?? []) {
      if (port.name === undefined) continue;
      const numbers = Object.hasOwn(portNames, port.name) ? portNames[port.name] ?? [] : (portNames[port.name] = []);
      if (!numbers.includes(port.containerPort)) numbers.push(port.containerPort);
    }
  }
  const probePaths: Record<string, string[]> = {};
  for (const container of pod.spec.containers) {
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      const get = probe?.httpGet;
      if (get === undefined) continue;
      const port = typeof get.port === 'number' ? get.port : portsNamed(portNames, get.port)[0] ?? (/^\d+$/.test(get.port) ? Number(get.port) : undefined);
      if (port === undefined) continue;
      const paths = probePaths[String(port)] ??= [];
      const path = get.path === undefined || get.path === '' ? '/' : get.path;
      if (!paths.includes(path)) paths.push(path);
    }
  }
  for (const paths of Object.values(probePaths)) paths.sort();
  return {
    namespace: pod.metadata.namespace,
    pod: pod.metadata.name,
    defaultPolicy: chooseDefaultPolicy(annotations, namespace?.metadata.annotations, config.defaultInboundPolicy),
    requireIdentityPorts: annotations[requireIdentityPortsAnnotation] ?? '',
    opaquePorts: annotations[opaquePortsAnnotation] ?? namespace?.metadata.annotations?.[opaquePortsAnnotation] ?? config.defaultOpaquePorts,
    portNames,
    probePaths,
  };
}

/** The container port name of a port number, if any container names it. */
export function portNameOf(facts: PodPolicyFacts, port: number): string | undefined {
  for (const [name, numbers] of Object.entries(facts.portNames)) if (numbers.includes(port)) return name;
  return undefined;
}

/** The port numbers a container port name stands for (own keys only: `constructor` is a fine port name). */
export function portsNamed(portNames: PodPolicyFacts['portNames'], name: string): readonly number[] {
  return Object.hasOwn(portNames, name) ? portNames[name] ?? [] : [];
}
