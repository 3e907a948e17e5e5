/**
 * What the load generators reported (each prints its cumulative counts every second): the latest
 * report of each workload's generator, and the history of the main load generator's totals, from
 * which the demo tells how many requests were sent, and failed, while the rollout went on.
 *
 * Contract: reports are kept in arrival order; `totalsAt` answers from the last report received
 * at or before the time, zero before the first.
 */
import type { LoadReport, TargetCounts } from './app-config.js';
import type { LoadTotals } from './demo-frame.js';
import type { ScheduledPod } from './demo-schedule.js';
import { loadTotals } from './demo-summary.js';

/** The load generators' reports: the latest of each pod, and the load generator's history. */
export class LoadLedger {
  readonly latest = new Map<string, LoadReport>();
  readonly history: { readonly at: number; readonly totals: LoadTotals }[] = [];

  record(pod: ScheduledPod, report: LoadReport): void {
    this.latest.set(pod.workload.name, report);
    if (pod.workload.name === 'traffic') this.history.push({ at: Date.now(), totals: loadTotals(report.targets) });
  }

  targets(workload: string): Readonly<Record<string, TargetCounts>> | undefined {
    return this.latest.get(workload)?.targets;
  }

  /** The load generator's totals as last reported at or before `at` (zero before its first report). */
  totalsAt(at: number): LoadTotals {
    return [...this.history].reverse().find((entry) => entry.at <= at)?.totals ?? { sent: 0, ok: 0, failed: 0 };
  }
}

export function intruderCounts(ledger: LoadLedger): { sent: number; refused: number } | undefined {
  const targets = ledger.targets('intruder');
  if (targets === undefined) return undefined;
  const all = Object.values(targets);
  return { sent: all.reduce((n, t) => n + t.sent, 0), refused: all.reduce((n, t) => n + (t.statuses['403'] ?? 0), 0) };
}
