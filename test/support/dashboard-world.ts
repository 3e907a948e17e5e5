/**
 * The dashboard over real components: viz's injected-pod objects (viz-world.ts: web-1, web-2 and
 * curl-1 with `linkerd-proxy` containers, owned through ReplicaSets by the web and curl
 * Deployments, so the destination service labels endpoints `dst_deployment`), the real control
 * plane replaying them (mesh-world.ts), `sinew proxy` processes that serve tap to the tap
 * server's identity, the applications of mesh-apps.ts, the real tap server (`sinew viz
 * tap-server` replaying the same log, certified by the real identity service), and the real
 * metrics API in process, embedded (the workload inventory replaying the log, the scraper reading
 * each proxy's /metrics every second, metricsService), recorded so that a test can compare a page
 * with the JSON behind it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createLogger, type Logger } from '../../src/observe/logger.js';
import { type DashboardServer, startDashboard } from '../../src/viz/dashboard/dashboard-server.js';
import { tapServerSource } from '../../src/viz/dashboard/tap-source.js';
import { embeddedBackend } from '../../src/viz/embedded-backend.js';
import { maxWindowMs } from '../../src/viz/metrics-api-query.js';
import { metricsService } from '../../src/viz/metrics-service.js';
import { type Scraper, startScraper } from '../../src/viz/proxy-scraper.js';
import { SampleStore } from '../../src/viz/sample-store.js';
import { serviceClient } from '../../src/viz/service-proxy.js';
import { startWorkloadSource, type WorkloadSource } from '../../src/viz/workload-source.js';
import { sinewBin } from './control-plane-process.js';
import { recordingMetricsApi, type RecordingMetricsApi } from './dashboard-fixtures.js';
import { http1Get, type RunningApp, startWebApps } from './mesh-apps.js';
import {
  curlPodIp, curlPortFor, curlProxyMap, type MeshWorld, type ProxyProcess, startMeshWorld, startProxyProcess, webAppIp, webPodIp, webProxyMap,
  writeEventLog,
} from './mesh-world.js';
import { vizObjects } from './viz-world.js';

export const scrapeIntervalMs = 1000;
export const tapIdentity = 'tap.linkerd-viz.serviceaccount.identity.linkerd.cluster.local';

export interface TapServer {
  readonly url: string;
  stop(): Promise<void>;
}

export interface DashboardWorld {
  readonly mesh: MeshWorld;
  readonly metrics: RecordingMetricsApi;
  readonly dashboard: DashboardServer;
  /** What the dashboard logged (warnings and errors), one line each. */
  readonly logLines: string[];
  close(): Promise<void>;
}

/** GETs `path` from the curl pod through its proxy to the web Service; the status (0 when it failed). */
export async function sendFromCurl(path: string): Promise<number> {
  try {
    return (await http1Get(curlPodIp, curlPortFor(80), path)).status;
  } catch {
    return 0;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

/** `sinew viz tap-server` as the tap service account of linkerd-viz, replaying `eventLog`, once its /ready answers 200. */
async function startTapServer(mesh: MeshWorld, eventLog: string): Promise<TapServer> {
  const tokenFile = path.join(mesh.dir, 'token-linkerd-viz-tap');
  mesh.api.addServiceAccountToken('token-linkerd-viz-tap', 'linkerd-viz', 'tap', ['identity.l5d.io']);
  fs.writeFileSync(tokenFile, 'token-linkerd-viz-tap');
  const anchors = path.join(mesh.dir, 'tap-anchors.pem');
  fs.writeFileSync(anchors, mesh.trustAnchorsPem);
  const child = spawn(process.execPath, [sinewBin, 'viz', 'tap-server', '--addr', '127.0.0.1:0', '--source', `replay:${eventLog}`,
    '--identity-addr', `127.0.0.1:${mesh.controlPlane.identityPort ?? 0}`, '--identity-name', tapIdentity,
    '--trust-anchors-file', anchors, '--token-file', tokenFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const port = /tap server started[^\n]*addr=[^\s]*:(\d+)/.exec(stderr)?.[1];
    const ready = port === undefined ? 0 : await fetch(`http://127.0.0.1:${port}/ready`).then((response) => response.status, () => 0);
    if (ready === 200) return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`the tap server did not become ready:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function startPods(mesh: MeshWorld, apps: RunningApp[], proxies: ProxyProcess[]): Promise<void> {
  const tap = { LINKERD2_PROXY_TAP_SVC_NAME: tapIdentity };
  for (const n of [1, 2]) {
    apps.push(await startWebApps(webAppIp(n), `web-${n}`));
    proxies.push(await startProxyProcess(mesh.proxyEnv({ name: `web-${n}`, ip: webPodIp(n), serviceAccount: 'web' }, { SINEW_PROXY_ORIGINAL_DST_MAP: webProxyMap(n), ...tap })));
  }
  proxies.push(await startProxyProcess(mesh.proxyEnv({ name: 'curl-1', ip: curlPodIp, serviceAccount: 'curl' }, { SINEW_PROXY_ORIGINAL_DST_MAP: curlProxyMap(), ...tap })));
}

export async function startDashboardWorld(): Promise<DashboardWorld> {
  const objects = vizObjects();
  const mesh = await startMeshWorld(objects);
  const logLines: string[] = [];
  const log: Logger = createLogger({ level: 'warn', write: (line) => logLines.push(line) });
  const apps: RunningApp[] = [];
  const proxies: ProxyProcess[] = [];
  let tapServer: TapServer | undefined;
  let workloads: WorkloadSource | undefined;
  let scraper: Scraper | undefined;
  let dashboard: DashboardServer | undefined;
  const close = async (): Promise<void> => {
    await dashboard?.close();
    scraper?.stop();
    await workloads?.close();
    await tapServer?.stop();
    for (const proxy of proxies) await proxy.kill();
    for (const app of apps) await app.close();
    await mesh.close();
  };
  try {
    await startPods(mesh, apps, proxies);
    const eventLog = path.join(mesh.dir, 'dashboard-events.jsonl');
    writeEventLog(eventLog, objects);
    tapServer = await startTapServer(mesh, eventLog);
    workloads = await startWorkloadSource({ source: `replay:${eventLog}`, log });
    await workloads.ready;
    const store = new SampleStore(maxWindowMs + 2 * scrapeIntervalMs);
    scraper = startScraper({ inventory: workloads.inventory, store, intervalMs: scrapeIntervalMs, log });
    const metrics = recordingMetricsApi(metricsService({ backend: embeddedBackend(store), inventory: workloads.inventory }));
    dashboard = await startDashboard({
      metrics: metrics.api, tap: tapServerSource(serviceClient({ kind: 'direct', url: tapServer.url })), port: 0, log,
    });
    return { mesh, metrics, dashboard, logLines, close };
  } catch (error) {
    await close();
    throw error;
  }
}
