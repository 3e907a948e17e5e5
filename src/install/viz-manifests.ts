/**
 * Everything `sinew viz install` prints, in the order `kubectl apply` should create it: the
 * namespace (labelled `linkerd.io/extension: viz` so the CLI finds it, annotated for injection as
 * Linkerd-viz's), ServiceAccounts and RBAC, ConfigMaps (the trust anchors the tap server verifies
 * identity and proxies with, and Prometheus' configuration), Services, then Deployments (and
 * PodDisruptionBudgets with `--ha`).
 *
 * Pure: the same values and trust anchors give the same objects.
 */
import { labelNames, type Manifest } from './manifest.js';
import { vizComponents, vizConfigNames, vizPorts } from './viz-components.js';
import { vizDeploymentManifests } from './viz-deployments.js';
import { discoveryRoles, prometheusConfig, type PrometheusConfigOptions, prometheusConfigYaml } from './viz-prometheus-config.js';
import { vizLabels, vizRbacManifests } from './viz-rbac.js';
import { installsPrometheus, type VizValues } from './viz-values.js';

export const vizExtensionLabel = 'linkerd.io/extension';
export const externalPrometheusAnnotation = 'viz.linkerd.io/external-prometheus';
export const scrapeInterval = '10s';

/** The `linkerd.io/created-by` annotation's value. */
export function vizCreatedBy(values: VizValues): string {
  return `sinew/cli ${values.version}`;
}

function namespaceManifest(values: VizValues): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: values.namespace,
      labels: { [vizExtensionLabel]: 'viz' },
      annotations: {
        [labelNames.inject]: 'enabled',
        'config.linkerd.io/proxy-await': 'enabled',
        ...(values.prometheusUrl === undefined ? {} : { [externalPrometheusAnnotation]: values.prometheusUrl }),
      },
    },
  };
}

function prometheusSettings(values: VizValues): PrometheusConfigOptions {
  return { controlPlaneNamespace: values.controlPlaneNamespace, scrapeInterval };
}

function configMaps(values: VizValues, trustAnchorsPem: string, createdBy: string): Manifest[] {
  const namespace = values.namespace;
  const annotations = { [labelNames.createdBy]: createdBy };
  const trustRoots: Manifest = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: vizConfigNames.trustRoots, namespace, labels: vizLabels(namespace, 'tap'), annotations },
    data: { [vizConfigNames.trustRootsKey]: trustAnchorsPem },
  };
  if (!installsPrometheus(values)) return [trustRoots];
  return [trustRoots, {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: vizConfigNames.prometheus, namespace, labels: vizLabels(namespace, 'prometheus'), annotations },
    data: { [vizConfigNames.prometheusKey]: prometheusConfigYaml(prometheusSettings(values)) },
  }];
}

function serviceManifests(values: VizValues, createdBy: string): Manifest[] {
  const namespace = values.namespace;
  return vizComponents(values).map((component) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: component.name, namespace, labels: vizLabels(namespace, component.name), annotations: { [labelNames.createdBy]: createdBy } },
    spec: {
      type: 'ClusterIP',
      selector: { [vizExtensionLabel]: 'viz', component: component.name },
      ports: [{ name: component.port.name, port: vizPorts[component.name], targetPort: component.port.name, protocol: 'TCP' }],
    },
  }));
}

/** The kubernetes_sd roles of the Prometheus viz installs, or undefined when it installs none. */
export function vizPrometheusRoles(values: VizValues): string[] | undefined {
  return installsPrometheus(values) ? discoveryRoles(prometheusConfig(prometheusSettings(values))) : undefined;
}

export function vizManifests(values: VizValues, trustAnchorsPem: string): Manifest[] {
  const createdBy = vizCreatedBy(values);
  return [
    namespaceManifest(values),
    ...vizRbacManifests(values.namespace, vizPrometheusRoles(values)),
    ...configMaps(values, trustAnchorsPem, createdBy),
    ...serviceManifests(values, createdBy),
    ...vizComponents(values).flatMap((component) => vizDeploymentManifests(component, values, createdBy)),
  ];
}
