/**
 * Small fixtures for the viz unit tests: an inventory over plain pod records and a backend that
 * records the PromQL it is asked and answers from a table.
 */
import { type MetricQuery, type MetricsBackend, renderPromQl, type VectorSample } from '../../src/viz/metric-query.js';
import type { Resource, ResourceType } from '../../src/viz/metrics-api-types.js';
import type { Inventory, OwnerType, WorkloadPod } from '../../src/viz/workloads.js';

export function fakePod(namespace: string, name: string, options: { ip?: string; deployment?: string; meshed?: boolean; phase?: string; sa?: string; labels?: Record<string, string>; adminPort?: number } = {}): WorkloadPod {
  const meshed = options.meshed ?? true;
  return {
    namespace, name, ip: options.ip, phase: options.phase ?? 'Running', meshed, serviceAccount: options.sa ?? 'default',
    labels: options.labels ?? {}, proxyPorts: meshed ? { 'linkerd-admin': options.adminPort ?? 4191 } : {}, adminPort: options.adminPort ?? 4191,
    owners: options.deployment === undefined ? {} : { deployment: options.deployment },
  };
}

export function fakeInventory(pods: readonly WorkloadPod[]): Inventory {
  const nameOf = (pod: WorkloadPod, type: ResourceType): string | undefined =>
    type === 'pod' ? pod.name : type === 'namespace' ? pod.namespace : pod.owners[type as OwnerType];
  const inScope = (pod: WorkloadPod, namespace: string): boolean => namespace === '' || pod.namespace === namespace;
  const self: Inventory = {
    pods: (namespace) => pods.filter((pod) => inScope(pod, namespace ?? '')),
    podsOf: (resource: Resource) => pods.filter((pod) => inScope(pod, resource.type === 'namespace' ? resource.name : resource.namespace)
      && nameOf(pod, resource.type) !== undefined && (resource.name === '' || nameOf(pod, resource.type) === resource.name)),
    list: (type, namespace) => {
      const seen = new Map<string, Resource>();
      for (const pod of pods.filter((each) => inScope(each, namespace))) {
        const name = nameOf(pod, type);
        if (name !== undefined) seen.set(`${pod.namespace}/${name}`, { type, namespace: pod.namespace, name });
      }
      return [...seen.values()];
    },
    podByIp: (ip) => pods.find((pod) => pod.ip === ip),
    namespaces: () => [...new Set(pods.map((pod) => pod.namespace))].sort(),
    synced: () => true,
  };
  return self;
}

/** Records every query's PromQL; answers with `answer(query)` (default: nothing). */
export function recordingBackend(answer: (query: MetricQuery) => VectorSample[] = () => []): MetricsBackend & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked, description: 'recording',
    query: (query) => {
      asked.push(renderPromQl(query));
      return Promise.resolve(answer(query));
    },
  };
}
