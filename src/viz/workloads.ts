/**
 * The workload inventory behind viz: which pods a resource (`deploy/web`, `ns/shop`, `po/web-1`,
 * `svc/web`) has, whether each is meshed (has a `linkerd-proxy` container), its IP, its proxy's
 * ports, and the workloads it belongs to — read from the control plane's store (workload-source.ts
 * feeds it from the API server or an event log).
 *
 * Contract: a pure reading of one StoreView; nothing is cached, so every call sees the store as it
 * is now. A pod's owners come from its controller owner references (Pod → ReplicaSet → Deployment,
 * Pod → Job → CronJob, Pod → StatefulSet/DaemonSet/ReplicationController), and where those are
 * missing from the `linkerd.io/proxy-<kind>` labels the injector writes. `owners` also holds the
 * labels Prometheus puts on the pod's proxy metrics (`deployment`, `k8s_job`, …; see
 * scrape-labels.ts), so a row's name matches a metric's label.
 */
import { objectKey } from '../informers/kind.js';
import { namespaceKind, podKind, replicaSetKind, jobKind, serviceKind } from '../informers/kinds/index.js';
import { resourceId } from '../informers/kind.js';
import type { Job } from '../informers/kinds/job.js';
import type { Namespace } from '../informers/kinds/namespace.js';
import type { Pod } from '../informers/kinds/pod.js';
import type { ReplicaSet } from '../informers/kinds/replica-set.js';
import type { Service } from '../informers/kinds/service.js';
import type { ObjectMeta } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import type { Resource, ResourceType } from './metrics-api-types.js';

/** The workload types a pod can belong to. */
export type OwnerType = 'deployment' | 'replicaset' | 'statefulset' | 'daemonset' | 'job' | 'cronjob' | 'replicationcontroller';
const ownerTypes: readonly OwnerType[] = ['deployment', 'replicaset', 'statefulset', 'daemonset', 'job', 'cronjob', 'replicationcontroller'];

export const proxyContainerName = 'linkerd-proxy';
export const defaultAdminPort = 4191;
export const defaultTapPort = 4190;

export interface WorkloadPod {
  readonly namespace: string;
  readonly name: string;
  /** undefined until the pod has an address. */
  readonly ip: string | undefined;
  readonly phase: string;
  readonly meshed: boolean;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The proxy container's named ports (`linkerd-admin` → 4191, `linkerd-proxy`, …); empty when not meshed. */
  readonly proxyPorts: Readonly<Record<string, number>>;
  /** The proxy's admin port (`linkerd-admin`, default 4191). */
  readonly adminPort: number;
  /** The workloads it belongs to, by type: `{ replicaset: 'web-5d8f', deployment: 'web' }`. */
  readonly owners: Readonly<Partial<Record<OwnerType, string>>>;
}

export interface Inventory {
  /** Every pod, or those of one namespace ('' or undefined: all). */
  pods(namespace?: string): readonly WorkloadPod[];
  /** The pods of a resource; a resource without a name stands for every one of its type. */
  podsOf(resource: Resource): readonly WorkloadPod[];
  /** The resources of a type, named, in one namespace ('' for all), sorted by namespace then name. */
  list(type: ResourceType, namespace: string): readonly Resource[];
  /** The pod with this IP, if one has it. */
  podByIp(ip: string): WorkloadPod | undefined;
  namespaces(): readonly string[];
  /** Whether the store has listed every kind once. */
  synced(): boolean;
}

const pods = resourceId(podKind);
const replicaSets = resourceId(replicaSetKind);
const jobs = resourceId(jobKind);
const namespaces = resourceId(namespaceKind);
const services = resourceId(serviceKind);

function controllerOf(metadata: Readonly<ObjectMeta>): { kind: string; name: string } | undefined {
  const refs = metadata.ownerReferences ?? [];
  return refs.find((ref) => ref.controller === true) ?? refs[0];
}

const kindTypes: Readonly<Record<string, OwnerType>> = {
  Deployment: 'deployment', ReplicaSet: 'replicaset', StatefulSet: 'statefulset', DaemonSet: 'daemonset',
  Job: 'job', CronJob: 'cronjob', ReplicationController: 'replicationcontroller',
};

function ownersOf(view: StoreView, pod: Pod): Partial<Record<OwnerType, string>> {
  const owners: Partial<Record<OwnerType, string>> = {};
  const namespace = pod.metadata.namespace;
  const direct = controllerOf(pod.metadata);
  const type = direct === undefined ? undefined : kindTypes[direct.kind];
  if (direct !== undefined && type !== undefined) {
    owners[type] = direct.name;
    const parentObject = type === 'replicaset'
      ? view.get<ReplicaSet>(objectKey(replicaSets, namespace, direct.name))
      : type === 'job' ? view.get<Job>(objectKey(jobs, namespace, direct.name)) : undefined;
    const parent = parentObject === undefined ? undefined : controllerOf(parentObject.metadata);
    const parentType = parent === undefined ? undefined : kindTypes[parent.kind];
    if (parent !== undefined && parentType !== undefined) owners[parentType] = parent.name;
  }
  const labels = pod.metadata.labels ?? {};
  for (const owner of ownerTypes) {
    const label = labels[`linkerd.io/proxy-${owner}`];
    if (owners[owner] === undefined && label !== undefined) owners[owner] = label;
  }
  return owners;
}

function proxyPortsOf(pod: Pod): Record<string, number> {
  const proxy = pod.spec.containers.find((container) => container.name === proxyContainerName);
  const ports: Record<string, number> = {};
  for (const port of proxy?.ports ?? []) if (port.name !== undefined) ports[port.name] = port.containerPort;
  return ports;
}

export function workloadPod(view: StoreView, pod: Pod): WorkloadPod {
  const proxyPorts = proxyPortsOf(pod);
  return {
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    ip: pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip,
    phase: pod.status?.phase ?? 'Unknown',
    meshed: pod.spec.containers.some((container) => container.name === proxyContainerName),
    serviceAccount: pod.spec.serviceAccountName ?? 'default',
    labels: pod.metadata.labels ?? {},
    proxyPorts,
    adminPort: proxyPorts['linkerd-admin'] ?? defaultAdminPort,
    owners: ownersOf(view, pod),
  };
}

function nameOf(pod: WorkloadPod, type: ResourceType): string | undefined {
  if (type === 'pod') return pod.name;
  if (type === 'namespace') return pod.namespace;
  return (ownerTypes as readonly string[]).includes(type) ? pod.owners[type as OwnerType] : undefined;
}

function selectedBy(service: Service | undefined, pod: WorkloadPod): boolean {
  const selector = service?.spec.selector;
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => pod.labels[key] === value);
}

export function inventory(view: StoreView): Inventory {
  const all = (namespace?: string): WorkloadPod[] =>
    view.list<Pod>(pods, namespace === '' ? undefined : namespace).map((pod) => workloadPod(view, pod));
  const self: Inventory = {
    pods: all,
    podsOf: (resource) => {
      const scope = resource.type === 'namespace' ? resource.name : resource.namespace;
      const candidates = all(scope);
      if (resource.type === 'service') {
        const list = resource.name === ''
          ? view.list<Service>(services, scope === '' ? undefined : scope)
          : [view.get<Service>(objectKey(services, resource.namespace, resource.name))];
        return candidates.filter((pod) => list.some((service) => service?.metadata.namespace === pod.namespace && selectedBy(service, pod)));
      }
      return candidates.filter((pod) => {
        const name = nameOf(pod, resource.type);
        return name !== undefined && (resource.name === '' || name === resource.name);
      });
    },
    list: (type, namespace) => {
      if (type === 'namespace') {
        return self.namespaces().filter((name) => namespace === '' || name === namespace).map((name) => ({ type, namespace: name, name }));
      }
      if (type === 'service') {
        return view.list<Service>(services, namespace === '' ? undefined : namespace)
          .map((service) => ({ type, namespace: service.metadata.namespace, name: service.metadata.name }));
      }
      const seen = new Map<string, Resource>();
      for (const pod of all(namespace)) {
        const name = nameOf(pod, type);
        if (name !== undefined) seen.set(`${pod.namespace}/${name}`, { type, namespace: pod.namespace, name });
      }
      return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, resource]) => resource);
    },
    podByIp: (ip) => {
      const [found] = view.byIndex<Pod>('podIp', ip);
      return found === undefined ? undefined : workloadPod(view, found);
    },
    namespaces: () => {
      const names = new Set(view.list<Namespace>(namespaces).map((ns) => ns.metadata.name));
      for (const pod of view.list<Pod>(pods)) names.add(pod.metadata.namespace);
      return [...names].sort();
    },
    synced: () => view.synced(),
  };
  return self;
}
