/**
 * `viz routes` output, as Linkerd's CLI prints it: per resource (headed `==> deployment/web <==`
 * when there are several) a table `ROUTE SERVER|AUTHORITY SUCCESS RPS LATENCY_P50 LATENCY_P95
 * LATENCY_P99` followed by a blank line, `-` where a route had no traffic; `-o json` an object from
 * resource to rows `{ route, server|authority, success, rps, latency_ms_p50, … }`.
 *
 * Contract: pure; `outbound` names the second column AUTHORITY (rows of `--to` queries), else SERVER.
 */
import type { RouteTable } from './metrics-api-types.js';
import { shortTypeOf } from './resource-args.js';
import { type OutputFormat } from './stat-format.js';
import { formatLatency, formatRps, formatSuccess, noData, renderTable } from './table-text.js';
import type { ResourceType } from './metrics-api-types.js';

export interface RoutesFormatOptions {
  readonly output: OutputFormat;
  readonly outbound: boolean;
}

function shortName(resource: string): string {
  const [type, name] = resource.split('/');
  return `${shortTypeOf(type as ResourceType)}/${name ?? ''}`;
}

export function formatRoutes(tables: readonly RouteTable[], options: RoutesFormatOptions): { out: string; note?: string } {
  const targetKey = options.outbound ? 'authority' : 'server';
  if (options.output === 'json') {
    const json: Record<string, unknown[]> = {};
    for (const table of tables) {
      json[shortName(table.resource)] = table.rows.map((row) => ({
        route: row.route, [targetKey]: row.target,
        success: row.stats.successRate ?? 0, rps: row.stats.rps,
        latency_ms_p50: row.stats.latencyMsP50 === null ? null : Math.round(row.stats.latencyMsP50),
        latency_ms_p95: row.stats.latencyMsP95 === null ? null : Math.round(row.stats.latencyMsP95),
        latency_ms_p99: row.stats.latencyMsP99 === null ? null : Math.round(row.stats.latencyMsP99),
      }));
    }
    return { out: `${JSON.stringify(json, null, 2)}\n` };
  }
  if (tables.length === 0) return { out: '', note: 'No traffic found.' };
  const header = ['ROUTE', targetKey.toUpperCase(), 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99'];
  return {
    out: tables.map((table) => {
      const body = table.rows.map((row) => {
        const { stats } = row;
        const traffic = stats.successCount + stats.failureCount > 0;
        return [
          row.route, row.target === '' ? noData : row.target,
          ...(traffic
            ? [formatSuccess(stats.successRate), formatRps(stats.rps), formatLatency(stats.latencyMsP50), formatLatency(stats.latencyMsP95), formatLatency(stats.latencyMsP99)]
            : [noData, noData, noData, noData, noData]),
        ];
      });
      const heading = tables.length > 1 ? `==> ${table.resource} <==\n` : '';
      return `${heading}${renderTable([header, ...body], { leftColumns: 1 })}\n`;
    }).join(''),
  };
}
