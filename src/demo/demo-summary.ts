/**
 * The demo's closing account: what the load generator sent and how it was answered, set against
 * what the proxies themselves counted, so a reader can see the numbers are real.
 *
 * - The load generator's requests against its own proxy's outbound `request_total` and
 *   `response_total` by classification: every request it sent went through that proxy, so the
 *   counts must be equal.
 * - The same traffic as web's proxies saw it arriving (inbound `response_total`).
 * - The intruder's 403s against the `inbound_http_authz_deny_total` of db's proxies.
 * - The requests sent while api was rolled out, and how many of them failed.
 *
 * Contract: `collectProxyCounts` reads the proxies running now (a proxy that does not answer is
 * named in `problems`); `summarize` and `formatSummary` are pure.
 */
import type { TargetCounts } from './app-config.js';
import type { RunningPod } from './demo-pod.js';
import { clock, type LoadTotals } from './demo-frame.js';
import { protectedService } from './demo-topology.js';
import { type Samples, scrapeProxy, sumOf } from './proxy-counters.js';

export interface ProxyCounts {
  /** The load generator's proxy, outbound. */
  readonly trafficRequests: number;
  readonly trafficSuccess: number;
  readonly trafficFailure: number;
  /** web's proxies, inbound. */
  readonly webSuccess: number;
  readonly webFailure: number;
  /** The protected Service's proxies. */
  readonly denied: number;
  readonly problems: readonly string[];
}

/** The rollout's window in run time (endMs: where it ended, or where the run stopped inside it). */
export interface RolloutAccount {
  readonly startMs: number;
  readonly endMs: number;
  /** False: the run stopped before the rollout began. */
  readonly reached: boolean;
  /** False: the run stopped before its last change. */
  readonly finished: boolean;
  readonly sent: number;
  readonly failed: number;
}

export interface DemoSummary {
  readonly runMs: number;
  readonly load: LoadTotals & { readonly byService: Readonly<Record<string, TargetCounts>> };
  readonly intruder: { readonly sent: number; readonly refused: number };
  readonly proxies: ProxyCounts;
  readonly rollout: RolloutAccount | undefined;
  readonly agree: boolean;
  readonly disagreements: readonly string[];
}

const families = new Set(['request_total', 'response_total', 'inbound_http_authz_deny_total']);

export async function collectProxyCounts(pods: readonly RunningPod[]): Promise<ProxyCounts> {
  const problems: string[] = [];
  const read = async (workload: string): Promise<Samples[]> => Promise.all(pods.filter((pod) => pod.pod.workload.name === workload).map(async (pod) => {
    try {
      return await scrapeProxy(pod.pod.ip, 4191, families);
    } catch (error) {
      problems.push(`${pod.pod.name}: ${(error as Error).message}`);
      return [];
    }
  }));
  const [traffic, web, guarded] = await Promise.all([read('traffic'), read('web'), read(protectedService)]);
  const total = (of: Samples[], name: string, labels: Record<string, string>): number => of.reduce((sum, samples) => sum + sumOf(samples, name, labels), 0);
  return {
    trafficRequests: total(traffic, 'request_total', { direction: 'outbound' }),
    trafficSuccess: total(traffic, 'response_total', { direction: 'outbound', classification: 'success' }),
    trafficFailure: total(traffic, 'response_total', { direction: 'outbound', classification: 'failure' }),
    webSuccess: total(web, 'response_total', { direction: 'inbound', classification: 'success' }),
    webFailure: total(web, 'response_total', { direction: 'inbound', classification: 'failure' }),
    denied: total(guarded, 'inbound_http_authz_deny_total', {}),
    problems,
  };
}

export function loadTotals(targets: Readonly<Record<string, TargetCounts>>): LoadTotals {
  const all = Object.values(targets);
  return { sent: all.reduce((n, t) => n + t.sent, 0), ok: all.reduce((n, t) => n + t.ok, 0), failed: all.reduce((n, t) => n + t.failed, 0) };
}

export function summarize(input: Omit<DemoSummary, 'agree' | 'disagreements'>): DemoSummary {
  const { load, proxies, intruder } = input;
  const disagreements: string[] = [];
  const check = (what: string, ours: number, theirs: number): void => {
    if (ours !== theirs) disagreements.push(`${what}: the load generator counted ${ours}, the proxies ${theirs}`);
  };
  check('requests sent', load.sent, proxies.trafficRequests);
  check('successes', load.ok, proxies.trafficSuccess);
  check('failures', load.failed, proxies.trafficFailure);
  const web = load.byService.web;
  if (web !== undefined) check('requests to web answered', web.sent, proxies.webSuccess + proxies.webFailure);
  if (intruder.refused !== proxies.denied) disagreements.push(`denials: the intruder got ${intruder.refused} 403s, ${protectedService}'s proxies counted ${proxies.denied}`);
  for (const problem of proxies.problems) disagreements.push(`could not read ${problem}`);
  return { ...input, agree: disagreements.length === 0, disagreements };
}

const percent = (ok: number, all: number): string => (all === 0 ? '-' : `${((ok / all) * 100).toFixed(2)}%`);

function formatRollout(rollout: RolloutAccount | undefined): string {
  if (rollout === undefined) return '  rollout: none in this log';
  if (!rollout.reached) return `  rollout of deploy/api: not reached (the run stopped before ${clock(rollout.startMs)})`;
  const window = rollout.finished ? `${clock(rollout.startMs)}–${clock(rollout.endMs)}` : `${clock(rollout.startMs)}–, stopped at ${clock(rollout.endMs)} before it finished`;
  return `  rollout of deploy/api (${window}): ${rollout.sent} requests sent meanwhile, ${rollout.failed} failed`;
}

export function formatSummary(summary: DemoSummary): string {
  const { load, proxies, intruder, rollout } = summary;
  const lines = [
    `Summary after ${clock(summary.runMs)}:`,
    `  load generator (traffic): ${load.sent} requests sent, ${load.ok} succeeded, ${load.failed} failed (${percent(load.ok, load.sent)} success)`,
    ...Object.entries(load.byService).map(([service, counts]) => `    to ${service}: ${counts.sent} sent, ${counts.ok} succeeded, ${counts.failed} failed${counts.lastFailure === undefined ? '' : ` (last: ${counts.lastFailure})`}`),
    `  traffic's proxy (outbound request_total, response_total): ${proxies.trafficRequests} requests, ${proxies.trafficSuccess} success, ${proxies.trafficFailure} failure`
      + ` (${percent(proxies.trafficSuccess, proxies.trafficSuccess + proxies.trafficFailure)} success)`,
    `  web's proxies (inbound response_total): ${proxies.webSuccess + proxies.webFailure} responses, ${percent(proxies.webSuccess, proxies.webSuccess + proxies.webFailure)} success`,
    `  intruder → ${protectedService}: ${intruder.refused} of ${intruder.sent} calls refused with 403; ${protectedService}'s proxies counted ${proxies.denied} denials (inbound_http_authz_deny_total)`,
    formatRollout(rollout),
    summary.agree ? '  The load generator\'s counts agree with the proxies\' own metrics.'
      : `  The counts DO NOT agree:\n${summary.disagreements.map((line) => `    ${line}`).join('\n')}`,
  ];
  return lines.join('\n') + '\n';
}
