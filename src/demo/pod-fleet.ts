/**
 * The demo's pods over time, as the kubelet would run them: each pod's processes start when the
 * replayed log creates the pod and stop (SIGTERM, then SIGKILL after the grace period) when it
 * deletes it, on the same clock as the control plane's replay.
 *
 * Contract: `start` starts the pods the log has at its first entry at once and schedules the
 * rest; `initialReady` resolves when every initial pod's proxy is ready and rejects with the first
 * one's PodStartError. A later pod whose proxy fails, or any proxy that exits while it should run,
 * is reported through `onProblem` (the demo goes on). `startApps(role)` starts the deferred
 * applications. `stop` cancels what is scheduled and stops every pod; it is idempotent.
 */
import type { AppRole } from './demo-topology.js';
import type { DemoSchedule, ScheduledPod } from './demo-schedule.js';
import { type PodContext, type RunningPod, startPod } from './demo-pod.js';

export interface FleetOptions {
  readonly context: PodContext;
  readonly schedule: DemoSchedule;
  /** Log seconds to wall-clock milliseconds (the replay speed). */
  readonly msPerLogSecond: number;
  /** Applications of these roles start only on `startApps`. */
  readonly deferredRoles: ReadonlySet<AppRole>;
  readonly readyTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly onProblem: (message: string) => void;
  /** Each pod started, ready and stopped, for a log file. */
  readonly trace?: (line: string) => void;
}

export class PodFleet {
  private readonly running = new Map<string, RunningPod>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly appsStarted = new Set<AppRole>();
  private readonly ready = new Set<RunningPod>();
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: FleetOptions) {}

  /** Starts the initial pods now and schedules the others, relative to `t0` (wall-clock ms). */
  start(t0: number): Promise<void> {
    const { schedule, msPerLogSecond } = this.options;
    const initial: RunningPod[] = [];
    for (const pod of schedule.pods) {
      const startIn = t0 + pod.startS * msPerLogSecond - Date.now();
      if (pod.startS === 0) initial.push(this.launch(pod));
      else this.timers.push(setTimeout(() => this.launchLate(pod), Math.max(0, startIn)));
      if (pod.stopS !== undefined) this.timers.push(setTimeout(() => void this.retire(pod), Math.max(0, t0 + pod.stopS * msPerLogSecond - Date.now())));
    }
    return Promise.all(initial.map((pod) => pod.ready)).then(() => undefined);
  }

  private launch(pod: ScheduledPod): RunningPod {
    const running = startPod(pod, this.options.context, {
      deferApp: this.options.deferredRoles.has(pod.workload.role) && !this.appsStarted.has(pod.workload.role),
      readyTimeoutMs: this.options.readyTimeoutMs,
    });
    this.running.set(pod.name, running);
    this.options.trace?.(`starting ${pod.name} (proxy pid ${running.proxy.pid})`);
    running.ready.then(() => {
      this.ready.add(running);
      this.options.trace?.(`${pod.name}: proxy ready`);
    }, () => undefined);
    // A proxy that exits before it is ready is reported by `ready`; one that exits later, here.
    void running.proxy.exited.then((code) => {
      if (this.stopping === undefined && this.running.get(pod.name) === running && this.ready.has(running)) {
        this.options.onProblem(`the proxy of ${pod.name} exited (code ${code})`);
      }
    });
    return running;
  }

  private launchLate(pod: ScheduledPod): void {
    if (this.stopping !== undefined) return;
    const running = this.launch(pod);
    running.ready.catch((error: unknown) => {
      if (this.stopping === undefined) this.options.onProblem((error as Error).message.split('\n')[0] ?? '');
    });
  }

  private async retire(pod: ScheduledPod): Promise<void> {
    const running = this.running.get(pod.name);
    if (running === undefined || this.stopping !== undefined) return;
    this.running.delete(pod.name);
    this.options.trace?.(`stopping ${pod.name}`);
    await running.stop(this.options.stopGraceMs);
    this.options.trace?.(`${pod.name} stopped`);
  }

  startApps(role: AppRole): void {
    this.appsStarted.add(role);
    for (const pod of this.running.values()) if (pod.pod.workload.role === role) pod.startApp();
  }

  /** The pods running now. */
  pods(): RunningPod[] {
    return [...this.running.values()];
  }

  /** How many proxies (of the pods running now) have their certificates. */
  readiness(): { ready: number; total: number } {
    const pods = [...this.running.values()];
    return { ready: pods.filter((pod) => this.ready.has(pod)).length, total: pods.length };
  }

  /** Stops every pod, SIGKILL after `graceMs` (default: the options' grace period). */
  stop(graceMs = this.options.stopGraceMs): Promise<void> {
    this.stopping ??= (async () => {
      for (const timer of this.timers) clearTimeout(timer);
      await Promise.all([...this.running.values()].map((pod) => pod.stop(graceMs)));
    })();
    return this.stopping;
  }
}
