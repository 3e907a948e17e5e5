/**
 * The three control-plane workloads, each one `sinew control-plane` container of the one image:
 * what it runs (its flags), its ports, what it mounts, and the proxy settings its pod needs when
 * it is meshed (as Linkerd's chart sets them for its own pods).
 *
 * - linkerd-destination: `--components destination,policy`, with the validating webhooks on 9443
 *   (`--admission-tls-dir`, the policy-validator Secret).
 * - linkerd-identity: `--components identity`, the issuer Secret and the trust-roots ConfigMap
 *   mounted. Its proxy cannot wait for an identity it is itself to issue, so it does not await.
 * - linkerd-proxy-injector: `--components injector` on 8443 with its serving Secret, injecting
 *   with the linkerd-config values (`--injector-config`); the trust roots mounted as Linkerd does.
 * Every container serves the admin server on 9996 (`/live`, `/ready`, `/metrics`).
 */
import { configNames } from './config-manifests.js';
import type { InstallValues, Resources } from './install-values.js';
import { type ComponentName, labelNames } from './manifest.js';

export const adminPort = 9996;

export const mountPaths = {
  webhookTls: '/var/run/linkerd/tls',
  issuer: '/var/run/linkerd/identity/issuer',
  trustRoots: '/var/run/linkerd/identity/trust-roots',
  config: '/var/run/linkerd/config',
} as const;

export interface ContainerPortSpec {
  readonly name: string;
  readonly containerPort: number;
}

export interface VolumeSpec {
  readonly name: string;
  readonly source: { readonly secret: string } | { readonly configMap: string };
  readonly mountPath: string;
}

export interface ComponentSpec {
  readonly deployment: string;
  /** The PodDisruptionBudget's name under `--ha` (Linkerd's names). */
  readonly disruptionBudget: string;
  readonly component: ComponentName;
  readonly container: string;
  readonly serviceAccount: string;
  readonly args: readonly string[];
  readonly ports: readonly ContainerPortSpec[];
  readonly volumes: readonly VolumeSpec[];
  readonly resources: Resources;
  /** Annotations on the pod template: the proxy's configuration for this pod. */
  readonly podAnnotations: Readonly<Record<string, string>>;
}

/** The control plane reaches the Kubernetes API before its proxy is ready: these ports skip it. */
export const kubeApiServerPorts = '443,6443';

function commonArgs(values: InstallValues): string[] {
  return [
    `--controller-namespace=${values.namespace}`,
    `--identity-trust-domain=${values.identityTrustDomain}`,
    `--admin-addr=0.0.0.0:${adminPort}`,
    `--log-level=${values.controllerLogLevel}`,
    `--log-format=${values.controllerLogFormat}`,
  ];
}

function destination(values: InstallValues): ComponentSpec {
  return {
    deployment: 'linkerd-destination', disruptionBudget: 'linkerd-dst', component: 'destination', container: 'destination', serviceAccount: 'linkerd-destination',
    args: [
      'control-plane', '--components=destination,policy',
      '--destination-addr=0.0.0.0:8086', '--policy-addr=0.0.0.0:8090',
      '--admission-addr=0.0.0.0:9443', `--admission-tls-dir=${mountPaths.webhookTls}`,
      `--cluster-domain=${values.clusterDomain}`, `--cluster-networks=${values.clusterNetworks.join(',')}`,
      `--default-inbound-policy=${values.proxy.defaultInboundPolicy}`,
      ...commonArgs(values),
    ],
    ports: [
      { name: 'grpc', containerPort: 8086 }, { name: 'policy-grpc', containerPort: 8090 },
      { name: 'policy-https', containerPort: 9443 }, { name: 'admin-http', containerPort: adminPort },
    ],
    volumes: [{ name: 'policy-tls', source: { secret: configNames.policyValidatorTls }, mountPath: mountPaths.webhookTls }],
    resources: values.controllerResources,
    podAnnotations: {
      [labelNames.defaultInboundPolicy]: 'all-unauthenticated',
      'config.linkerd.io/skip-outbound-ports': kubeApiServerPorts,
    },
  };
}

function identity(values: InstallValues): ComponentSpec {
  return {
    deployment: 'linkerd-identity', disruptionBudget: 'linkerd-identity', component: 'identity', container: 'identity', serviceAccount: 'linkerd-identity',
    args: [
      'control-plane', '--components=identity', '--identity-addr=0.0.0.0:8080',
      `--identity-issuer-dir=${mountPaths.issuer}`,
      `--identity-trust-anchors-file=${mountPaths.trustRoots}/${configNames.trustRootsKey}`,
      `--identity-issuance-lifetime=${values.identity.issuanceLifetime}`,
      `--identity-clock-skew-allowance=${values.identity.clockSkewAllowance}`,
      ...commonArgs(values),
    ],
    ports: [{ name: 'grpc', containerPort: 8080 }, { name: 'admin-http', containerPort: adminPort }],
    volumes: [
      { name: 'identity-issuer', source: { secret: configNames.issuer }, mountPath: mountPaths.issuer },
      { name: 'trust-roots', source: { configMap: configNames.trustRoots }, mountPath: mountPaths.trustRoots },
    ],
    resources: values.identityResources,
    podAnnotations: {
      [labelNames.defaultInboundPolicy]: 'all-unauthenticated',
      'config.linkerd.io/skip-outbound-ports': kubeApiServerPorts,
      'config.linkerd.io/proxy-await': 'disabled',
    },
  };
}

function proxyInjector(values: InstallValues): ComponentSpec {
  return {
    deployment: 'linkerd-proxy-injector', disruptionBudget: 'linkerd-proxy-injector', component: 'proxy-injector', container: 'proxy-injector', serviceAccount: 'linkerd-proxy-injector',
    args: [
      'control-plane', '--components=injector', '--injector-addr=0.0.0.0:8443', `--injector-tls-dir=${mountPaths.webhookTls}`,
      `--injector-config=${mountPaths.config}/values`,
      ...commonArgs(values),
    ],
    ports: [{ name: 'proxy-injector', containerPort: 8443 }, { name: 'admin-http', containerPort: adminPort }],
    volumes: [
      { name: 'config', source: { configMap: configNames.config }, mountPath: mountPaths.config },
      { name: 'trust-roots', source: { configMap: configNames.trustRoots }, mountPath: mountPaths.trustRoots },
      { name: 'tls', source: { secret: configNames.injectorTls }, mountPath: mountPaths.webhookTls },
    ],
    resources: values.controllerResources,
    podAnnotations: {
      [labelNames.defaultInboundPolicy]: 'all-unauthenticated',
      [labelNames.opaquePorts]: '8443',
      'config.linkerd.io/skip-outbound-ports': kubeApiServerPorts,
    },
  };
}

export function controlPlaneComponents(values: InstallValues): readonly ComponentSpec[] {
  return [destination(values), identity(values), proxyInjector(values)];
}
