/**
 * The proxy's configuration as injection writes it: Linkerd's defaults (values.yaml of the
 * control-plane chart), with Sinew's single image in place of Linkerd's proxy and proxy-init
 * images. A `MeshConfig` is what the control plane knows (its namespace, domains, trust anchors)
 * plus the proxy defaults every pod starts from before its annotations are applied.
 */
import { sinewVersion } from '../cli/sinew-version.js';
import { defaultMeshConfig as controlPlaneDefaults } from '../reconcilers/mesh-config.js';

export type InboundPolicy =
  | 'all-unauthenticated' | 'all-authenticated' | 'cluster-unauthenticated' | 'cluster-authenticated' | 'deny' | 'audit';

export const inboundPolicies: readonly InboundPolicy[] = [
  'all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit',
];

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export const pullPolicies: readonly PullPolicy[] = ['Always', 'IfNotPresent', 'Never'];

export type LogFormat = 'plain' | 'json';

export interface ProxyPorts {
  readonly inbound: number;
  readonly outbound: number;
  readonly admin: number;
  readonly control: number;
}

/** Kubernetes quantities for the proxy container; unset means no request or limit. */
export interface ProxyResources {
  readonly cpuRequest?: string;
  readonly cpuLimit?: string;
  readonly memoryRequest?: string;
  readonly memoryLimit?: string;
}

export interface ProxyConfig {
  /** Image name without tag; the tag is `version`. */
  readonly image: string;
  readonly version: string;
  readonly pullPolicy: PullPolicy;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly ports: ProxyPorts;
  readonly uid: number;
  /** A negative gid leaves the group unset, as Linkerd's `proxy.gid: -1`. */
  readonly gid: number;
  /** Comma lists as Linkerd writes them (ports and `a-b` ranges). */
  readonly skipInboundPorts: string;
  readonly skipOutboundPorts: string;
  readonly skipSubnets: string;
  readonly opaquePorts: string;
  readonly requireIdentityInboundPorts: string;
  readonly defaultInboundPolicy: InboundPolicy;
  readonly clusterNetworks: string;
  readonly resources: ProxyResources;
  /** Hold the application containers until the proxy is ready. */
  readonly await: boolean;
  /** The proxy as a native sidecar (an init container with `restartPolicy: Always`). */
  readonly nativeSidecar: boolean;
  readonly inboundConnectTimeout: string;
  readonly outboundConnectTimeout: string;
  readonly enableExternalProfiles: boolean;
  readonly waitBeforeExitSeconds: number;
  readonly shutdownGracePeriod: string;
  readonly disableIPv6: boolean;
}

/** What the control plane tells every injected proxy. */
export interface MeshConfig {
  /** The control plane's namespace (`linkerd`). */
  readonly controllerNamespace: string;
  readonly clusterDomain: string;
  readonly trustDomain: string;
  /**
   * The trust anchors' PEM bundle. When known it is written into the proxy's environment and its
   * SHA-256 into `linkerd.io/trust-root-sha256`; otherwise the proxy reads the
   * `linkerd-identity-trust-roots` ConfigMap (which exists in the control plane's namespace only).
   */
  readonly trustAnchorsPem?: string;
  /**
   * Read the anchors from the `linkerd-identity-trust-roots` ConfigMap even when the PEM is known
   * (the control plane's own pods, as Linkerd renders them, so a rotated bundle needs no re-render).
   */
  readonly trustAnchorsFromConfigMap?: boolean;
  /** The proxy configuration before any `config.linkerd.io/*` annotation. */
  readonly proxy: ProxyConfig;
}

export const sinewImage = 'ghcr.io/sinew-mesh/sinew';

/** Linkerd's default opaque ports: SMTP, MySQL, Galera, PostgreSQL, Redis, Elasticsearch, Memcached. */
export const defaultOpaquePorts = controlPlaneDefaults.defaultOpaquePorts;
export const defaultClusterNetworks = controlPlaneDefaults.clusterNetworks.join(',');

export function defaultProxyConfig(version = `v${sinewVersion()}`): ProxyConfig {
  return {
    image: sinewImage,
    version,
    pullPolicy: 'IfNotPresent',
    logLevel: 'warn,linkerd=info,hickory=error',
    logFormat: 'plain',
    ports: { inbound: 4143, outbound: 4140, admin: 4191, control: 4190 },
    uid: 2102,
    gid: -1,
    skipInboundPorts: '4567,4568',
    skipOutboundPorts: '4567,4568',
    skipSubnets: '',
    opaquePorts: defaultOpaquePorts,
    requireIdentityInboundPorts: '',
    defaultInboundPolicy: 'all-unauthenticated',
    clusterNetworks: defaultClusterNetworks,
    resources: {},
    await: true,
    nativeSidecar: true,
    inboundConnectTimeout: '100ms',
    outboundConnectTimeout: '1000ms',
    enableExternalProfiles: false,
    waitBeforeExitSeconds: 0,
    shutdownGracePeriod: '',
    disableIPv6: true,
  };
}

export function defaultMeshConfig(overrides: Partial<Omit<MeshConfig, 'proxy'>> & { readonly proxy?: Partial<ProxyConfig> } = {}): MeshConfig {
  const { proxy, ...mesh } = overrides;
  return {
    controllerNamespace: 'linkerd',
    clusterDomain: 'cluster.local',
    trustDomain: 'cluster.local',
    ...mesh,
    proxy: { ...defaultProxyConfig(), ...proxy },
  };
}

/** The `linkerd.io/created-by` value: `sinew/cli v0.1.0`, `sinew/proxy-injector v0.1.0`. */
export function createdBy(component: 'cli' | 'proxy-injector', version = `v${sinewVersion()}`): string {
  return `sinew/${component} ${version}`;
}
