/**
 * A control-plane component as a Deployment (and, with `--ha`, a PodDisruptionBudget): the
 * component's container with the admin server's probes, a locked-down security context, its
 * volumes, Linkerd's labels, and, with `--ha`, 3 replicas spread by hostname (required) and zone
 * (preferred).
 *
 * The Deployment passes through `mesh` last: that is where the Sinew proxy is added to the
 * control plane's own pods. The Deployment's selector names only the component and namespace
 * labels, so whatever labels meshing adds never breaks it.
 */
import { adminPort, type ComponentSpec } from './components.js';
import { imageText, type InstallValues, type Resources } from './install-values.js';
import { componentLabels, labelNames, type Labels, type Manifest } from './manifest.js';

export interface PodTemplate {
  readonly metadata: { readonly labels: Labels; readonly annotations: Labels };
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Adds the proxy to a control-plane Deployment's pods (or returns the Deployment as it is). */
export type WorkloadMesher = (deployment: Manifest) => Manifest;

function resourcesOf(resources: Resources): Record<string, Record<string, string>> | undefined {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const name of ['cpu', 'memory'] as const) {
    const value = resources[name];
    if (value?.request !== undefined) requests[name] = value.request;
    if (value?.limit !== undefined) limits[name] = value.limit;
  }
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return undefined;
  return { ...(Object.keys(requests).length > 0 ? { requests } : {}), ...(Object.keys(limits).length > 0 ? { limits } : {}) };
}

function container(component: ComponentSpec, values: InstallValues): Record<string, unknown> {
  const resources = resourcesOf(component.resources);
  return {
    name: component.container,
    image: imageText(values.controllerImage),
    imagePullPolicy: values.imagePullPolicy,
    args: [...component.args],
    ports: component.ports.map((port) => ({ ...port, protocol: 'TCP' })),
    livenessProbe: { httpGet: { path: '/live', port: adminPort }, initialDelaySeconds: 10 },
    readinessProbe: { httpGet: { path: '/ready', port: adminPort }, failureThreshold: 7 },
    ...(resources === undefined ? {} : { resources }),
    securityContext: {
      runAsUser: values.controllerUID,
      runAsGroup: values.controllerUID,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: component.volumes.map((volume) => ({ name: volume.name, mountPath: volume.mountPath, readOnly: true })),
  };
}

function antiAffinity(component: ComponentSpec): Record<string, unknown> {
  const selector = { matchExpressions: [{ key: labelNames.controlPlaneComponent, operator: 'In', values: [component.component] }] };
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: selector, topologyKey: 'topology.kubernetes.io/zone' } }],
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'kubernetes.io/hostname' }],
    },
  };
}

function podTemplate(component: ComponentSpec, values: InstallValues, createdBy: string): PodTemplate {
  return {
    metadata: {
      labels: { ...componentLabels(values.namespace, component.component), [labelNames.workloadNs]: values.namespace },
      annotations: { [labelNames.createdBy]: createdBy, ...component.podAnnotations },
    },
    spec: {
      serviceAccountName: component.serviceAccount,
      ...(values.enablePodAntiAffinity ? { affinity: antiAffinity(component) } : {}),
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      containers: [container(component, values)],
      volumes: component.volumes.map((volume) => ({
        name: volume.name,
        ...('secret' in volume.source ? { secret: { secretName: volume.source.secret } } : { configMap: { name: volume.source.configMap } }),
      })),
    },
  };
}

export function deploymentManifests(component: ComponentSpec, values: InstallValues, createdBy: string, mesh: WorkloadMesher): Manifest[] {
  const namespace = values.namespace;
  const selector = { matchLabels: componentLabels(namespace, component.component) };
  const deployment: Manifest = mesh({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: component.deployment,
      namespace,
      labels: {
        'app.kubernetes.io/name': component.component,
        'app.kubernetes.io/part-of': 'Linkerd',
        'app.kubernetes.io/version': values.linkerdVersion,
        ...componentLabels(namespace, component.component),
      },
      annotations: { [labelNames.createdBy]: createdBy },
    },
    spec: {
      replicas: values.controllerReplicas,
      revisionHistoryLimit: 10,
      selector,
      strategy: { type: 'RollingUpdate', rollingUpdate: { ...values.rollingUpdate } },
      template: podTemplate(component, values, createdBy),
    },
  });
  if (!values.enablePodDisruptionBudget) return [deployment];
  return [deployment, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: component.disruptionBudget, namespace, labels: componentLabels(namespace, component.component), annotations: { [labelNames.createdBy]: createdBy } },
    spec: { maxUnavailable: 1, selector },
  }];
}
