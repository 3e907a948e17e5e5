/**
 * The mesh world (mesh-world.ts) with what viz needs on top: pods shaped as injected pods are
 * (a `linkerd-proxy` container with the `linkerd-admin` port 4191, `linkerd.io/proxy-deployment`
 * and `linkerd.io/control-plane-ns` labels, owner references Pod → ReplicaSet → Deployment), the
 * same objects in the fake API server (so Prometheus' kubernetes_sd and `--source kube` see them),
 * a web application that answers 500 to `/fail…` and waits `delayMs` before answering, a paced
 * load generator, Debian's Prometheus and `sinew viz metrics-api` as child processes.
 *
 * Addresses as in mesh-world: web pod N is 127.0.30.N (application 127.0.130.N:8080), curl is
 * 127.0.31.1 and reaches the web Service through 127.0.31.1:8000.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { proxyScrapeJob } from '../../src/viz/prometheus-config.js';
import { sinewBin } from './control-plane-process.js';
import {
  curlPodIp, curlPortFor, curlProxyMap, meshNamespace, type MeshWorld, type ProxyProcess, startMeshWorld, startProxyProcess,
  webAppIp, webClusterIp, webPodIp, webPorts, webProxyMap,
} from './mesh-world.js';
import { endpointSlice, namespace, pod, service } from './objects.js';

const replicaSetOf = { web: 'web-5d8f9', curl: 'curl-7c9b4' } as const;

function injectedPod(name: string, ip: string, app: 'web' | 'curl'): Record<string, unknown> {
  const base = pod(meshNamespace, name, {
    ip, serviceAccount: app,
    labels: { app, 'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-deployment': app, 'pod-template-hash': replicaSetOf[app].split('-')[1] as string },
  });
  const metadata = base.metadata as Record<string, unknown>;
  metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: replicaSetOf[app], uid: `uid-rs-${app}`, controller: true }];
  const spec = base.spec as { containers: Record<string, unknown>[] };
  (spec.containers[0] as { ports: unknown[]; env?: unknown }).ports = webPorts.map((port) => ({ name: port.name, containerPort: port.targetPort, protocol: 'TCP' }));
  delete (spec.containers[0] as { env?: unknown }).env;
  spec.containers.push({
    name: 'linkerd-proxy', image: 'sinew/sinew:dev',
    ports: [{ name: 'linkerd-proxy', containerPort: 4143, protocol: 'TCP' }, { name: 'linkerd-admin', containerPort: 4191, protocol: 'TCP' }],
  });
  return base;
}

function replicaSet(app: 'web' | 'curl'): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: replicaSetOf[app], namespace: meshNamespace, labels: { app }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: app, uid: `uid-deploy-${app}`, controller: true }] },
  };
}

/** The world's objects: namespace, web Service and its slice, two web pods, one curl pod and their ReplicaSets. */
export function vizObjects(): Record<string, unknown>[] {
  const web = service(meshNamespace, 'web', webPorts, webClusterIp);
  (web.metadata as Record<string, unknown>).annotations = { 'config.linkerd.io/opaque-ports': '83' };
  return [
    namespace(meshNamespace), web, replicaSet('web'), replicaSet('curl'),
    injectedPod('web-1', webPodIp(1), 'web'), injectedPod('web-2', webPodIp(2), 'web'), injectedPod('curl-1', curlPodIp, 'curl'),
    endpointSlice(meshNamespace, 'web-abc', 'web', [1, 2].map((n) => ({ ip: webPodIp(n), pod: `web-${n}` })),
      webPorts.map((port) => ({ name: port.name, port: port.targetPort }))),
  ];
}

const apiResources: Readonly<Record<string, string>> = {
  Namespace: 'namespaces', Service: 'services', Pod: 'pods', EndpointSlice: 'endpointslices.discovery.k8s.io', ReplicaSet: 'replicasets.apps',
};

export interface VizWorld {
  readonly mesh: MeshWorld;
  readonly proxies: Map<string, ProxyProcess>;
  /** Restarts a pod's proxy (a counter reset), same address and environment. */
  restartProxy(pod: string): Promise<void>;
  close(): Promise<void>;
}

/** A web application that answers 500 to paths starting with /fail, after `delayMs`. */
export async function startDelayApp(host: string, delayMs: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => {
      res.statusCode = (req.url ?? '').startsWith('/fail') ? 500 : 200;
      res.end(res.statusCode === 200 ? 'ok' : 'failed');
    }, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export async function startVizWorld(delayMs: number): Promise<VizWorld> {
  const objects = vizObjects();
  const mesh = await startMeshWorld(objects);
  for (const object of objects) mesh.api.apply(apiResources[String(object.kind)] as string, object);
  const apps: http.Server[] = [];
  const proxies = new Map<string, ProxyProcess>();
  const envs = new Map<string, Record<string, string>>();
  const start = async (name: string): Promise<void> => {
    const proxy = await startProxyProcess(envs.get(name) as Record<string, string>);
    proxies.set(name, proxy);
  };
  try {
    for (const n of [1, 2]) {
      apps.push(await startDelayApp(webAppIp(n), delayMs));
      envs.set(`web-${n}`, mesh.proxyEnv({ name: `web-${n}`, ip: webPodIp(n), serviceAccount: 'web' }, { SINEW_PROXY_ORIGINAL_DST_MAP: webProxyMap(n) }));
      await start(`web-${n}`);
    }
    envs.set('curl-1', mesh.proxyEnv({ name: 'curl-1', ip: curlPodIp, serviceAccount: 'curl' }, { SINEW_PROXY_ORIGINAL_DST_MAP: curlProxyMap() }));
    await start('curl-1');
  } catch (error) {
    for (const proxy of proxies.values()) await proxy.kill();
    for (const app of apps) app.close();
    await mesh.close();
    throw error;
  }
  return {
    mesh, proxies,
    restartProxy: async (name) => {
      await proxies.get(name)?.kill();
      await start(name);
    },
    close: async () => {
      for (const proxy of proxies.values()) await proxy.kill();
      for (const app of apps) {
        app.closeAllConnections();
        await new Promise((resolve) => app.close(resolve));
      }
      await mesh.close();
    },
  };
}

export interface LoadStats {
  /** Wall-clock times (ms) of responses, with their status. */
  readonly responses: readonly { readonly at: number; readonly status: number }[];
}

export interface Load {
  readonly stats: LoadStats;
  /** Requests answered in the `ms` before now, and how many of those failed (status 500). */
  inLast(ms: number): { total: number; failed: number };
  stop(): Promise<void>;
}

/**
 * Sends GETs from the curl pod to the web Service at `rps` requests a second (every `failEvery`-th to
 * `/fail`), at most `maxRequests` and for at most `maxMs`.
 */
export function startLoad(options: { rps: number; failEvery: number; maxRequests: number; maxMs: number }): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const responses: { at: number; status: number }[] = [];
  const pending = new Set<Promise<void>>();
  let sent = 0;
  const started = Date.now();
  const send = (): void => {
    if (sent >= options.maxRequests || Date.now() - started > options.maxMs) return stopTimer();
    sent += 1;
    const fail = sent % options.failEvery === 0;
    const done = new Promise<void>((resolve) => {
      const request = http.get({ host: curlPodIp, port: curlPortFor(80), path: fail ? `/fail/${sent}` : `/ok/${sent}`, agent, headers: { host: 'web.shop.svc.cluster.local' } }, (res) => {
        res.resume();
        res.on('end', () => {
          responses.push({ at: Date.now(), status: res.statusCode ?? 0 });
          resolve();
        });
      });
      request.on('error', () => {
        responses.push({ at: Date.now(), status: 0 });
        resolve();
      });
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const timer = setInterval(send, 1000 / options.rps);
  function stopTimer(): void {
    clearInterval(timer);
  }
  return {
    stats: { responses },
    inLast: (ms) => {
      const since = Date.now() - ms;
      const recent = responses.filter((response) => response.at >= since);
      return { total: recent.length, failed: recent.filter((response) => response.status === 500).length };
    },
    stop: async () => {
      stopTimer();
      await Promise.all([...pending]);
      agent.destroy();
    },
  };
}

/** A free TCP port on 127.0.0.1 (Prometheus takes a fixed --web.listen-address). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ChildService {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up:\n${output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  return exited.then(() => clearTimeout(timer));
}

async function statusOf(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/**
 * The targets kubernetes_sd (role pod) would produce for these pods: one per container port, with
 * its `__meta_kubernetes_*` labels. Debian's Prometheus is built without kubernetes_sd, so the
 * tests hand the same targets to it through file_sd, and the job's relabel rules run on them.
 */
export function kubernetesSdTargets(pods: readonly Record<string, unknown>[]): { targets: string[]; labels: Record<string, string> }[] {
  return pods.flatMap((object) => {
    const metadata = object.metadata as { name: string; namespace: string; labels?: Record<string, string> };
    const spec = object.spec as { containers: { name: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[] };
    const status = object.status as { phase: string; podIP: string };
    const podLabels: Record<string, string> = {};
    for (const [key, value] of Object.entries(metadata.labels ?? {})) {
      const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
      podLabels[`__meta_kubernetes_pod_label_${name}`] = value;
      podLabels[`__meta_kubernetes_pod_labelpresent_${name}`] = 'true';
    }
    return spec.containers.flatMap((container) => (container.ports ?? []).map((port) => ({
      targets: [`${status.podIP}:${port.containerPort}`],
      labels: {
        __meta_kubernetes_namespace: metadata.namespace, __meta_kubernetes_pod_name: metadata.name, __meta_kubernetes_pod_ip: status.podIP,
        __meta_kubernetes_pod_phase: status.phase, __meta_kubernetes_pod_container_name: container.name,
        __meta_kubernetes_pod_container_port_name: port.name ?? '', __meta_kubernetes_pod_container_port_number: String(port.containerPort),
        __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP', ...podLabels,
      },
    })));
  });
}

/**
 * Debian's Prometheus scraping the proxies every second with viz's scrape job (prometheus-config.ts):
 * its relabel rules as installed, its kubernetes_sd replaced by file_sd targets that carry the
 * labels kubernetes_sd would give the world's pods.
 */
export async function startPrometheus(world: VizWorld): Promise<ChildService> {
  const dir = fs.mkdtempSync(path.join(world.mesh.dir, 'prometheus-'));
  const pods = vizObjects().filter((object) => object.kind === 'Pod');
  fs.writeFileSync(path.join(dir, 'targets.json'), JSON.stringify(kubernetesSdTargets(pods)));
  const job = proxyScrapeJob();
  delete job.kubernetes_sd_configs;
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: [{ ...job, file_sd_configs: [{ files: [path.join(dir, 'targets.json')], refresh_interval: '1s' }] }],
  };
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const child = spawn('/usr/bin/prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const service: ChildService = { child, url, output: () => output, stop: () => stopChild(child) };
  try {
    await waitFor(async () => (await statusOf(`${url}/-/ready`)) === 200, 'prometheus', 30_000, () => output);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

/** `sinew viz metrics-api` on 127.0.0.1, against Prometheus (`prometheusUrl`) or embedded. */
export async function startMetricsApi(world: VizWorld, extra: readonly string[]): Promise<ChildService> {
  const child = spawn(process.execPath, [sinewBin, 'viz', 'metrics-api', '--addr', '127.0.0.1:0', '--source', 'kube',
    '--kubeconfig', path.join(world.mesh.dir, 'kubeconfig'), '--log-level', 'debug', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  let url = '';
  try {
    await waitFor(async () => {
      const match = /metrics API started[^\n]*addr=127\.0\.0\.1:(\d+)/.exec(output);
      if (match === null) return false;
      url = `http://127.0.0.1:${match[1]}`;
      return (await statusOf(`${url}/ready`)) === 200;
    }, 'metrics-api', 30_000, () => output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { child, url, output: () => output, stop: () => stopChild(child) };
}
