/**
 * A small meshed world on 127.0.0.0/8 for end-to-end proxy tests and the benchmark: an event log
 * of two meshed workloads (a client `curl` and a service `web` with two pods, each pod its own
 * loopback address), the real control plane replaying it (destination, policy and identity, with a
 * fake API server for TokenReview), and real `sinew proxy` processes configured by Linkerd's
 * environment variables, using the static original-destination map in place of iptables.
 *
 * Addresses: web pod N is 127.0.30.N (its proxy's listeners), its application listens on
 * 127.0.130.N:8080; the curl pod is 127.0.31.1 and its application connects to 127.0.31.1:8000,
 * which stands for the web Service's cluster IP 127.0.40.1:80 (a loopback address, so traffic that
 * went astray could never leave the machine).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { generateCa } from '../../src/identity/generate-ca.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import { startControlPlane, type ControlPlaneProcess, sinewBin } from './control-plane-process.js';
import { FakeApiServer } from './fake-api-server.js';
import { endpointSlice, namespace, pod, service } from './objects.js';

export const meshNamespace = 'shop';
export const webClusterIp = '127.0.40.1';
export const webPodIp = (n: number): string => `127.0.30.${n}`;
export const webAppIp = (n: number): string => `127.0.130.${n}`;
export const curlPodIp = '127.0.31.1';
export const curlServicePort = 8000;
export const appPort = 8080;
export const identityOf = (sa: string): string => `${sa}.${meshNamespace}.serviceaccount.identity.linkerd.cluster.local`;

const meshed = { 'linkerd.io/control-plane-ns': 'linkerd' };

/** The web Service's ports: HTTP/1 (80), HTTP/2 cleartext (81), gRPC (82) and opaque TCP (83, annotated opaque). */
export const webPorts = [
  { name: 'http', port: 80, targetPort: 8080 },
  { name: 'h2', port: 81, targetPort: 8081 },
  { name: 'grpc', port: 82, targetPort: 8082 },
  { name: 'tcp', port: 83, targetPort: 8083 },
] as const;

/** Where the curl application connects for each Service port: 127.0.31.1:(8000 + port - 80). */
export const curlPortFor = (servicePort: number): number => 8000 + servicePort - 80;

function meshPod(name: string, ip: string, serviceAccount: string, app: string): Record<string, unknown> {
  const base = pod(meshNamespace, name, { ip, serviceAccount, labels: { app, ...meshed } });
  const spec = base.spec as { containers: { ports: unknown[] }[] };
  spec.containers[0]!.ports = webPorts.map((port) => ({ name: port.name, containerPort: port.targetPort, protocol: 'TCP' }));
  return base;
}

/** The log's objects: the namespace, the web Service and its pods, the curl pod, and `extra`. */
export function meshObjects(webPods: readonly number[], extra: readonly Record<string, unknown>[] = []): Record<string, unknown>[] {
  const web = service(meshNamespace, 'web', webPorts, webClusterIp);
  (web.metadata as Record<string, unknown>).annotations = { 'config.linkerd.io/opaque-ports': '83' };
  return [
    namespace(meshNamespace),
    web,
    ...webPods.map((n) => meshPod(`web-${n}`, webPodIp(n), 'web', 'web')),
    meshPod('curl-1', curlPodIp, 'curl', 'curl'),
    endpointSlice(meshNamespace, 'web-abc', 'web', webPods.map((n) => ({ ip: webPodIp(n), pod: `web-${n}` })),
      webPorts.map((port) => ({ name: port.name, port: port.targetPort }))),
    ...extra,
  ];
}

/** The static original-destination map for web pod N: each application port as if redirected. */
export function webProxyMap(n: number): string {
  return webPorts.map((port) => `inbound:${webPodIp(n)}:${port.targetPort}=${webPodIp(n)}:${port.targetPort}`).join(',');
}

/** The static map for the curl pod: one listener per Service port, standing for the cluster IP. */
export function curlProxyMap(): string {
  return webPorts.map((port) => `outbound:${curlPodIp}:${curlPortFor(port.port)}=${webClusterIp}:${port.port}`).join(',');
}

const resources: Readonly<Record<string, string>> = {
  Namespace: 'namespaces', Service: 'services', Pod: 'pods', EndpointSlice: 'endpointslices.discovery.k8s.io',
  Server: 'servers.policy.linkerd.io', AuthorizationPolicy: 'authorizationpolicies.policy.linkerd.io',
  MeshTLSAuthentication: 'meshtlsauthentications.policy.linkerd.io',
};

/** The fake API server's resource for an object of the mesh world. */
export function resourceOf(object: Record<string, unknown>): string {
  const resource = resources[String(object.kind)];
  if (resource === undefined) throw new Error(`mesh world: no resource for kind ${String(object.kind)}`);
  return resource;
}

/** An event log that adds `objects`, each given the uid and resourceVersion an API server would. */
export function writeEventLog(file: string, objects: readonly Record<string, unknown>[]): void {
  const at = new Date().toISOString();
  const lines = objects.map((object, i) => {
    const metadata = object.metadata as Record<string, unknown>;
    const stamped = { ...object, metadata: { ...metadata, uid: `uid-${String(metadata.name)}-${i}`, resourceVersion: String(100 + i) } };
    return JSON.stringify({ at, type: 'ADDED', object: stamped });
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export interface MeshWorld {
  readonly dir: string;
  readonly api: FakeApiServer;
  readonly trustAnchorsPem: string;
  controlPlane: ControlPlaneProcess;
  /** Starts (or restarts) the control plane replaying `objects`. */
  startControlPlane(objects: readonly Record<string, unknown>[]): Promise<ControlPlaneProcess>;
  /** The proxy environment for a pod: identity, discovery and listeners on its own address. */
  proxyEnv(pod: { name: string; ip: string; serviceAccount: string }, extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export interface MeshWorldOptions {
  /** `replay` (default): the control plane replays an event log; `kube`: it watches the fake API server, which tests may change. */
  readonly source?: 'replay' | 'kube';
}

export async function startMeshWorld(objects: readonly Record<string, unknown>[], options: MeshWorldOptions = {}): Promise<MeshWorld> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-mesh-'));
  const api = await FakeApiServer.start();
  for (const spec of allKinds) api.addResource(spec);
  for (const sa of ['web', 'curl']) {
    api.addServiceAccountToken(`token-${sa}`, meshNamespace, sa, ['identity.l5d.io']);
    fs.writeFileSync(path.join(dir, `token-${sa}`), `token-${sa}`);
  }
  const kubeconfig = path.join(dir, 'kubeconfig');
  api.writeKubeconfig(kubeconfig);
  const issuerDir = path.join(dir, 'issuer');
  fs.mkdirSync(issuerDir);
  const ca = await generateCa({ domain: { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' } });
  fs.writeFileSync(path.join(issuerDir, 'ca.crt'), ca.anchorPem);
  fs.writeFileSync(path.join(issuerDir, 'tls.crt'), ca.issuerPem);
  fs.writeFileSync(path.join(issuerDir, 'tls.key'), ca.issuerKeyPem);
  let generation = 0;
  const start = async (logObjects: readonly Record<string, unknown>[], ports?: { destination: number; policy: number; identity: number }): Promise<ControlPlaneProcess> => {
    generation += 1;
    let source = 'kube';
    if (options.source === 'kube') {
      for (const object of logObjects) api.apply(resourceOf(object), object);
    } else {
      const log = path.join(dir, `events-${generation}.jsonl`);
      writeEventLog(log, logObjects);
      source = `replay:${log}`;
    }
    return startControlPlane([
      '--components', 'destination,policy,identity', '--source', source, '--kubeconfig', kubeconfig,
      '--destination-addr', `127.0.0.1:${ports?.destination ?? 0}`, '--policy-addr', `127.0.0.1:${ports?.policy ?? 0}`,
      '--identity-addr', `127.0.0.1:${ports?.identity ?? 0}`, '--identity-issuer-dir', issuerDir,
      '--identity-trust-anchors-file', path.join(issuerDir, 'ca.crt'), '--cluster-networks', '10.0.0.0/8,127.0.0.0/8',
    ]);
  };
  const world: MeshWorld = {
    dir, api, trustAnchorsPem: ca.anchorPem,
    controlPlane: await start(objects),
    startControlPlane: async (logObjects) => {
      const old = world.controlPlane;
      const ports = { destination: old.destinationPort ?? 0, policy: old.policyPort ?? 0, identity: old.identityPort ?? 0 };
      if (old.child.exitCode === null) await old.stop();
      world.controlPlane = await start(logObjects, ports);
      return world.controlPlane;
    },
    proxyEnv: (p, extra = {}) => ({
      LINKERD2_PROXY_LOG: process.env.SINEW_TEST_PROXY_LOG ?? 'warn,linkerd=info',
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR: `${p.ip}:4191`,
      LINKERD2_PROXY_INBOUND_LISTEN_ADDR: `${p.ip}:4143`,
      LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: `${p.ip}:4140`,
      LINKERD2_PROXY_CONTROL_LISTEN_ADDR: `${p.ip}:4190`,
      LINKERD2_PROXY_INBOUND_PORTS: webPorts.map((port) => port.targetPort).join(','),
      LINKERD2_PROXY_DESTINATION_SVC_ADDR: `127.0.0.1:${world.controlPlane.destinationPort}`,
      LINKERD2_PROXY_DESTINATION_SVC_NAME: 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_DESTINATION_CONTEXT: JSON.stringify({ ns: meshNamespace, nodeName: 'node-1', pod: p.name }),
      LINKERD2_PROXY_POLICY_SVC_ADDR: `127.0.0.1:${world.controlPlane.policyPort}`,
      LINKERD2_PROXY_POLICY_SVC_NAME: 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_POLICY_WORKLOAD: JSON.stringify({ ns: meshNamespace, pod: p.name }),
      LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS: '10.0.0.0/8,127.0.0.0/8',
      LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'all-unauthenticated',
      LINKERD2_PROXY_IDENTITY_DIR: dir,
      LINKERD2_PROXY_IDENTITY_TOKEN_FILE: path.join(dir, `token-${p.serviceAccount}`),
      LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: ca.anchorPem,
      LINKERD2_PROXY_IDENTITY_LOCAL_NAME: identityOf(p.serviceAccount),
      LINKERD2_PROXY_IDENTITY_SVC_ADDR: `127.0.0.1:${world.controlPlane.identityPort}`,
      LINKERD2_PROXY_IDENTITY_SVC_NAME: 'linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local',
      SINEW_PROXY_OUTBOUND_BIND_HOST: p.ip,
      SINEW_PROXY_INBOUND_FORWARD_HOST: p.ip.replace(/^127\.0\.(\d+)\./, (_, third: string) => `127.0.${Number(third) + 100}.`),
      ...extra,
    }),
    close: async () => {
      if (world.controlPlane.child.exitCode === null) await world.controlPlane.kill();
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly adminPort: number;
  stderr(): string;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

/** Runs `sinew proxy` with `env` (and nothing else of this process's environment) until its /ready answers 200. */
export async function startProxyProcess(env: Record<string, string>): Promise<ProxyProcess> {
  const proxy = await spawnProxy(env);
  const adminHost = (env.LINKERD2_PROXY_ADMIN_LISTEN_ADDR ?? '127.0.0.1:4191').replace(/:\d+$/, '');
  const deadline = Date.now() + 20_000;
  while ((await statusOf(adminHost, proxy.adminPort, '/ready')) !== 200) {
    if (Date.now() > deadline) throw new Error(`proxy never became ready:\n${proxy.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return proxy;
}

function statusOf(host: string, port: number, urlPath: string): Promise<number> {
  return new Promise((resolve) => {
    http.get({ host, port, path: urlPath }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

/** Runs `sinew proxy` until it logs that it started. */
export async function spawnProxy(env: Record<string, string>): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [sinewBin, 'proxy'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start:\n${stderr}`)), 20_000);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /proxy started[^\n]*admin=[^\s]*:(\d+)/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`proxy exited:\n${stderr}`));
    });
  });
  return {
    child, adminPort: Number(started[1]), stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
