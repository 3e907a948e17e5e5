/**
 * One meshed pod of the demo on this machine: a `sinew proxy` process configured by Linkerd's
 * variables as the injector would write them, listening on the pod's loopback IP, and the pod's
 * application process (demo-app.ts) behind it on the pod's app address.
 *
 * Without iptables, SINEW_PROXY_ORIGINAL_DST_MAP stands in for the redirect: inbound, the proxy
 * listens on <pod IP>:8080 and forwards to the app; outbound, it listens on <pod IP>:<9000 + S> for
 * each Service S the app calls, as if the app had dialled the Service's cluster IP.
 *
 * Contract: `startPod` spawns the proxy at once (the application too, unless `deferApp`);
 * `ready` resolves when the proxy's /ready answers 200 (it has its certificate) and rejects with
 * the proxy's output when it does not within the time limit or exits. `stop` stops both, as the
 * kubelet does a deleted pod: SIGTERM, SIGKILL after the grace period.
 */
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AppConfig, appArgs, type CallTarget, type LoadReport, parseLoadReport } from './app-config.js';
import type { Child, ChildProcesses } from './child-processes.js';
import type { ScheduledPod } from './demo-schedule.js';
import { tapIdentity } from './demo-tap.js';
import {
  appIpOf, authorityOf, clientPortOf, clusterIpOf, containerPort, controlPlaneNamespace, demoNamespace, identityOf, serviceNamed, trustDomain,
} from './demo-topology.js';
import type { DemoWorkspace } from './demo-workspace.js';

export interface PodContext {
  readonly children: ChildProcesses;
  readonly sinewBin: string;
  readonly appScript: string;
  readonly workspace: DemoWorkspace;
  readonly controlPlane: { readonly destinationPort: number; readonly policyPort: number; readonly identityPort: number };
  /** Requests a second the load generator sends to web (nginx gets a quarter, at least one). */
  readonly rate: number;
  readonly onReport: (pod: ScheduledPod, report: LoadReport) => void;
}

export interface RunningPod {
  readonly pod: ScheduledPod;
  readonly proxy: Child;
  readonly ready: Promise<void>;
  app(): Child | undefined;
  startApp(): void;
  stop(graceMs: number): Promise<void>;
}

export class PodStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodStartError';
  }
}

const adminPort = 4191;
const controlName = (component: string): string => `${component}.${controlPlaneNamespace}.serviceaccount.identity.${controlPlaneNamespace}.${trustDomain}`;
const paths: Readonly<Record<string, string>> = { web: '/', api: '/items', db: '/query', nginx: '/index.html' };

function callTarget(pod: ScheduledPod, service: string): CallTarget {
  const svc = serviceNamed(service);
  return { host: pod.ip, port: clientPortOf(svc), service, authority: authorityOf(svc), path: paths[service] ?? '/' };
}

export function proxyEnv(pod: ScheduledPod, context: Pick<PodContext, 'workspace' | 'controlPlane'>): Record<string, string> {
  const { workspace, controlPlane } = context;
  const map = [
    `inbound:${pod.ip}:${containerPort}=${pod.ip}:${containerPort}`,
    ...pod.workload.calls.map((service) => `outbound:${pod.ip}:${clientPortOf(serviceNamed(service))}=${clusterIpOf(serviceNamed(service))}:${serviceNamed(service).port}`),
  ];
  return {
    PATH: process.env.PATH ?? '',
    LINKERD2_PROXY_LOG: process.env.LINKERD2_PROXY_LOG ?? 'warn',
    LINKERD2_PROXY_ADMIN_LISTEN_ADDR: `${pod.ip}:${adminPort}`,
    LINKERD2_PROXY_INBOUND_LISTEN_ADDR: `${pod.ip}:4143`,
    LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: `${pod.ip}:4140`,
    LINKERD2_PROXY_CONTROL_LISTEN_ADDR: `${pod.ip}:4190`,
    LINKERD2_PROXY_INBOUND_PORTS: String(containerPort),
    LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD: '5s',
    LINKERD2_PROXY_DESTINATION_SVC_ADDR: `127.0.0.1:${controlPlane.destinationPort}`,
    LINKERD2_PROXY_DESTINATION_SVC_NAME: controlName('linkerd-destination'),
    LINKERD2_PROXY_DESTINATION_CONTEXT: JSON.stringify({ ns: demoNamespace, nodeName: 'demo-node', pod: pod.name }),
    LINKERD2_PROXY_POLICY_SVC_ADDR: `127.0.0.1:${controlPlane.policyPort}`,
    LINKERD2_PROXY_POLICY_SVC_NAME: controlName('linkerd-destination'),
    LINKERD2_PROXY_POLICY_WORKLOAD: JSON.stringify({ ns: demoNamespace, pod: pod.name }),
    LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS: '127.0.0.0/8',
    LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'all-unauthenticated',
    LINKERD2_PROXY_IDENTITY_DIR: path.join(workspace.dir, 'identity', pod.name),
    LINKERD2_PROXY_IDENTITY_TOKEN_FILE: workspace.tokenFile(demoNamespace, pod.serviceAccount),
    LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: workspace.trustAnchorsPem,
    LINKERD2_PROXY_IDENTITY_LOCAL_NAME: identityOf(pod.serviceAccount),
    LINKERD2_PROXY_IDENTITY_SVC_ADDR: `127.0.0.1:${controlPlane.identityPort}`,
    LINKERD2_PROXY_IDENTITY_SVC_NAME: controlName('linkerd-identity'),
    LINKERD2_PROXY_TAP_SVC_NAME: tapIdentity,
    SINEW_PROXY_ORIGINAL_DST_MAP: map.join(','),
    SINEW_PROXY_OUTBOUND_BIND_HOST: pod.ip,
    SINEW_PROXY_INBOUND_FORWARD_HOST: appIpOf(pod.ip),
  };
}

export function appConfig(pod: ScheduledPod, rate: number): AppConfig {
  const listen = { host: appIpOf(pod.ip), port: containerPort };
  if (pod.workload.role === 'serve') return { role: 'serve', name: pod.name, listen };
  if (pod.workload.role === 'relay') return { role: 'relay', name: pod.name, listen, downstream: pod.workload.calls.map((service) => callTarget(pod, service)) };
  // The intruder knocks once a second; the load generator sends `rate` to web and a quarter of it to nginx.
  const rpsOf = (service: string): number => (pod.workload.name === 'intruder' ? 1 : service === 'web' ? rate : Math.max(1, rate / 4));
  return { role: 'load', name: pod.name, targets: pod.workload.calls.map((service) => ({ ...callTarget(pod, service), rps: rpsOf(service) })), reportMs: 1_000 };
}

/** The status of GET /ready on the proxy's admin server (0 when it does not answer within a second). */
function readyStatus(host: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ host, port: adminPort, path: '/ready', agent: false, timeout: 1_000, signal }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/** Polls the proxy's /ready until 200; stops (rejecting) at the time limit or when `signal` aborts. */
async function untilReady(pod: ScheduledPod, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readyStatus(pod.ip, signal)) !== 200) {
    if (signal.aborted) throw new PodStartError(`the proxy of ${pod.name} was stopped before it was ready`);
    if (Date.now() > deadline) throw new PodStartError(`the proxy of ${pod.name} was not ready within ${timeoutMs} ms`);
    await sleep(100, undefined, { signal }).catch(() => undefined);
  }
}

export function startPod(pod: ScheduledPod, context: PodContext, options: { readonly deferApp: boolean; readonly readyTimeoutMs: number }): RunningPod {
  const proxy = context.children.spawn(`proxy of ${pod.name}`, process.execPath, [context.sinewBin, 'proxy'], { env: proxyEnv(pod, context) });
  let app: Child | undefined;
  const startApp = (): void => {
    app ??= context.children.spawn(`app of ${pod.name}`, process.execPath, [context.appScript, ...appArgs(appConfig(pod, context.rate))], {
      env: { PATH: process.env.PATH ?? '' },
      onLine: (line) => {
        const report = parseLoadReport(line);
        if (report !== undefined) context.onReport(pod, report);
      },
    });
  };
  if (!options.deferApp) startApp();
  // Polling stops when the proxy exits or the pod is stopped: nothing is left waiting.
  const polling = new AbortController();
  void proxy.exited.then(() => polling.abort());
  const ready = Promise.race([
    untilReady(pod, options.readyTimeoutMs, polling.signal),
    proxy.exited.then((code) => { throw new PodStartError(`the proxy of ${pod.name} exited (code ${code})`); }),
  ]).catch((error: unknown) => {
    polling.abort();
    throw new PodStartError(`${(error as Error).message}; it printed:\n${proxy.output().trim()}`);
  });
  ready.catch(() => undefined); // the caller decides whether a late pod's failure matters
  return {
    pod, proxy, ready, startApp,
    app: () => app,
    stop: async (graceMs) => {
      polling.abort();
      const stopping = [context.children.stop(proxy, graceMs)];
      if (app !== undefined) stopping.push(context.children.stop(app, graceMs));
      await Promise.all(stopping);
    },
  };
}
