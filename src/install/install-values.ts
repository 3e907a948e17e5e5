/**
 * The settings `sinew install` renders from, with Linkerd's defaults (values.yaml) and its HA
 * overrides (values-ha.yaml): replicas, pod disruption budgets, anti-affinity, resources and a
 * failing webhook policy. Values are immutable; `haValues` and the CLI's flags make new ones.
 */
import { defaultMeshConfig } from '../reconcilers/mesh-config.js';

export interface ImageRef {
  /** Repository, without tag: `ghcr.io/sinew-mesh/sinew`. */
  readonly name: string;
  readonly version: string;
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export const pullPolicies: readonly PullPolicy[] = ['Always', 'IfNotPresent', 'Never'];

export type DefaultInboundPolicy = 'all-unauthenticated' | 'all-authenticated' | 'cluster-unauthenticated' | 'cluster-authenticated' | 'deny' | 'audit';
export const defaultInboundPolicies: readonly DefaultInboundPolicy[] = [
  'all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit',
];

export type ControllerLogLevel = 'debug' | 'info' | 'warn' | 'error';
export const controllerLogLevels: readonly ControllerLogLevel[] = ['debug', 'info', 'warn', 'error'];
export type LogFormat = 'plain' | 'json';

/** Requests and limits of one container; absent fields are not set. */
export interface Resources {
  readonly cpu?: { readonly request?: string; readonly limit?: string };
  readonly memory?: { readonly request?: string; readonly limit?: string };
}

export interface ProxyValues {
  readonly image: ImageRef;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly ports: { readonly admin: number; readonly control: number; readonly inbound: number; readonly outbound: number };
  readonly uid: number;
  readonly defaultInboundPolicy: DefaultInboundPolicy;
  readonly opaquePorts: string;
  readonly requireIdentityOnInboundPorts: string;
  readonly await: boolean;
  readonly resources: Resources;
}

export interface ProxyInitValues {
  readonly image: ImageRef;
  readonly ignoreInboundPorts: string;
  readonly ignoreOutboundPorts: string;
}

export interface InstallValues {
  /** The control plane's namespace (`-L`, `--linkerd-namespace`). */
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly identityTrustDomain: string;
  readonly clusterNetworks: readonly string[];
  /** The one image every control-plane component runs. */
  readonly controllerImage: ImageRef;
  readonly imagePullPolicy: PullPolicy;
  readonly controllerReplicas: number;
  readonly controllerLogLevel: ControllerLogLevel;
  readonly controllerLogFormat: LogFormat;
  readonly controllerUID: number;
  readonly enablePodAntiAffinity: boolean;
  readonly enablePodDisruptionBudget: boolean;
  readonly webhookFailurePolicy: 'Ignore' | 'Fail';
  readonly identity: { readonly issuanceLifetime: string; readonly clockSkewAllowance: string };
  readonly proxy: ProxyValues;
  readonly proxyInit: ProxyInitValues;
  readonly controllerResources: Resources;
  readonly identityResources: Resources;
  /** The version of the control plane, as `sinew version` prints it (`v0.1.0`). */
  readonly linkerdVersion: string;
  /** The deployment strategy's rolling-update limits. */
  readonly rollingUpdate: { readonly maxUnavailable: string | number; readonly maxSurge: string | number };
}

export const defaultImageName = 'ghcr.io/sinew-mesh/sinew';

/** `NAME[:TAG]` as an image; a reference without a tag gets `fallbackVersion`. */
export function parseImageRef(text: string, fallbackVersion: string): ImageRef {
  const slash = text.lastIndexOf('/');
  const colon = text.lastIndexOf(':');
  if (text.includes('@')) return { name: text, version: '' };
  return colon > slash ? { name: text.slice(0, colon), version: text.slice(colon + 1) } : { name: text, version: fallbackVersion };
}

export function imageText(image: ImageRef): string {
  return image.version === '' ? image.name : `${image.name}:${image.version}`;
}

export function defaultInstallValues(version: string): InstallValues {
  const image: ImageRef = { name: defaultImageName, version };
  return {
    namespace: 'linkerd',
    clusterDomain: defaultMeshConfig.clusterDomain,
    identityTrustDomain: defaultMeshConfig.trustDomain,
    clusterNetworks: defaultMeshConfig.clusterNetworks,
    controllerImage: image,
    imagePullPolicy: 'IfNotPresent',
    controllerReplicas: 1,
    controllerLogLevel: 'info',
    controllerLogFormat: 'plain',
    controllerUID: 2103,
    enablePodAntiAffinity: false,
    enablePodDisruptionBudget: false,
    webhookFailurePolicy: 'Ignore',
    identity: { issuanceLifetime: '24h0m0s', clockSkewAllowance: '20s' },
    proxy: {
      image,
      logLevel: 'warn,linkerd=info,hickory=error',
      logFormat: 'plain',
      ports: { admin: 4191, control: 4190, inbound: 4143, outbound: 4140 },
      uid: 2102,
      defaultInboundPolicy: 'all-unauthenticated',
      opaquePorts: defaultMeshConfig.defaultOpaquePorts,
      requireIdentityOnInboundPorts: '',
      await: true,
      resources: {},
    },
    proxyInit: { image, ignoreInboundPorts: '4567,4568', ignoreOutboundPorts: '4567,4568' },
    controllerResources: {},
    identityResources: {},
    linkerdVersion: version,
    rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
  };
}

/** Linkerd's values-ha.yaml over `values`. */
export function haValues(values: InstallValues): InstallValues {
  return {
    ...values,
    controllerReplicas: 3,
    enablePodAntiAffinity: true,
    enablePodDisruptionBudget: true,
    webhookFailurePolicy: 'Fail',
    rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' },
    proxy: { ...values.proxy, resources: { cpu: { request: '100m' }, memory: { request: '20Mi', limit: '250Mi' } } },
    controllerResources: { cpu: { request: '100m' }, memory: { request: '50Mi', limit: '250Mi' } },
    identityResources: { cpu: { request: '100m' }, memory: { request: '10Mi', limit: '250Mi' } },
  };
}
