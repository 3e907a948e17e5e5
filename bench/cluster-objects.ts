/**
 * The benchmark cluster: Deployments' pods, their Services and EndpointSlices, as the API server
 * prints them (`kubectl get -o json`), so the projections have real work to do.
 *
 * It measures nothing itself. Every object is built deterministically from its index, with what a
 * real Deployment's pod carries and Sinew throws away: managedFields, container env, resources,
 * volumes, tolerations, conditions and container statuses; Services carry kubectl's
 * last-applied-configuration annotation. Pods are as the ReplicaSet creates them, without the
 * linkerd-proxy sidecar: a Running pod is about 7 KB of JSON (an injected one is about twice that,
 * and would cost about twice the parse time). The bare shapes come from the test builders in
 * `test/support/objects.ts`; this file dresses them up.
 */
import { endpointSlice, pod, service } from '../test/support/objects.js';

export interface ClusterShape {
  readonly services: number;
  readonly podsPerService: number;
  readonly namespaces: number;
}

/** The cluster of every benchmark: 1,000 services of 10 pods each, across 20 namespaces. */
export const benchCluster: ClusterShape = { services: 1000, podsPerService: 10, namespaces: 20 };

export type PodPhase = 'Pending' | 'Running';

type Json = Record<string, unknown>;

const created = '2026-11-24T08:00:00Z';
const started = '2026-11-24T08:00:07Z';

export function namespaceOf(shape: ClusterShape, serviceIndex: number): string {
  return `team-${serviceIndex % shape.namespaces}`;
}

export function serviceName(serviceIndex: number): string {
  return `svc-${serviceIndex}`;
}

function podName(podIndex: number): string {
  return `${serviceName(Math.floor(podIndex / 10))}-7d9f8c6b5d-${(podIndex * 7919).toString(36).padStart(5, 'x')}`;
}

function podIp(podIndex: number): string {
  return `10.${244 + (podIndex >> 16)}.${(podIndex >> 8) & 255}.${podIndex & 255}`;
}

function uid(prefix: number, index: number): string {
  const hex = (prefix * 1_000_003 + index).toString(16).padStart(12, '0');
  return `5f0c${hex.slice(0, 4)}-2a1b-4c3d-9e8f-${hex.slice(-12)}`;
}

function fields(names: readonly string[]): Json {
  return Object.fromEntries(names.map((name) => [`f:${name}`, {}]));
}

const appEnv = ['LOG_LEVEL', 'LOG_FORMAT', 'HTTP_PORT', 'GRPC_PORT', 'DATABASE_URL', 'CACHE_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_SERVICE_NAME', 'FEATURE_FLAGS', 'REGION', 'SECRET_TOKEN', 'MAX_CONNECTIONS'];

function podSpec(namespace: string, app: string, base: Json, node: string): Json {
  const appContainer = ((base.spec as Json).containers as Json[])[0] as Json;
  const mounts = [{ name: 'kube-api-access-x7k2q', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }];
  return {
    volumes: [
      { name: 'kube-api-access-x7k2q', projected: { defaultMode: 420, sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ] } },
    ],
    containers: [
      {
        ...appContainer, image: `registry.example.com/${namespace}/${app}:1.24.3`, imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'grpc', containerPort: 9090, protocol: 'TCP' }],
        env: appEnv.map((name, i) => ({ name, value: `${app}-${name.toLowerCase()}-value-${i}` })),
        resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, failureThreshold: 3, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
        readinessProbe: { httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, failureThreshold: 3, periodSeconds: 5, successThreshold: 1, timeoutSeconds: 1 },
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', volumeMounts: mounts,
      },
    ],
    dnsPolicy: 'ClusterFirst', enableServiceLinks: true, nodeName: node, preemptionPolicy: 'PreemptLowerPriority', priority: 0,
    restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, serviceAccount: app, serviceAccountName: app,
    terminationGracePeriodSeconds: 30,
    tolerations: [
      { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
      { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
    ],
  };
}

function podStatus(phase: PodPhase, ip: string, hostIp: string): Json {
  const condition = (type: string, status: string): Json => ({ lastProbeTime: null, lastTransitionTime: started, status, type });
  if (phase === 'Pending') {
    return { phase, conditions: [condition('PodScheduled', 'True'), condition('Initialized', 'False')], hostIP: hostIp, qosClass: 'Burstable', startTime: created };
  }
  const running = (name: string, image: string): Json => ({
    containerID: `containerd://${name}-${ip.replaceAll('.', '')}0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f`,
    image, imageID: `${image}@sha256:3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c`, lastState: {}, name, ready: true,
    restartCount: 0, started: true, state: { running: { startedAt: started } },
  });
  return {
    phase,
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => condition(type, 'True')),
    hostIP: hostIp, hostIPs: [{ ip: hostIp }], podIP: ip, podIPs: [{ ip }], qosClass: 'Burstable', startTime: created,
    containerStatuses: [running('app', 'registry.example.com/app:1.24.3')],
  };
}

function podManagedFields(rsUid: string): Json[] {
  const container = (env: readonly string[]): Json => ({
    '.': {}, ...fields(['image', 'imagePullPolicy', 'name', 'resources', 'terminationMessagePath', 'terminationMessagePolicy']),
    'f:env': { '.': {}, ...Object.fromEntries(env.map((variable) => [`k:{"name":"${variable}"}`, { '.': {}, ...fields(['name', 'value']) }])) },
    'f:ports': { '.': {}, 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, ...fields(['containerPort', 'name', 'protocol']) } },
    'f:readinessProbe': { '.': {}, ...fields(['failureThreshold', 'periodSeconds', 'successThreshold', 'timeoutSeconds']) },
  });
  return [
    {
      apiVersion: 'v1', fieldsType: 'FieldsV1', manager: 'kube-controller-manager', operation: 'Update', time: created,
      fieldsV1: {
        'f:metadata': {
          'f:annotations': { '.': {}, ...fields(['kubectl.kubernetes.io/restartedAt', 'linkerd.io/inject']) },
          ...fields(['generateName']),
          'f:labels': { '.': {}, ...fields(['app', 'app.kubernetes.io/name', 'pod-template-hash', 'version']) },
          'f:ownerReferences': { '.': {}, [`k:{"uid":"${rsUid}"}`]: {} },
        },
        'f:spec': {
          'f:containers': { 'k:{"name":"app"}': container(appEnv) },
          ...fields(['dnsPolicy', 'enableServiceLinks', 'restartPolicy', 'schedulerName', 'securityContext', 'serviceAccount', 'serviceAccountName', 'terminationGracePeriodSeconds']),
        },
      },
    },
    {
      apiVersion: 'v1', fieldsType: 'FieldsV1', manager: 'kubelet', operation: 'Update', subresource: 'status', time: started,
      fieldsV1: { 'f:status': {
        'f:conditions': Object.fromEntries(['ContainersReady', 'Initialized', 'PodReadyToStartContainers', 'Ready'].map((type) =>
          [`k:{"type":"${type}"}`, { '.': {}, ...fields(['lastProbeTime', 'lastTransitionTime', 'status', 'type']) }])),
        ...fields(['containerStatuses', 'hostIP', 'phase', 'podIP', 'startTime']),
        'f:hostIPs': {}, 'f:podIPs': { '.': {}, 'k:{"ip":"10.244.0.1"}': { '.': {}, ...fields(['ip']) } },
      } },
    },
  ];
}

/** Pod `podIndex` (service `podIndex / podsPerService`), in the given phase and resourceVersion. */
export function podJson(shape: ClusterShape, podIndex: number, phase: PodPhase, resourceVersion: string): Json {
  const serviceIndex = Math.floor(podIndex / shape.podsPerService);
  const namespace = namespaceOf(shape, serviceIndex);
  const app = serviceName(serviceIndex);
  const node = `node-${podIndex % 50}`;
  const ip = podIp(podIndex);
  const base = pod(namespace, podName(podIndex), { ip, node, serviceAccount: app, labels: { app } });
  const rsUid = uid(2, serviceIndex);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: podName(podIndex), generateName: `${app}-7d9f8c6b5d-`, namespace, uid: uid(1, podIndex), resourceVersion, creationTimestamp: created,
      labels: { app, 'app.kubernetes.io/name': app, 'pod-template-hash': '7d9f8c6b5d', version: 'v1' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': created, 'linkerd.io/inject': 'enabled' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7d9f8c6b5d`, uid: rsUid, controller: true, blockOwnerDeletion: true }],
      managedFields: podManagedFields(rsUid),
    },
    spec: podSpec(namespace, app, base, node),
    status: podStatus(phase, ip, `192.168.1.${podIndex % 50}`),
  };
}

/** Service `serviceIndex`, with an http (80 → 8080) and a grpc (9090) port. */
export function serviceJson(shape: ClusterShape, serviceIndex: number, resourceVersion: string): Json {
  const namespace = namespaceOf(shape, serviceIndex);
  const name = serviceName(serviceIndex);
  const clusterIP = `10.96.${(serviceIndex >> 8) & 255}.${serviceIndex & 255}`;
  const base = service(namespace, name, [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'grpc', port: 9090, targetPort: 9090 }], clusterIP);
  const spec = base.spec as Json;
  const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { annotations: {}, labels: { app: name }, name, namespace }, spec: { ports: spec.ports, selector: spec.selector } });
  return {
    ...base,
    metadata: {
      name, namespace, uid: uid(3, serviceIndex), resourceVersion, creationTimestamp: created, labels: { app: name, 'app.kubernetes.io/part-of': 'bench' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied + '\n' },
      managedFields: [{ apiVersion: 'v1', fieldsType: 'FieldsV1', manager: 'kubectl-client-side-apply', operation: 'Update', time: created,
        fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, ...fields(['kubectl.kubernetes.io/last-applied-configuration']) }, 'f:labels': { '.': {}, ...fields(['app']) } },
          'f:spec': { 'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, ...fields(['name', 'port', 'protocol', 'targetPort']) } }, ...fields(['internalTrafficPolicy', 'selector', 'sessionAffinity', 'type']) } } }],
    },
    spec: { ...spec, internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None' },
    status: { loadBalancer: {} },
  };
}

/** The one EndpointSlice of service `serviceIndex`, holding all its pods, ready or not. */
export function endpointSliceJson(shape: ClusterShape, serviceIndex: number, ready: boolean, resourceVersion: string): Json {
  const namespace = namespaceOf(shape, serviceIndex);
  const name = serviceName(serviceIndex);
  const first = serviceIndex * shape.podsPerService;
  const pods = Array.from({ length: shape.podsPerService }, (_, i) => first + i);
  const base = endpointSlice(namespace, `${name}-8fx2k`, name, pods.map((index) => ({ ip: podIp(index), ready, pod: podName(index) })),
    [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }]);
  const endpoints = (base.endpoints as Json[]).map((endpoint, i) => ({
    ...endpoint,
    conditions: { ready, serving: ready, terminating: false },
    nodeName: `node-${(first + i) % 50}`, zone: `zone-${(first + i) % 3}`,
    targetRef: { ...(endpoint.targetRef as Json), uid: uid(1, first + i) },
  }));
  return {
    ...base,
    metadata: {
      ...(base.metadata as Json), generateName: `${name}-`, uid: uid(4, serviceIndex), resourceVersion, creationTimestamp: created, generation: 2,
      labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': name, app: name },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': started },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: uid(3, serviceIndex), controller: true, blockOwnerDeletion: true }],
    },
    endpoints,
  };
}
