/**
 * `sinew demo`'s composition root: the whole mesh on this machine, from the event log to the
 * summary.
 *
 * Order: read the log ahead (demo-schedule.ts); check that every pod's addresses are free
 * (address-check.ts); start the dashboard (a port in use is found before any process starts);
 * make the workspace (CA, tokens, token review server); start the control plane replaying the log
 * at its pace; replay the same log into this process's inventory, with viz's embedded metrics API
 * and tap server over it (the dashboard's); start the log's pods (a proxy and an application each)
 * and wait for their proxies; start the load generator and the intruder; refresh the view every
 * `refreshMs` until the duration is over or `stop` aborts; stop the load generators and read their
 * final counts; read the proxies' counters; tear everything down; return the summary.
 *
 * Contract: every process started is stopped, and the temporary directory removed, before
 * `runDemo` settles, whether it resolves or rejects; if the process exits first (an exception, a
 * second Ctrl-C), an `exit` handler kills what remains and removes the directory.
 * `stop` aborting before the mesh is up ends the run without a summary (undefined); after, the
 * summary covers the traffic so far. A control plane that exits, or a pod of the first state whose
 * proxy is not ready in time, rejects with the reason.
 */
import { silentLogger } from '../observe/logger.js';
import { startWorkloadSource } from '../viz/workload-source.js';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDashboard, type DashboardServer } from '../viz/dashboard/dashboard-server.js';
import type { TapSource } from '../viz/dashboard/tap-source.js';
import { formatStat } from '../viz/stat-format.js';
import { checkAddresses } from './address-check.js';
import { ChildProcesses } from './child-processes.js';
import { startControlPlane } from './control-plane-child.js';
import { type DemoView, renderFrame } from './demo-frame.js';
import { type DemoMetrics, lateMetricsApi, type SeenIdentities, startDemoMetrics } from './demo-metrics.js';
import type { DemoSchedule } from './demo-schedule.js';
import type { Screen } from './demo-screen.js';
import { collectProxyCounts, type DemoSummary, loadTotals, type ProxyCounts, type RolloutAccount, summarize } from './demo-summary.js';
import { tapAccount, startDemoTap } from './demo-tap.js';
import { appIpOf, containerPort, demoNamespace } from './demo-topology.js';
import { createWorkspace } from './demo-workspace.js';
import { intruderCounts, LoadLedger } from './load-ledger.js';
import { PodFleet } from './pod-fleet.js';

export interface DemoRunOptions {
  readonly eventLog: string;
  readonly schedule: DemoSchedule;
  /** From the start of the log's replay; undefined: until `stop`. */
  readonly durationMs: number | undefined;
  readonly dashboard: { readonly address: string; readonly port: number } | undefined;
  /** Requests a second from the load generator to web. */
  readonly rate: number;
  readonly replaySpeed: number;
  readonly screen: Screen;
  readonly stop: AbortSignal;
  readonly sinewBin: string;
  readonly appScript: string;
  readonly refreshMs?: number;
  /** Where each process's output is also written (a file per process). */
  readonly logDir?: string;
  /** Called once the dashboard listens. */
  readonly onDashboard?: (url: string) => void;
}

export class DemoStoppedError extends Error {
  constructor() {
    super('the demo was stopped before the mesh was up');
    this.name = 'DemoStoppedError';
  }
}

export class DashboardPortError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DashboardPortError';
  }
}

const statWindow = '20s';
// eslint-disable-next-line require-yield
async function* notYet(): AsyncGenerator<never> {
  throw new Error('the demo is still starting its mesh; try again in a few seconds');
}

/** The dashboard's tap before the tap server is up. */
function lateTap(): { readonly source: TapSource; bind(real: TapSource): void } {
  let bound: TapSource | undefined;
  return {
    source: { watch: (target, body, signal) => (bound === undefined ? notYet() : bound.watch(target, body, signal)) },
    bind: (real) => { bound = real; },
  };
}

/** Resolves with `promise`, or rejects with DemoStoppedError as soon as `signal` aborts. */
function unlessStopped<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DemoStoppedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new DemoStoppedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface Live {
  readonly options: DemoRunOptions;
  readonly t0: number;
  readonly fleet: PodFleet;
  readonly ledger: LoadLedger;
  readonly dashboardUrl: string | undefined;
  tick: number;
  statTable: string;
  identities: readonly SeenIdentities[];
  counts: ProxyCounts | undefined;
}

function view(live: Live, phase: DemoView['phase']): DemoView {
  const { options } = live;
  const traffic = live.ledger.targets('traffic');
  const { rollout } = options.schedule;
  return {
    phase, elapsedMs: Date.now() - live.t0, durationMs: options.durationMs, tick: live.tick, dashboardUrl: live.dashboardUrl,
    proxies: live.fleet.readiness(), statTable: live.statTable, statWindow, identities: live.identities,
    load: traffic === undefined ? undefined : loadTotals(traffic), intruder: intruderCounts(live.ledger), denied: live.counts?.denied,
    // The schedule is in the log's seconds; the view counts run seconds.
    news: options.schedule.news.map((item) => ({ ...item, atS: item.atS / options.replaySpeed })),
    rollout: rollout === undefined ? undefined : { startS: rollout.startS / options.replaySpeed, endS: rollout.endS / options.replaySpeed },
  };
}

async function refresh(live: Live, metrics: DemoMetrics): Promise<void> {
  const deployments = { type: 'deployment' as const, namespace: demoNamespace, name: '' };
  const [stat, identities, counts] = await Promise.all([
    metrics.api.stat({ resource: deployments, window: statWindow }),
    metrics.identities(),
    collectProxyCounts(live.fleet.pods()),
  ]);
  live.statTable = formatStat(stat.rows, { output: 'table', allNamespaces: false, unmeshed: false, from: false }).out;
  live.identities = identities;
  live.counts = counts;
}

/** Runs until the duration is over or `stop` aborts, redrawing the view. */
async function runLive(live: Live, metrics: DemoMetrics, failed: AbortSignal): Promise<void> {
  const { options } = live;
  const refreshMs = options.refreshMs ?? 2_000;
  const deadline = options.durationMs === undefined ? Infinity : live.t0 + options.durationMs;
  const ending = AbortSignal.any([options.stop, failed]);
  let first = true;
  while (!ending.aborted && Date.now() < deadline) {
    try {
      await refresh(live, metrics);
    } catch (error) {
      options.screen.note(`could not refresh the view: ${(error as Error).message}`);
    }
    live.tick += 1;
    options.screen.frame(renderFrame(view(live, 'running')), first);
    first = false;
    await sleep(Math.max(0, Math.min(refreshMs, deadline - Date.now())), undefined, { signal: ending }).catch(() => undefined);
  }
}

/** Stops the load generators (they finish what is in flight and print their final counts). */
async function stopLoad(live: Live, children: ChildProcesses): Promise<void> {
  const apps = live.fleet.pods().filter((pod) => pod.pod.workload.role === 'load').map((pod) => pod.app()).filter((app) => app !== undefined);
  await Promise.all(apps.map((app) => children.stop(app, 15_000)));
}

/** The load during the rollout's window (run time), up to where the run stopped. */
function rolloutAccount(live: Live, startMs: number, endMs: number, runMs: number): RolloutAccount {
  if (runMs < startMs) return { startMs, endMs, reached: false, finished: false, sent: 0, failed: 0 };
  const from = live.ledger.totalsAt(live.t0 + startMs);
  // A second past the last change: requests in flight when the old pod went away are counted.
  const to = live.ledger.totalsAt(live.t0 + Math.min(runMs, endMs + 1_000));
  return { startMs, endMs: Math.min(endMs, runMs), reached: true, finished: runMs >= endMs, sent: to.sent - from.sent, failed: to.failed - from.failed };
}

async function closing(live: Live, children: ChildProcesses): Promise<DemoSummary> {
  await stopLoad(live, children);
  const { rollout } = live.options.schedule;
  const msPerLogSecond = 1000 / live.options.replaySpeed;
  const traffic = live.ledger.targets('traffic') ?? {};
  const load = { ...loadTotals(traffic), byService: traffic };
  const proxies = await collectProxyCounts(live.fleet.pods());
  const runMs = Date.now() - live.t0;
  return summarize({
    runMs, load, intruder: intruderCounts(live.ledger) ?? { sent: 0, refused: 0 }, proxies,
    rollout: rollout === undefined ? undefined : rolloutAccount(live, rollout.startS * msPerLogSecond, rollout.endS * msPerLogSecond, runMs),
  });
}

/** Appends timestamped lines (wall clock and time since the replay began) to `file`. */
function traceTo(file: string, t0: number): (line: string) => void {
  return (line) => {
    try {
      fs.appendFileSync(file, `${new Date().toISOString()} +${((Date.now() - t0) / 1000).toFixed(1)}s ${line}\n`);
    } catch {
      // a trace that cannot be written is not worth stopping the demo for
    }
  };
}

interface Setup {
  readonly options: DemoRunOptions;
  readonly children: ChildProcesses;
  /** Teardown steps, run last first. */
  readonly undo: (() => Promise<void> | void)[];
  /** Synchronous steps for the process `exit` handler, when the demo ends without its teardown. */
  readonly atExit: (() => void)[];
  readonly fail: (error: Error) => void;
}

/** The dashboard first (a port in use is found before any process starts), bound to late APIs. */
async function startDashboardFirst(setup: Setup): Promise<{ dashboard: DashboardServer | undefined; metrics: ReturnType<typeof lateMetricsApi>; tap: ReturnType<typeof lateTap> }> {
  const metrics = lateMetricsApi();
  const tap = lateTap();
  const dashboard = await startDashboardOrExplain(setup.options, metrics.api, tap.source);
  if (dashboard !== undefined) {
    setup.undo.push(() => dashboard.close());
    setup.options.onDashboard?.(dashboard.url);
  }
  return { dashboard, metrics, tap };
}

/** Workspace, control plane, this process's inventory, metrics and tap, and the pods (not yet started). */
async function startMesh(setup: Setup): Promise<Live & { readonly metrics: DemoMetrics }> {
  const { options, children, undo, fail } = setup;
  await checkAddresses(options.schedule.pods.map((pod) => pod.ip), 4191);
  await checkAddresses(options.schedule.pods.map((pod) => appIpOf(pod.ip)), containerPort);
  const first = await startDashboardFirst(setup);
  const accounts = [...new Set(options.schedule.pods.map((pod) => pod.serviceAccount))].map((serviceAccount) => ({ namespace: demoNamespace, serviceAccount }));
  const workspace = await createWorkspace([...accounts, tapAccount]);
  undo.push(() => workspace.close());
  setup.atExit.push(() => workspace.removeNow());
  undo.push(() => children.stopAll(5_000));
  const files = { eventLog: options.eventLog, kubeconfig: workspace.kubeconfig, issuerDir: workspace.issuerDir, trustAnchorsFile: workspace.trustAnchorsFile };
  const controlPlane = await unlessStopped(startControlPlane(children, options.sinewBin, files, { replaySpeed: options.replaySpeed, timeoutMs: 60_000 }), options.stop);
  const t0 = controlPlane.startedAt;
  void controlPlane.child.exited.then((code) => fail(new Error(`the control plane exited (code ${code}):\n${controlPlane.child.output()}`)));
  // The metrics API's view of the pods, replayed at the control plane's pace so the rollout's pods
  // come and go in the table when they do in the mesh.
  const inventory = await startWorkloadSource({ source: `replay:${options.eventLog}`, replaySpeed: options.replaySpeed, log: silentLogger, onError: fail });
  undo.push(() => inventory.close());
  const metrics = startDemoMetrics(inventory.inventory, 2_000);
  undo.push(() => metrics.stop());
  first.metrics.bind(metrics.api);
  const tap = await startDemoTap({
    identityPort: controlPlane.identityPort, trustAnchorsPem: workspace.trustAnchorsPem, tokenFile: workspace.tokenFile(tapAccount.namespace, tapAccount.serviceAccount), inventory: inventory.inventory,
  });
  undo.push(() => tap.close());
  first.tap.bind(tap.source);
  const ledger = new LoadLedger();
  const fleet = new PodFleet({
    context: { children, sinewBin: options.sinewBin, appScript: options.appScript, workspace, controlPlane, rate: options.rate, onReport: (pod, report) => ledger.record(pod, report) },
    schedule: options.schedule, msPerLogSecond: 1000 / options.replaySpeed, deferredRoles: new Set(['load']),
    readyTimeoutMs: 90_000, stopGraceMs: 10_000, onProblem: (message) => options.screen.note(`warning: ${message}`),
    ...(options.logDir === undefined ? {} : { trace: traceTo(path.join(options.logDir, 'demo.log'), t0) }),
  });
  // At the end nothing is in flight any more: a short grace is enough.
  undo.push(() => fleet.stop(2_000));
  return { options, t0, fleet, ledger, metrics, dashboardUrl: first.dashboard?.url, tick: 0, statTable: '', identities: [], counts: undefined };
}

/** Starts the pods, waits for their proxies (showing progress), then starts the load. */
async function bringUp(live: Live, failed: AbortSignal): Promise<void> {
  const { options, fleet, t0 } = live;
  const starting = setInterval(() => {
    live.tick += 1;
    options.screen.frame(renderFrame(view(live, 'starting')));
  }, 500);
  try {
    await unlessStopped(unlessStopped(fleet.start(t0), failed), options.stop);
  } finally {
    clearInterval(starting);
  }
  fleet.startApps('load');
  options.screen.note(`The mesh is up after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${fleet.readiness().total} pods, each a sinew proxy and its application; the load generator starts.`);
}

export async function runDemo(options: DemoRunOptions): Promise<DemoSummary | undefined> {
  const children = new ChildProcesses(options.logDir);
  const atExit: (() => void)[] = [() => children.killAllNow()];
  const lastResort = (): void => {
    for (const step of atExit) step();
  };
  process.on('exit', lastResort);
  const failure = new AbortController();
  let failedWith: Error | undefined;
  const setup: Setup = {
    options, children, undo: [], atExit,
    fail: (error) => {
      failedWith ??= error;
      failure.abort();
    },
  };
  try {
    const live = await startMesh(setup);
    await bringUp(live, failure.signal);
    await runLive(live, live.metrics, failure.signal);
    if (failedWith !== undefined) throw failedWith;
    const summary = await closing(live, children);
    options.screen.frame(renderFrame(view(live, 'stopping')), true);
    return summary;
  } catch (error) {
    if (error instanceof DemoStoppedError && failedWith === undefined) return undefined;
    throw failedWith ?? error;
  } finally {
    for (const step of setup.undo.reverse()) {
      await Promise.resolve().then(step).catch((error: unknown) => options.screen.note(`while stopping: ${(error as Error).message}`));
    }
    await children.stopAll(5_000);
    process.removeListener('exit', lastResort);
  }
}

async function startDashboardOrExplain(options: DemoRunOptions, metrics: DemoMetrics['api'], tap: TapSource): Promise<DashboardServer | undefined> {
  if (options.dashboard === undefined) return undefined;
  try {
    return await startDashboard({ metrics, tap, address: options.dashboard.address, port: options.dashboard.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new DashboardPortError(`the dashboard cannot listen on ${options.dashboard.address}:${options.dashboard.port}: the port is in use (choose another with --port, or --port 0 for any)`, { cause: error });
    }
    throw error;
  }
}
