/**
 * The proxy container's environment: every variable Linkerd's proxy template sets, in its order,
 * with its values, so the same pod spec runs Linkerd's proxy or Sinew's. The pod's own name,
 * namespace, node and service account reach the proxy through the downward API (`_pod_*`), and
 * the identity names are built from them by Kubernetes' `$(VAR)` expansion.
 */
import { inboundPorts, resolveOpaquePorts, type PodSpec } from './pod-spec.js';
import type { MeshConfig, ProxyConfig } from './proxy-config.js';

export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly valueFrom: Readonly<Record<string, Readonly<Record<string, string>>>> };

export interface ProxyEnvInput {
  readonly mesh: MeshConfig;
  readonly proxy: ProxyConfig;
  readonly spec: PodSpec;
  /** The workload's name when it is a control-plane component that serves itself over localhost. */
  readonly component: string;
}

function field(name: string, fieldPath: string): EnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

function listen(proxy: ProxyConfig, port: number): string {
  return `${proxy.disableIPv6 ? '0.0.0.0' : '[::]'}:${port}`;
}

/** `linkerd-dst-headless.linkerd.svc.cluster.local.:8086`, or localhost for the component itself. */
function serviceAddress(input: ProxyEnvInput, service: string, port: number, servedBy: string): string {
  if (input.component === servedBy) return `localhost.:${port}`;
  return `${service}.${input.mesh.controllerNamespace}.svc.${input.mesh.clusterDomain}.:${port}`;
}

/** The viz extension's namespace, whose `tap` service account is the one client a proxy's tap API serves. */
export const vizNamespace = 'linkerd-viz';

function identityName(mesh: MeshConfig, serviceAccount: string): string {
  return `${serviceAccount}.${mesh.controllerNamespace}.serviceaccount.identity.${mesh.controllerNamespace}.${mesh.trustDomain}`;
}

function trustAnchors(mesh: MeshConfig): EnvVar {
  const name = 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS';
  if (mesh.trustAnchorsPem !== undefined && mesh.trustAnchorsFromConfigMap !== true) return { name, value: mesh.trustAnchorsPem };
  return { name, valueFrom: { configMapKeyRef: { name: 'linkerd-identity-trust-roots', key: 'ca-bundle.crt' } } };
}

function optional(name: string, value: string): readonly EnvVar[] {
  return value === '' ? [] : [{ name, value }];
}

/** Whole cores for a CPU quantity (`1500m` → 2), at least 1; undefined when it cannot be read. */
export function wholeCores(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(quantity);
  if (match === null) return undefined;
  const cores = Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
  return Math.max(1, Math.ceil(cores));
}

function runtimeEnv(input: ProxyEnvInput): readonly EnvVar[] {
  const { proxy } = input;
  const cores = proxy.resources.cpuLimit === undefined ? undefined : wholeCores(proxy.resources.cpuLimit);
  return [
    field('_pod_name', 'metadata.name'),
    field('_pod_ns', 'metadata.namespace'),
    field('_pod_uid', 'metadata.uid'),
    field('_pod_nodeName', 'spec.nodeName'),
    { name: '_pod_containerName', value: 'linkerd-proxy' },
    ...(cores === undefined ? [] : [{ name: 'LINKERD2_PROXY_CORES', value: String(cores) }]),
    ...optional('LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY', proxy.requireIdentityInboundPorts),
    { name: 'LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED', value: 'false' },
    { name: 'LINKERD2_PROXY_LOG', value: `${proxy.logLevel},[{headers}]=off,[{request}]=off` },
    { name: 'LINKERD2_PROXY_LOG_FORMAT', value: proxy.logFormat },
  ];
}

function discoveryEnv(input: ProxyEnvInput): readonly EnvVar[] {
  const { proxy } = input;
  return [
    { name: 'LINKERD2_PROXY_DESTINATION_SVC_ADDR', value: serviceAddress(input, 'linkerd-dst-headless', 8086, 'linkerd-destination') },
    { name: 'LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS', value: proxy.clusterNetworks },
    { name: 'LINKERD2_PROXY_POLICY_SVC_ADDR', value: serviceAddress(input, 'linkerd-policy', 8090, 'linkerd-destination') },
    { name: 'LINKERD2_PROXY_POLICY_WORKLOAD', value: '{"ns":"$(_pod_ns)", "pod":"$(_pod_name)"}\n' },
    { name: 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', value: proxy.defaultInboundPolicy },
    { name: 'LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS', value: proxy.clusterNetworks },
    { name: 'LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT', value: '3s' },
    { name: 'LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT', value: '5m' },
    { name: 'LINKERD2_PROXY_CONTROL_STREAM_LIFETIME', value: '1h' },
    { name: 'LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT', value: proxy.inboundConnectTimeout },
    { name: 'LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT', value: proxy.outboundConnectTimeout },
    { name: 'LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT', value: '5s' },
    { name: 'LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT', value: '90s' },
  ];
}

function listenerEnv(input: ProxyEnvInput): readonly EnvVar[] {
  const { proxy, mesh } = input;
  const outbound = `127.0.0.1:${proxy.ports.outbound}`;
  return [
    { name: 'LINKERD2_PROXY_CONTROL_LISTEN_ADDR', value: listen(proxy, proxy.ports.control) },
    { name: 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR', value: listen(proxy, proxy.ports.admin) },
    { name: 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR', value: outbound },
    { name: 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS', value: proxy.disableIPv6 ? outbound : `${outbound},[::1]:${proxy.ports.outbound}` },
    { name: 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR', value: listen(proxy, proxy.ports.inbound) },
    field('LINKERD2_PROXY_INBOUND_IPS', 'status.podIPs'),
    { name: 'LINKERD2_PROXY_INBOUND_PORTS', value: inboundPorts(input.spec).join(',') },
    { name: 'LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES', value: proxy.enableExternalProfiles ? '.' : `svc.${mesh.clusterDomain}.` },
    { name: 'LINKERD2_PROXY_INBOUND_ACCEPT_KEEPALIVE', value: '10000ms' },
    { name: 'LINKERD2_PROXY_OUTBOUND_CONNECT_KEEPALIVE', value: '10000ms' },
    { name: 'LINKERD2_PROXY_INBOUND_ACCEPT_USER_TIMEOUT', value: '30s' },
    { name: 'LINKERD2_PROXY_OUTBOUND_CONNECT_USER_TIMEOUT', value: '30s' },
    { name: 'LINKERD2_PROXY_INBOUND_SERVER_HTTP2_KEEP_ALIVE_INTERVAL', value: '10s' },
    { name: 'LINKERD2_PROXY_INBOUND_SERVER_HTTP2_KEEP_ALIVE_TIMEOUT', value: '3s' },
    { name: 'LINKERD2_PROXY_OUTBOUND_SERVER_HTTP2_KEEP_ALIVE_INTERVAL', value: '10s' },
    { name: 'LINKERD2_PROXY_OUTBOUND_SERVER_HTTP2_KEEP_ALIVE_TIMEOUT', value: '3s' },
    ...optional('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION', resolveOpaquePorts(proxy.opaquePorts, input.spec)),
    { name: 'LINKERD2_PROXY_DESTINATION_CONTEXT', value: '{"ns":"$(_pod_ns)", "nodeName":"$(_pod_nodeName)", "pod":"$(_pod_name)"}\n' },
  ];
}

function identityEnv(input: ProxyEnvInput): readonly EnvVar[] {
  const { mesh, proxy } = input;
  const ns = mesh.controllerNamespace;
  return [
    field('_pod_sa', 'spec.serviceAccountName'),
    { name: '_l5d_ns', value: ns },
    { name: '_l5d_trustdomain', value: mesh.trustDomain },
    { name: 'LINKERD2_PROXY_IDENTITY_DIR', value: '/var/run/linkerd/identity/end-entity' },
    trustAnchors(mesh),
    { name: 'LINKERD2_PROXY_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/tokens/linkerd-identity-token' },
    { name: 'LINKERD2_PROXY_IDENTITY_SVC_ADDR', value: serviceAddress(input, 'linkerd-identity-headless', 8080, 'linkerd-identity') },
    { name: 'LINKERD2_PROXY_IDENTITY_LOCAL_NAME', value: `$(_pod_sa).$(_pod_ns).serviceaccount.identity.${ns}.${mesh.trustDomain}` },
    { name: 'LINKERD2_PROXY_IDENTITY_SVC_NAME', value: identityName(mesh, 'linkerd-identity') },
    { name: 'LINKERD2_PROXY_DESTINATION_SVC_NAME', value: identityName(mesh, 'linkerd-destination') },
    { name: 'LINKERD2_PROXY_POLICY_SVC_NAME', value: identityName(mesh, 'linkerd-destination') },
    ...optional('LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD', proxy.shutdownGracePeriod),
    // Linkerd's viz tap-injector appends this to every meshed pod; Sinew's injector writes it at once.
    { name: 'LINKERD2_PROXY_TAP_SVC_NAME', value: `tap.${vizNamespace}.serviceaccount.identity.${ns}.${mesh.trustDomain}` },
  ];
}

/** The proxy's environment for a pod with `spec`, configured by `proxy`. */
export function proxyEnv(input: ProxyEnvInput): readonly EnvVar[] {
  return [...runtimeEnv(input), ...discoveryEnv(input), ...listenerEnv(input), ...identityEnv(input)];
}
