/**
 * The mesh-wide settings reconcilers need to speak Linkerd's language: the control plane's
 * namespace, the identity trust domain, the cluster's DNS domain, the default opaque ports and the
 * proxies' inbound port. Defaults are Linkerd's.
 */
export interface MeshConfig {
  readonly controllerNamespace: string;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  /** Ports treated as opaque when nothing says otherwise (Linkerd's default list). */
  readonly defaultOpaquePorts: string;
  readonly proxyInboundPort: number;
}

export const defaultMeshConfig: MeshConfig = {
  controllerNamespace: 'linkerd',
  trustDomain: 'cluster.local',
  clusterDomain: 'cluster.local',
  defaultOpaquePorts: '25,587,3306,4444,5432,6379,9300,11211',
  proxyInboundPort: 4143,
};

/** `<sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>` */
export function serviceAccountIdentity(config: MeshConfig, namespace: string, serviceAccount: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.${config.controllerNamespace}.${config.trustDomain}`;
}
