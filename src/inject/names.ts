/**
 * The names injection writes and reads: Linkerd's label, annotation, container and volume names,
 * so a pod injected by Sinew looks to every tool (and to Linkerd's own uninject) like one injected
 * by Linkerd.
 */

/** Labels injection puts on the pod (template). */
export const labels = {
  controlPlaneNs: 'linkerd.io/control-plane-ns',
  workloadNs: 'linkerd.io/workload-ns',
  controlPlaneComponent: 'linkerd.io/control-plane-component',
} as const;

/** `linkerd.io/proxy-<kind>`: names the workload a proxy belongs to. */
export function proxyOwnerLabel(kind: string): string {
  return `linkerd.io/proxy-${kind.toLowerCase()}`;
}

/** Every `linkerd.io/proxy-<kind>` label injection may write. */
export const proxyOwnerLabels: readonly string[] = [
  'deployment', 'daemonset', 'statefulset', 'replicaset', 'replicationcontroller', 'job', 'cronjob',
].map(proxyOwnerLabel);

/** Annotations injection puts on the pod (template) or namespace. */
export const annotations = {
  inject: 'linkerd.io/inject',
  createdBy: 'linkerd.io/created-by',
  proxyVersion: 'linkerd.io/proxy-version',
  identityMode: 'linkerd.io/identity-mode',
  trustRootSha256: 'linkerd.io/trust-root-sha256',
} as const;

export type InjectAnnotationValue = 'enabled' | 'disabled' | 'ingress';

/** The `config.linkerd.io/*` (and alpha/beta) annotations that override the proxy's configuration. */
export const configAnnotations = {
  proxyImage: 'config.linkerd.io/proxy-image',
  proxyVersion: 'config.linkerd.io/proxy-version',
  imagePullPolicy: 'config.linkerd.io/image-pull-policy',
  logLevel: 'config.linkerd.io/proxy-log-level',
  logFormat: 'config.linkerd.io/proxy-log-format',
  inboundPort: 'config.linkerd.io/inbound-port',
  outboundPort: 'config.linkerd.io/outbound-port',
  adminPort: 'config.linkerd.io/admin-port',
  controlPort: 'config.linkerd.io/control-port',
  proxyUid: 'config.linkerd.io/proxy-uid',
  proxyGid: 'config.linkerd.io/proxy-gid',
  skipInboundPorts: 'config.linkerd.io/skip-inbound-ports',
  skipOutboundPorts: 'config.linkerd.io/skip-outbound-ports',
  skipSubnets: 'config.linkerd.io/skip-subnets',
  opaquePorts: 'config.linkerd.io/opaque-ports',
  defaultInboundPolicy: 'config.linkerd.io/default-inbound-policy',
  requireIdentityInboundPorts: 'config.linkerd.io/proxy-require-identity-inbound-ports',
  cpuRequest: 'config.linkerd.io/proxy-cpu-request',
  cpuLimit: 'config.linkerd.io/proxy-cpu-limit',
  memoryRequest: 'config.linkerd.io/proxy-memory-request',
  memoryLimit: 'config.linkerd.io/proxy-memory-limit',
  await: 'config.linkerd.io/proxy-await',
  inboundConnectTimeout: 'config.linkerd.io/proxy-inbound-connect-timeout',
  outboundConnectTimeout: 'config.linkerd.io/proxy-outbound-connect-timeout',
  enableExternalProfiles: 'config.linkerd.io/enable-external-profiles',
  shutdownGracePeriod: 'config.linkerd.io/shutdown-grace-period',
  waitBeforeExitSeconds: 'config.alpha.linkerd.io/proxy-wait-before-exit-seconds',
  nativeSidecar: 'config.beta.linkerd.io/proxy-enable-native-sidecar',
  nativeSidecarAlpha: 'config.alpha.linkerd.io/proxy-enable-native-sidecar',
} as const;

export type ConfigAnnotationKey = (typeof configAnnotations)[keyof typeof configAnnotations];

export const containerNames = {
  proxy: 'linkerd-proxy',
  init: 'linkerd-init',
} as const;

export const volumeNames = {
  xtablesLock: 'linkerd-proxy-init-xtables-lock',
  endEntity: 'linkerd-identity-end-entity',
  identityToken: 'linkerd-identity-token',
} as const;

export const portNames = {
  proxy: 'linkerd-proxy',
  admin: 'linkerd-admin',
} as const;

/** Sidecars of other meshes (and our own) whose presence means a pod is not injected again. */
export const knownSidecarContainers: readonly string[] = ['linkerd-proxy', 'istio-proxy'];
export const knownSidecarInitContainers: readonly string[] = ['linkerd-init', 'istio-init', 'istio-validation'];
