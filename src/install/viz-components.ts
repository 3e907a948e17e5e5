/**
 * The viz workloads: what each runs, its port, what it mounts, how it is probed and how its pod is
 * configured. Three run the one Sinew image (`sinew viz ...`); Prometheus runs its own.
 *
 * | component | command | port |
 * |---|---|---|
 * | metrics-api | `sinew viz metrics-api --source=kube --prometheus-url=...`, probed on /live, /ready | http 8085 |
 * | tap | `sinew viz tap-server --source=kube` with its own identity, probed on /live, /ready | http 8089 |
 * | web | `sinew viz dashboard --address=0.0.0.0 --port=8084` with both services' URLs, probed by TCP | http 8084 |
 * | prometheus | prom/prometheus with the `prometheus-config` ConfigMap | admin 9090 |
 *
 * The tap server talks mutual TLS to the proxies' tap port itself, as the identity
 * `tap.<viz-ns>.serviceaccount.identity.<ns>.<trust-domain>`: it obtains that certificate from
 * identity the way a proxy does (a ServiceAccount token with audience identity.l5d.io, the trust
 * anchors), so its own proxy must stay out of both conversations: outbound 4190 (the proxies' tap
 * port) and 8080 (identity) are skipped. Every pod is meshed by the injector (`linkerd.io/inject:
 * enabled`); only Prometheus, the metrics API and tap talk to the Kubernetes API, so only they get
 * a ServiceAccount token mounted. The dashboard is probed by TCP: an HTTP probe's Host (the pod's
 * IP) is not one it accepts.
 */
import type { Labels } from './manifest.js';
import type { Resources } from './install-values.js';
import { imageText } from './install-values.js';
import { installsPrometheus, prometheusUrlOf, serviceUrl, type VizValues } from './viz-values.js';

export type VizComponentName = 'metrics-api' | 'tap' | 'web' | 'prometheus';

export const vizPorts = { 'metrics-api': 8085, tap: 8089, web: 8084, prometheus: 9090 } as const;

/** The proxies' tap port, and identity's, which the tap server reaches past its own proxy. */
export const tapSkippedOutboundPorts = '4190,8080';

export const vizMountPaths = {
  trustRoots: '/var/run/linkerd/identity/trust-roots',
  tapToken: '/var/run/secrets/tap-identity',
  prometheusConfig: '/etc/prometheus',
  prometheusData: '/data',
} as const;

export const vizConfigNames = {
  trustRoots: 'linkerd-identity-trust-roots',
  trustRootsKey: 'ca-bundle.crt',
  prometheus: 'prometheus-config',
  prometheusKey: 'prometheus.yml',
} as const;

export type VizVolumeSource =
  | { readonly configMap: string }
  | { readonly emptyDir: true }
  | { readonly serviceAccountToken: { readonly audience: string; readonly path: string; readonly expirationSeconds: number } };

export interface VizVolume {
  readonly name: string;
  readonly mountPath: string;
  readonly source: VizVolumeSource;
  readonly readOnly: boolean;
}

export type Probe = { readonly tcpPort: string } | { readonly httpPath: string; readonly port: number };

export interface VizComponentSpec {
  /** The Deployment, ServiceAccount, Service and container name, and the `component` label. */
  readonly name: VizComponentName;
  readonly image: string;
  readonly args: readonly string[];
  readonly port: { readonly name: string; readonly containerPort: number };
  readonly volumes: readonly VizVolume[];
  readonly replicas: number;
  readonly resources: Resources;
  readonly runAsUser: number;
  /** Whether the pod gets the Kubernetes API token (only the components that read the API). */
  readonly apiAccess: boolean;
  readonly liveness: Probe;
  readonly readiness: Probe;
  readonly podAnnotations: Labels;
}

/** The Host header pattern Linkerd-viz's dashboard enforces: local names and the web Service's. */
export function defaultEnforcedHost(values: VizValues): string {
  const escape = (text: string): string => text.replace(/\./g, '\\.');
  const full = escape(`web.${values.namespace}.svc.${values.clusterDomain}`);
  const short = escape(`web.${values.namespace}.svc`);
  return `^(localhost|127\\.0\\.0\\.1|${full}|${short}|\\[::1\\])(:\\d+)?$`;
}

function identityName(values: VizValues, serviceAccount: string, namespace: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.${values.controlPlaneNamespace}.${values.identityTrustDomain}`;
}

function sinewComponent(values: VizValues, name: Exclude<VizComponentName, 'prometheus'>, args: readonly string[]): Omit<VizComponentSpec, 'volumes' | 'podAnnotations' | 'apiAccess'> {
  const tcp = { tcpPort: 'http' };
  return {
    name, image: imageText(values.image), args: ['viz', ...args],
    port: { name: 'http', containerPort: vizPorts[name] },
    replicas: values.replicas, resources: values.resources, runAsUser: values.uid, liveness: tcp, readiness: tcp,
  };
}

function metricsApi(values: VizValues): VizComponentSpec {
  return {
    ...sinewComponent(values, 'metrics-api', [
      'metrics-api', `--addr=0.0.0.0:${vizPorts['metrics-api']}`, '--source=kube', `--prometheus-url=${prometheusUrlOf(values)}`,
      `--controller-namespace=${values.controlPlaneNamespace}`, `--cluster-domain=${values.clusterDomain}`,
      `--identity-trust-domain=${values.identityTrustDomain}`, `--log-level=${values.logLevel}`,
    ]),
    // Ready once its workload inventory has listed the cluster.
    liveness: { httpPath: '/live', port: vizPorts['metrics-api'] },
    readiness: { httpPath: '/ready', port: vizPorts['metrics-api'] },
    volumes: [], apiAccess: true, podAnnotations: {},
  };
}

function tap(values: VizValues): VizComponentSpec {
  const cp = values.controlPlaneNamespace;
  return {
    ...sinewComponent(values, 'tap', [
      'tap-server', `--addr=0.0.0.0:${vizPorts.tap}`, '--source=kube',
      `--identity-addr=linkerd-identity-headless.${cp}.svc.${values.clusterDomain}.:8080`,
      `--identity-name=${identityName(values, 'tap', values.namespace)}`,
      `--identity-svc-name=${identityName(values, 'linkerd-identity', cp)}`,
      `--trust-anchors-file=${vizMountPaths.trustRoots}/${vizConfigNames.trustRootsKey}`,
      `--token-file=${vizMountPaths.tapToken}/token`, `--log-level=${values.logLevel}`,
    ]),
    liveness: { httpPath: '/live', port: vizPorts.tap },
    readiness: { httpPath: '/ready', port: vizPorts.tap },
    volumes: [
      { name: 'trust-roots', mountPath: vizMountPaths.trustRoots, source: { configMap: vizConfigNames.trustRoots }, readOnly: true },
      {
        name: 'tap-identity-token', mountPath: vizMountPaths.tapToken, readOnly: true,
        source: { serviceAccountToken: { audience: 'identity.l5d.io', path: 'token', expirationSeconds: 86400 } },
      },
    ],
    apiAccess: true,
    podAnnotations: { 'config.linkerd.io/skip-outbound-ports': tapSkippedOutboundPorts },
  };
}

function web(values: VizValues): VizComponentSpec {
  return {
    ...sinewComponent(values, 'web', [
      'dashboard', '--address=0.0.0.0', `--port=${vizPorts.web}`,
      `--metrics-api-url=${serviceUrl(values, 'metrics-api', vizPorts['metrics-api'])}`,
      `--tap-url=${serviceUrl(values, 'tap', vizPorts.tap)}`,
      `--enforced-host=${values.enforcedHostRegex ?? defaultEnforcedHost(values)}`, `--log-level=${values.logLevel}`,
    ]),
    volumes: [], apiAccess: false, podAnnotations: {},
  };
}

function prometheus(values: VizValues): VizComponentSpec {
  return {
    name: 'prometheus',
    image: imageText(values.prometheusImage),
    args: [
      `--config.file=${vizMountPaths.prometheusConfig}/${vizConfigNames.prometheusKey}`,
      `--storage.tsdb.path=${vizMountPaths.prometheusData}`,
      '--storage.tsdb.retention.time=6h',
      `--log.level=${values.logLevel}`,
      '--log.format=logfmt',
    ],
    port: { name: 'admin', containerPort: vizPorts.prometheus },
    volumes: [
      { name: 'data', mountPath: vizMountPaths.prometheusData, source: { emptyDir: true }, readOnly: false },
      { name: 'prometheus-config', mountPath: vizMountPaths.prometheusConfig, source: { configMap: vizConfigNames.prometheus }, readOnly: true },
    ],
    replicas: 1,
    resources: values.prometheusResources,
    runAsUser: 65534,
    apiAccess: true,
    liveness: { httpPath: '/-/healthy', port: vizPorts.prometheus },
    readiness: { httpPath: '/-/ready', port: vizPorts.prometheus },
    podAnnotations: {},
  };
}

/** The components an install runs, in install order; Prometheus only without `--prometheus-url`. */
export function vizComponents(values: VizValues): readonly VizComponentSpec[] {
  return [metricsApi(values), tap(values), web(values), ...(installsPrometheus(values) ? [prometheus(values)] : [])];
}
