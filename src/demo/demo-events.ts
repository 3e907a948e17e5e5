/**
 * The demo's event log (examples/demo.events.jsonl is this module's output with the default
 * timeline; scripts/gen-demo-events.js writes it): what a cluster's API server would have sent
 * while the demo's application was deployed and then `api` was rolled out.
 *
 * At the first entry: the namespace, the four Services, one ReplicaSet per Deployment, every pod
 * (injected: a `linkerd-proxy` container and the labels the injector writes) and its EndpointSlice,
 * and the policy that protects db (a Server on its port, a MeshTLSAuthentication of api's identity
 * and the AuthorizationPolicy joining them). From `rolloutAtS`, api's v1 pods are replaced one by
 * one (surge one, none unavailable): a v2 pod is created (its endpoint not ready), becomes ready
 * `readyAfterS` later; then a v1 pod is marked terminating (its endpoint not ready, still serving)
 * and removed two seconds after that, while the next v2 pod is created.
 *
 * Contract: pure and deterministic (same timeline, same text); every object carries a uid that
 * stays with it across changes and a resourceVersion that grows with every entry.
 */
import { createHash } from 'node:crypto';
import {
  admittedClient, clusterIpOf, containerPort, controlPlaneNamespace, demoNamespace, demoServices, demoWorkloads, type DemoWorkload,
  identityOf, podIpOf, protectedService, rolledOutWorkload, serviceNamed,
} from './demo-topology.js';

export interface DemoTimeline {
  /** Seconds after the first entry when the first v2 pod of api is created (default 25). */
  readonly rolloutAtS: number;
  /** Seconds from a pod's creation to its readiness (default 8: a proxy's start on a busy machine). */
  readonly readyAfterS: number;
  /** Replicas per workload, instead of the topology's (tests run a smaller mesh). */
  readonly replicas?: Readonly<Record<string, number>>;
}

export const defaultTimeline: DemoTimeline = { rolloutAtS: 25, readyAfterS: 8 };

/** How long after its endpoint is marked terminating a v1 pod is deleted. */
const terminationS = 2;
const logStart = Date.parse('2026-01-01T00:00:00Z');

type Json = Record<string, unknown>;

interface Entry {
  readonly atS: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: Json;
}

/** A short lowercase name part, as Kubernetes' generated names look, derived from `seed`. */
function suffix(seed: string, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(seed).digest();
  return Array.from({ length }, (_, i) => alphabet[(digest[i] ?? 0) % alphabet.length]).join('');
}

function uidOf(kind: string, name: string): string {
  const hex = createHash('sha256').update(`${kind}/${demoNamespace}/${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function meta(kind: string, name: string, extra: Json = {}): Json {
  return { name, namespace: demoNamespace, uid: uidOf(kind, name), creationTimestamp: new Date(logStart).toISOString(), ...extra };
}

interface PodPlan {
  readonly workload: DemoWorkload;
  readonly version: string;
  readonly replicaSet: string;
  readonly templateHash: string;
  readonly name: string;
  readonly ip: string;
}

function podPlans(workload: DemoWorkload, version: string, count: number, firstN: number): PodPlan[] {
  const templateHash = suffix(`${workload.name}-${version}`, 10);
  const replicaSet = `${workload.name}-${templateHash}`;
  return Array.from({ length: count }, (_, i) => ({
    workload, version, replicaSet, templateHash, name: `${replicaSet}-${suffix(`${replicaSet}-${i}`, 5)}`, ip: podIpOf(workload, firstN + i),
  }));
}

function namespaceObject(): Json {
  return {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: demoNamespace, uid: uidOf('Namespace', demoNamespace), labels: { 'kubernetes.io/metadata.name': demoNamespace }, annotations: { 'linkerd.io/inject': 'enabled' } },
  };
}

function serviceObject(name: string): Json {
  const service = serviceNamed(name);
  const ip = clusterIpOf(service);
  return {
    apiVersion: 'v1', kind: 'Service', metadata: meta('Service', name, { labels: { app: name } }),
    spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], selector: { app: name }, ports: [{ name: 'http', port: service.port, targetPort: containerPort, protocol: 'TCP' }] },
  };
}

function replicaSetObject(plan: PodPlan, replicas: number): Json {
  const labels = { app: plan.workload.name, version: plan.version, 'pod-template-hash': plan.templateHash };
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: meta('ReplicaSet', plan.replicaSet, {
      labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: plan.workload.name, uid: uidOf('Deployment', plan.workload.name), controller: true }],
    }),
    spec: { replicas, selector: { matchLabels: { app: plan.workload.name, 'pod-template-hash': plan.templateHash } } },
    status: { replicas, readyReplicas: replicas },
  };
}

function podObject(plan: PodPlan, state: { ready: boolean; terminating?: boolean }): Json {
  const image = plan.workload.name === 'nginx' ? 'nginxinc/nginx-unprivileged:1.27' : `ghcr.io/sinew/demo-${plan.workload.name}:${plan.version}`;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: meta('Pod', plan.name, {
      labels: {
        app: plan.workload.name, version: plan.version, 'pod-template-hash': plan.templateHash,
        'linkerd.io/control-plane-ns': controlPlaneNamespace, 'linkerd.io/proxy-deployment': plan.workload.name, 'linkerd.io/workload-ns': demoNamespace,
      },
      annotations: { 'linkerd.io/created-by': 'sinew/proxy-injector', 'linkerd.io/identity-mode': 'default', 'linkerd.io/inject': 'enabled' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: plan.replicaSet, uid: uidOf('ReplicaSet', plan.replicaSet), controller: true }],
      ...(state.terminating === true ? { deletionTimestamp: new Date(logStart).toISOString(), deletionGracePeriodSeconds: 30 } : {}),
    }),
    spec: {
      nodeName: 'demo-node', serviceAccountName: plan.workload.serviceAccount,
      containers: [
        { name: 'linkerd-proxy', image: 'ghcr.io/sinew/sinew:latest', ports: [{ name: 'linkerd-proxy', containerPort: 4143, protocol: 'TCP' }, { name: 'linkerd-admin', containerPort: 4191, protocol: 'TCP' }] },
        { name: 'app', image, ports: [{ name: 'http', containerPort, protocol: 'TCP' }], readinessProbe: { httpGet: { path: '/ready', port: containerPort } } },
      ],
    },
    status: {
      phase: 'Running', podIP: plan.ip, podIPs: [{ ip: plan.ip }], hostIP: '127.0.0.1',
      conditions: [{ type: 'Ready', status: state.ready ? 'True' : 'False' }, { type: 'ContainersReady', status: state.ready ? 'True' : 'False' }],
    },
  };
}

interface SliceEndpoint {
  readonly plan: PodPlan;
  readonly ready: boolean;
  readonly terminating?: boolean;
}

function endpointSliceObject(service: string, endpoints: readonly SliceEndpoint[]): Json {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: meta('EndpointSlice', `${service}-${suffix(service, 5)}`, { labels: { 'kubernetes.io/service-name': service } }),
    endpoints: endpoints.map(({ plan, ready, terminating = false }) => ({
      addresses: [plan.ip], conditions: { ready, serving: ready || terminating, terminating }, nodeName: 'demo-node',
      targetRef: { kind: 'Pod', name: plan.name, namespace: demoNamespace, uid: uidOf('Pod', plan.name) },
    })),
    ports: [{ name: 'http', port: containerPort, protocol: 'TCP' }],
  };
}

function policyObjects(): Json[] {
  const server = `${protectedService}-http`;
  const authentication = `${admittedClient}-only`;
  return [
    {
      apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: meta('Server', server),
      spec: { podSelector: { matchLabels: { app: protectedService } }, port: 'http', proxyProtocol: 'HTTP/1' },
    },
    {
      apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'MeshTLSAuthentication', metadata: meta('MeshTLSAuthentication', authentication),
      spec: { identities: [identityOf(admittedClient)] },
    },
    {
      apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: meta('AuthorizationPolicy', `${protectedService}-from-${admittedClient}`),
      spec: {
        targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: server },
        requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: authentication }],
      },
    },
  ];
}

function replicasOf(workload: DemoWorkload, timeline: DemoTimeline): number {
  return timeline.replicas?.[workload.name] ?? workload.replicas;
}

/** The initial state: everything at the first entry. */
function initialEntries(timeline: DemoTimeline): { entries: Entry[]; pods: Map<string, PodPlan[]> } {
  const entries: Entry[] = [];
  const add = (object: Json): void => { entries.push({ atS: 0, type: 'ADDED', object }); };
  const pods = new Map<string, PodPlan[]>();
  add(namespaceObject());
  for (const service of demoServices) add(serviceObject(service.name));
  for (const workload of demoWorkloads) {
    const plans = podPlans(workload, 'v1', replicasOf(workload, timeline), 1);
    pods.set(workload.name, plans);
    if (plans[0] !== undefined) add(replicaSetObject(plans[0], plans.length));
    for (const plan of plans) add(podObject(plan, { ready: true }));
  }
  for (const service of demoServices) add(endpointSliceObject(service.name, (pods.get(service.name) ?? []).map((plan) => ({ plan, ready: true }))));
  for (const object of policyObjects()) add(object);
  return { entries, pods };
}

type SliceChange = (slice: readonly SliceEndpoint[]) => SliceEndpoint[];

/** api's rollout: each v1 pod replaced by a v2 pod, one at a time. */
function rolloutEntries(timeline: DemoTimeline, oldPods: readonly PodPlan[]): Entry[] {
  const workload = demoWorkloads.find((candidate) => candidate.name === rolledOutWorkload) as DemoWorkload;
  const newPods = podPlans(workload, 'v2', oldPods.length, 11);
  const entries: Entry[] = [];
  const at = (atS: number, type: Entry['type'], object: Json): void => { entries.push({ atS, type, object }); };
  const sliceChanges: { atS: number; change: SliceChange }[] = [];
  const slice = (atS: number, change: SliceChange): void => { sliceChanges.push({ atS, change }); };
  if (newPods[0] !== undefined) at(timeline.rolloutAtS, 'ADDED', replicaSetObject(newPods[0], 0));
  newPods.forEach((plan, i) => {
    const created = timeline.rolloutAtS + i * timeline.readyAfterS;
    const ready = created + timeline.readyAfterS;
    const old = oldPods[i] as PodPlan;
    at(created, 'ADDED', podObject(plan, { ready: false }));
    slice(created, (endpoints) => [...endpoints, { plan, ready: false }]);
    at(ready, 'MODIFIED', podObject(plan, { ready: true }));
    slice(ready, (endpoints) => endpoints.map((endpoint) => (endpoint.plan === plan ? { plan, ready: true } : endpoint)));
    at(ready, 'MODIFIED', replicaSetObject(plan, i + 1));
    at(ready + 0.5, 'MODIFIED', podObject(old, { ready: false, terminating: true }));
    slice(ready + 0.5, (endpoints) => endpoints.map((endpoint) => (endpoint.plan === old ? { plan: old, ready: false, terminating: true } : endpoint)));
    slice(ready + 0.5 + terminationS, (endpoints) => endpoints.filter((endpoint) => endpoint.plan !== old));
    at(ready + 0.5 + terminationS, 'DELETED', podObject(old, { ready: false, terminating: true }));
    at(ready + 0.5 + terminationS, 'MODIFIED', replicaSetObject(old, oldPods.length - i - 1));
  });
  // The slice's successive states, in time order (the steps above overlap).
  let endpoints: SliceEndpoint[] = oldPods.map((plan) => ({ plan, ready: true }));
  for (const { atS, change } of sliceChanges.map((entry, order) => ({ ...entry, order })).sort((a, b) => a.atS - b.atS || a.order - b.order)) {
    endpoints = change(endpoints);
    at(atS, 'MODIFIED', endpointSliceObject(workload.name, endpoints));
  }
  return entries;
}

/** The log's text: one `{"at","type","object"}` line per entry, in time order, resourceVersions counting up. */
export function demoEventLog(timeline: DemoTimeline = defaultTimeline): string {
  const initial = initialEntries(timeline);
  const rollout = rolloutEntries(timeline, initial.pods.get(rolledOutWorkload) ?? []);
  const entries = [...initial.entries, ...rollout].map((entry, order) => ({ entry, order }))
    .sort((a, b) => a.entry.atS - b.entry.atS || a.order - b.order).map(({ entry }) => entry);
  return entries.map((entry, i) => {
    const metadata = { ...(entry.object.metadata as Json), resourceVersion: String(1000 + i) };
    const at = new Date(logStart + Math.round(entry.atS * 1000)).toISOString();
    return JSON.stringify({ at, type: entry.type, object: { ...entry.object, metadata } });
  }).join('\n') + '\n';
}
