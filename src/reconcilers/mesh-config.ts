/**
 * The mesh-wide settings reconcilers need to speak Linkerd's language: the control plane's
 * namespace, the identity trust domain, the cluster's DNS domain, the default opaque ports, the
 * proxies' inbound port, and inbound policy's cluster-wide defaults. Defaults are Linkerd's.
 */
export interface MeshConfig {
  readonly controllerNamespace: string;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  /** Ports treated as opaque when nothing says otherwise (Linkerd's default list). */
  readonly defaultOpaquePorts: string;
  readonly proxyInboundPort: number;
  /** The cluster-wide default inbound policy (`proxy.defaultInboundPolicy` in Linkerd's install). */
  readonly defaultInboundPolicy: string;
  /** The networks `cluster-*` default policies admit (Linkerd's `clusterNetworks`). */
  readonly clusterNetworks: readonly string[];
  /** How long an inbound proxy waits to detect a protocol before treating a connection as opaque. */
  readonly detectTimeoutMs: number;
}

export const defaultMeshConfig: MeshConfig = {
  controllerNamespace: 'linkerd',
  trustDomain: 'cluster.local',
  clusterDomain: 'cluster.local',
  defaultOpaquePorts: '25,587,3306,4444,5432,6379,9300,11211',
  proxyInboundPort: 4143,
  defaultInboundPolicy: 'all-unauthenticated',
  clusterNetworks: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'],
  detectTimeoutMs: 10_000,
};

/** `<sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>` */
export function serviceAccountIdentity(config: MeshConfig, namespace: string, serviceAccount: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.${config.controllerNamespace}.${config.trustDomain}`;
}
