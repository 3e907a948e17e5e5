/**
 * The containers and volumes injection adds, as Linkerd's proxy injector writes them, from one
 * image: `linkerd-init` runs `sinew proxy-init` with proxy-init's flags, `linkerd-proxy` runs
 * `sinew proxy`. The image's entrypoint is the `sinew` program, so `args` name the subcommand.
 */
import { containerNames, portNames, volumeNames } from './names.js';
import type { Container, PodSpec, Volume } from './pod-spec.js';
import type { MeshConfig, ProxyConfig } from './proxy-config.js';
import { proxyEnv } from './proxy-env.js';
import type { JsonObject } from './workload.js';

export interface SidecarInput {
  readonly mesh: MeshConfig;
  readonly proxy: ProxyConfig;
  /** The pod spec before injection. */
  readonly spec: PodSpec;
  /** The workload's name (a control-plane component reaches itself over localhost). */
  readonly component: string;
}

/** The subcommands of the `sinew` image, and the classic layout's hold-until-ready hook. */
export const sidecarCommands = {
  proxy: ['proxy'],
  proxyInit: ['proxy-init'],
  await: (adminPort: number) => ['sinew', 'proxy-await', '--timeout=2m', `--port=${adminPort}`],
} as const;

function image(proxy: ProxyConfig): string {
  return `${proxy.image}:${proxy.version}`;
}

function resources(proxy: ProxyConfig): JsonObject {
  const { cpuRequest, cpuLimit, memoryRequest, memoryLimit } = proxy.resources;
  const requests: JsonObject = {};
  const limits: JsonObject = {};
  if (cpuRequest !== undefined) requests['cpu'] = cpuRequest;
  if (memoryRequest !== undefined) requests['memory'] = memoryRequest;
  if (cpuLimit !== undefined) limits['cpu'] = cpuLimit;
  if (memoryLimit !== undefined) limits['memory'] = memoryLimit;
  const result: JsonObject = {};
  if (Object.keys(limits).length > 0) result['limits'] = limits;
  if (Object.keys(requests).length > 0) result['requests'] = requests;
  return result;
}

function withResources(container: JsonObject, proxy: ProxyConfig): JsonObject {
  const r = resources(proxy);
  return Object.keys(r).length === 0 ? container : { ...container, resources: r };
}

/** proxy-init's flags, as Linkerd's template writes them. */
export function proxyInitArgs(proxy: ProxyConfig): readonly string[] {
  const inboundIgnored = [String(proxy.ports.control), String(proxy.ports.admin), ...(proxy.skipInboundPorts === '' ? [] : [proxy.skipInboundPorts])];
  return [
    ...(proxy.disableIPv6 ? ['--ipv6=false'] : []),
    '--incoming-proxy-port', String(proxy.ports.inbound),
    '--outgoing-proxy-port', String(proxy.ports.outbound),
    '--proxy-uid', String(proxy.uid),
    ...(proxy.gid >= 0 ? ['--proxy-gid', String(proxy.gid)] : []),
    '--inbound-ports-to-ignore', inboundIgnored.join(','),
    ...(proxy.skipOutboundPorts === '' ? [] : ['--outbound-ports-to-ignore', proxy.skipOutboundPorts]),
    ...(proxy.skipSubnets === '' ? [] : ['--subnets-to-ignore', proxy.skipSubnets]),
  ];
}

export function initContainer(input: SidecarInput): Container {
  const { proxy } = input;
  return withResources({
    name: containerNames.init,
    image: image(proxy),
    imagePullPolicy: proxy.pullPolicy,
    args: [...sidecarCommands.proxyInit, ...proxyInitArgs(proxy)],
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 65534,
      runAsNonRoot: true,
      runAsUser: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [{ mountPath: '/run', name: volumeNames.xtablesLock }],
  }, proxy) as Container;
}

function httpProbe(path: string, port: number, settings: JsonObject): JsonObject {
  return { httpGet: { path, port }, ...settings };
}

function lifecycle(proxy: ProxyConfig): JsonObject | undefined {
  if (proxy.nativeSidecar) return undefined;
  const hooks: JsonObject = {};
  if (proxy.await) hooks['postStart'] = { exec: { command: sidecarCommands.await(proxy.ports.admin) } };
  if (proxy.waitBeforeExitSeconds > 0) hooks['preStop'] = { exec: { command: ['/bin/sleep', String(proxy.waitBeforeExitSeconds)] } };
  return Object.keys(hooks).length === 0 ? undefined : hooks;
}

export function proxyContainer(input: SidecarInput): Container {
  const { proxy } = input;
  const admin = proxy.ports.admin;
  const hooks = lifecycle(proxy);
  return withResources({
    name: containerNames.proxy,
    image: image(proxy),
    imagePullPolicy: proxy.pullPolicy,
    args: [...sidecarCommands.proxy],
    env: proxyEnv(input),
    ports: [
      { containerPort: proxy.ports.inbound, name: portNames.proxy },
      { containerPort: admin, name: portNames.admin },
    ],
    livenessProbe: httpProbe('/live', admin, { initialDelaySeconds: 10, timeoutSeconds: 1 }),
    readinessProbe: httpProbe('/ready', admin, { initialDelaySeconds: 2, timeoutSeconds: 1 }),
    ...(proxy.nativeSidecar && proxy.await
      ? { startupProbe: httpProbe('/ready', admin, { initialDelaySeconds: 0, periodSeconds: 1, failureThreshold: 120 }) }
      : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: proxy.uid,
      ...(proxy.gid >= 0 ? { runAsGroup: proxy.gid } : {}),
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
    ...(hooks === undefined ? {} : { lifecycle: hooks }),
    volumeMounts: [
      { mountPath: '/var/run/linkerd/identity/end-entity', name: volumeNames.endEntity },
      { mountPath: '/var/run/secrets/tokens', name: volumeNames.identityToken },
    ],
    ...(proxy.nativeSidecar ? { restartPolicy: 'Always' } : {}),
  }, proxy) as Container;
}

/** The volumes, in the order Linkerd appends them. */
export function sidecarVolumes(): readonly Volume[] {
  return [
    { name: volumeNames.xtablesLock, emptyDir: {} },
    { name: volumeNames.endEntity, emptyDir: { medium: 'Memory' } },
    {
      name: volumeNames.identityToken,
      projected: { sources: [{ serviceAccountToken: { path: 'linkerd-identity-token', expirationSeconds: 86400, audience: 'identity.l5d.io' } }] },
    },
  ];
}
