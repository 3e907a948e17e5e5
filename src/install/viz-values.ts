/**
 * The settings `sinew viz install` renders from, with Linkerd-viz's defaults (values.yaml) and its
 * HA overrides (values-ha.yaml): replicas, pod disruption budgets, anti-affinity and resources.
 * Values are immutable; `vizHaValues` and the CLI's flags make new ones.
 *
 * The Sinew image and its version come from the same place as the control plane's
 * (`defaultImageName`, the CLI's version); Prometheus is the one other image.
 */
import { defaultMeshConfig } from '../reconcilers/mesh-config.js';
import { type ControllerLogLevel, defaultImageName, type ImageRef, type PullPolicy, type Resources } from './install-values.js';

export interface VizValues {
  /** The extension's namespace (`--viz-namespace`). */
  readonly namespace: string;
  /** The control plane's namespace (`-L`): identity's address and names are under it. */
  readonly controlPlaneNamespace: string;
  readonly clusterDomain: string;
  readonly identityTrustDomain: string;
  /** The one Sinew image the metrics API, tap and web run. */
  readonly image: ImageRef;
  readonly imagePullPolicy: PullPolicy;
  readonly prometheusImage: ImageRef;
  /** An existing Prometheus the metrics API queries; undefined: viz installs its own. */
  readonly prometheusUrl: string | undefined;
  /** Replicas of metrics-api, tap and web (Prometheus always runs one). */
  readonly replicas: number;
  readonly enablePodAntiAffinity: boolean;
  readonly enablePodDisruptionBudget: boolean;
  readonly resources: Resources;
  readonly prometheusResources: Resources;
  readonly uid: number;
  readonly logLevel: ControllerLogLevel;
  /** The dashboard's Host header pattern; undefined: the local names and the web Service's. */
  readonly enforcedHostRegex: string | undefined;
  /** The CLI's version (`v0.1.0`), recorded in labels and `linkerd.io/created-by`. */
  readonly version: string;
  readonly rollingUpdate: { readonly maxUnavailable: string | number; readonly maxSurge: string | number };
}

export const defaultPrometheusImage: ImageRef = { name: 'prom/prometheus', version: 'v2.55.1' };

export function defaultVizValues(version: string): VizValues {
  return {
    namespace: 'linkerd-viz',
    controlPlaneNamespace: 'linkerd',
    clusterDomain: defaultMeshConfig.clusterDomain,
    identityTrustDomain: defaultMeshConfig.trustDomain,
    image: { name: defaultImageName, version },
    imagePullPolicy: 'IfNotPresent',
    prometheusImage: defaultPrometheusImage,
    prometheusUrl: undefined,
    replicas: 1,
    enablePodAntiAffinity: false,
    enablePodDisruptionBudget: false,
    resources: {},
    prometheusResources: {},
    uid: 2103,
    logLevel: 'info',
    enforcedHostRegex: undefined,
    version,
    rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
  };
}

/** Linkerd-viz's values-ha.yaml over `values`. */
export function vizHaValues(values: VizValues): VizValues {
  return {
    ...values,
    replicas: 3,
    enablePodAntiAffinity: true,
    enablePodDisruptionBudget: true,
    rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' },
    resources: { cpu: { request: '100m' }, memory: { request: '50Mi', limit: '250Mi' } },
    prometheusResources: { cpu: { request: '300m' }, memory: { request: '300Mi', limit: '8192Mi' } },
  };
}

/** Whether this install runs its own Prometheus. */
export function installsPrometheus(values: VizValues): boolean {
  return values.prometheusUrl === undefined;
}

/** The in-cluster URL of a viz Service on `port`. */
export function serviceUrl(values: VizValues, service: string, port: number): string {
  return `http://${service}.${values.namespace}.svc.${values.clusterDomain}:${port}`;
}

/** The URL the metrics API queries: the operator's Prometheus, or the one viz installs. */
export function prometheusUrlOf(values: VizValues): string {
  return values.prometheusUrl ?? serviceUrl(values, 'prometheus', 9090);
}
