/**
 * A viz component as a Deployment (and, with `--ha` and more than one replica, a
 * PodDisruptionBudget): its container with its probes and a locked-down security context, its
 * volumes, Linkerd-viz's labels, the pod annotated for injection, and with `--ha` pods spread by
 * hostname (required) and zone (preferred).
 *
 * The injector adds the proxy when the pod is created: the Deployment is rendered unmeshed, as
 * Linkerd-viz renders its own. Its selector names only `linkerd.io/extension`, `component` and
 * `namespace`, so labels the injection adds never break it.
 */
import type { Resources } from './install-values.js';
import { labelNames, type Manifest } from './manifest.js';
import type { Probe, VizComponentSpec, VizVolume } from './viz-components.js';
import { vizLabels } from './viz-rbac.js';
import type { VizValues } from './viz-values.js';

function resourcesOf(resources: Resources): Record<string, Record<string, string>> | undefined {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const name of ['cpu', 'memory'] as const) {
    if (resources[name]?.request !== undefined) requests[name] = resources[name].request;
    if (resources[name]?.limit !== undefined) limits[name] = resources[name].limit;
  }
  const result = { ...(Object.keys(requests).length > 0 ? { requests } : {}), ...(Object.keys(limits).length > 0 ? { limits } : {}) };
  return Object.keys(result).length === 0 ? undefined : result;
}

function probe(spec: Probe, extra: Record<string, number>): Record<string, unknown> {
  const action = 'tcpPort' in spec ? { tcpSocket: { port: spec.tcpPort } } : { httpGet: { path: spec.httpPath, port: spec.port } };
  return { ...action, ...extra };
}

function container(component: VizComponentSpec, values: VizValues): Record<string, unknown> {
  const resources = resourcesOf(component.resources);
  return {
    name: component.name,
    image: component.image,
    imagePullPolicy: values.imagePullPolicy,
    args: [...component.args],
    ports: [{ ...component.port, protocol: 'TCP' }],
    livenessProbe: probe(component.liveness, { initialDelaySeconds: 10, timeoutSeconds: 5 }),
    readinessProbe: probe(component.readiness, { failureThreshold: 7, timeoutSeconds: 5 }),
    ...(resources === undefined ? {} : { resources }),
    securityContext: {
      runAsUser: component.runAsUser,
      runAsGroup: component.runAsUser,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(component.volumes.length === 0 ? {} : {
      volumeMounts: component.volumes.map((volume) => ({ name: volume.name, mountPath: volume.mountPath, readOnly: volume.readOnly })),
    }),
  };
}

function volume(spec: VizVolume): Record<string, unknown> {
  const { source } = spec;
  if ('configMap' in source) return { name: spec.name, configMap: { name: source.configMap } };
  if ('emptyDir' in source) return { name: spec.name, emptyDir: {} };
  return { name: spec.name, projected: { sources: [{ serviceAccountToken: { ...source.serviceAccountToken } }] } };
}

function antiAffinity(component: VizComponentSpec): Record<string, unknown> {
  const selector = { matchExpressions: [{ key: 'component', operator: 'In', values: [component.name] }] };
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: selector, topologyKey: 'topology.kubernetes.io/zone' } }],
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'kubernetes.io/hostname' }],
    },
  };
}

function podTemplate(component: VizComponentSpec, values: VizValues, createdBy: string): Record<string, unknown> {
  const spread = values.enablePodAntiAffinity && component.replicas > 1;
  return {
    metadata: {
      labels: vizLabels(values.namespace, component.name),
      annotations: { [labelNames.createdBy]: createdBy, [labelNames.inject]: 'enabled', ...component.podAnnotations },
    },
    spec: {
      serviceAccountName: component.name,
      automountServiceAccountToken: component.apiAccess,
      ...(spread ? { affinity: antiAffinity(component) } : {}),
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      securityContext: { seccompProfile: { type: 'RuntimeDefault' }, ...(component.name === 'prometheus' ? { fsGroup: component.runAsUser } : {}) },
      containers: [container(component, values)],
      ...(component.volumes.length === 0 ? {} : { volumes: component.volumes.map(volume) }),
    },
  };
}

export function vizDeploymentManifests(component: VizComponentSpec, values: VizValues, createdBy: string): Manifest[] {
  const namespace = values.namespace;
  const selector = { matchLabels: vizLabels(namespace, component.name) };
  const annotations = { [labelNames.createdBy]: createdBy };
  const deployment: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: component.name,
      namespace,
      labels: {
        'app.kubernetes.io/name': component.name,
        'app.kubernetes.io/part-of': 'Linkerd',
        'app.kubernetes.io/version': values.version,
        ...vizLabels(namespace, component.name),
      },
      annotations,
    },
    spec: {
      replicas: component.replicas,
      revisionHistoryLimit: 10,
      selector,
      strategy: { type: 'RollingUpdate', rollingUpdate: { ...values.rollingUpdate } },
      template: podTemplate(component, values, createdBy),
    },
  };
  if (!values.enablePodDisruptionBudget || component.replicas < 2) return [deployment];
  return [deployment, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: component.name, namespace, labels: vizLabels(namespace, component.name), annotations },
    spec: { maxUnavailable: 1, selector },
  }];
}
