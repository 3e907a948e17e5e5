/**
 * The demo's live view as lines of text: a progress line, the dashboard's address, the `viz stat`
 * table of the namespace's deployments, the mTLS identities of each edge, what the policy denied,
 * what the load generator counted, and the latest changes the log made to the Services' endpoints.
 *
 * Contract: pure; the same view gives the same lines.
 */
import type { SeenIdentities } from './demo-metrics.js';
import type { LogNews } from './demo-schedule.js';
import { admittedClient, demoNamespace, protectedService } from './demo-topology.js';

export interface LoadTotals {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
}

export interface DemoView {
  readonly phase: 'starting' | 'running' | 'stopping';
  /** Since the log's replay started. */
  readonly elapsedMs: number;
  readonly durationMs: number | undefined;
  readonly tick: number;
  readonly dashboardUrl: string | undefined;
  readonly proxies: { readonly ready: number; readonly total: number };
  /** `viz stat`'s table ('' before any traffic was scraped). */
  readonly statTable: string;
  readonly statWindow: string;
  readonly identities: readonly SeenIdentities[];
  readonly load: LoadTotals | undefined;
  readonly intruder: { readonly sent: number; readonly refused: number } | undefined;
  /** inbound_http_authz_deny_total over the protected Service's proxies. */
  readonly denied: number | undefined;
  readonly news: readonly LogNews[];
  readonly rollout: { readonly startS: number; readonly endS: number } | undefined;
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function clock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function progressLine(view: DemoView): string {
  const spin = view.phase === 'stopping' ? '■' : spinner[view.tick % spinner.length] ?? '';
  const elapsed = clock(view.elapsedMs);
  const rollout = view.rollout === undefined ? ''
    : view.elapsedMs / 1000 < view.rollout.startS ? `   rollout of deploy/api at ${clock(view.rollout.startS * 1000)}`
      : view.elapsedMs / 1000 <= view.rollout.endS ? '   rollout of deploy/api in progress' : '   rollout of deploy/api done';
  if (view.durationMs === undefined) return `${spin} ${elapsed}${rollout}   (Ctrl-C to stop)`;
  const width = 24;
  const done = Math.min(width, Math.round((view.elapsedMs / view.durationMs) * width));
  return `${spin} ${elapsed} / ${clock(view.durationMs)} [${'█'.repeat(done)}${'░'.repeat(width - done)}]${rollout}`;
}

function shortIdentity(id: string): string {
  return id.replace(/\.serviceaccount\.identity\..*$/, '') || '-';
}

function identityLines(identities: readonly SeenIdentities[]): string[] {
  if (identities.length === 0) return ['  (none yet)'];
  const rows = identities.map((edge) => [`${edge.src} → ${edge.dst}`, shortIdentity(edge.clientId), shortIdentity(edge.serverId)]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => `  ${(row[0] ?? '').padEnd(widths[0] ?? 0)}   client ${(row[1] ?? '').padEnd(widths[1] ?? 0)}   server ${row[2] ?? ''}`);
}

export function renderFrame(view: DemoView): string[] {
  const lines = [`Sinew demo: namespace ${demoNamespace} meshed on this machine, each pod a sinew proxy and its app on 127.0.x.y`, progressLine(view)];
  lines.push(view.dashboardUrl === undefined ? 'Dashboard: off' : `Dashboard: ${view.dashboardUrl}`);
  if (view.phase === 'starting') {
    lines.push('', `Starting the mesh: ${view.proxies.ready}/${view.proxies.total} proxies have their certificates`);
    return lines;
  }
  lines.push('', `sinew viz stat deploy -n ${demoNamespace} -t ${view.statWindow}`);
  lines.push(...(view.statTable === '' ? ['(waiting for the first scrapes)'] : view.statTable.trimEnd().split('\n')));
  lines.push('', 'Mutual TLS on every edge, as the proxies\' metrics report it (client_id inbound, server_id outbound;');
  lines.push('each <sa>.<ns> below is <sa>.<ns>.serviceaccount.identity.linkerd.cluster.local):');
  lines.push(...identityLines(view.identities));
  const intruder = view.intruder;
  lines.push('', `Denied by policy (an AuthorizationPolicy on ${protectedService} admits only ${admittedClient}'s identity):`);
  lines.push(intruder === undefined
    ? `  waiting for the intruder's first call to ${protectedService}`
    : `  intruder → ${protectedService}: ${intruder.refused} of ${intruder.sent} calls refused with 403; ${protectedService}'s proxies counted ${view.denied ?? '-'} denials`);
  const load = view.load;
  lines.push(load === undefined ? 'Load generator: starting' : `Load generator (traffic → web, nginx): ${load.sent} sent, ${load.ok} succeeded, ${load.failed} failed`);
  const recent = view.news.filter((item) => item.atS * 1000 <= view.elapsedMs).slice(-4);
  if (recent.length > 0) lines.push('', 'From the event log:', ...recent.map((item) => `  ${clock(item.atS * 1000)}  ${item.text}`));
  return lines;
}
