/**
 * `viz stat`'s output, as Linkerd's CLI prints it: one table per resource type (prefixed names
 * `deploy/web` and a blank line between tables when there are several), columns
 * `[NAMESPACE] NAME [STATUS] MESHED SUCCESS RPS LATENCY_P50 LATENCY_P95 LATENCY_P99 TCP_CONN`
 * (`-o wide` adds `READ_BYTES/SEC WRITE_BYTES/SEC`), `-` for a row without traffic; `-o json`
 * an array of `{ namespace, kind, name, meshed, success, rps, latency_ms_p50, …, tcp_open_connections,
 * tcp_read_bytes_rate, tcp_write_bytes_rate }` with nulls where there is no data.
 *
 * Contract: pure; rows without meshed pods are left out unless `unmeshed` (or `from` was asked:
 * the numbers then come from the sources), as Linkerd does.
 */
import { windowMs } from './metrics-api-query.js';
import type { ResourceType, StatRow } from './metrics-api-types.js';
import { shortTypeOf } from './resource-args.js';
import { formatByteRate, formatLatency, formatRps, formatSuccess, noData, renderTable } from './table-text.js';

export type OutputFormat = 'table' | 'json' | 'wide';

export interface StatFormatOptions {
  readonly output: OutputFormat;
  readonly allNamespaces: boolean;
  readonly unmeshed: boolean;
  readonly from: boolean;
}

function shown(rows: readonly StatRow[], options: StatFormatOptions): StatRow[] {
  return rows.filter((row) => options.unmeshed || options.from || row.meshedPodCount > 0 || row.resource.type === 'service');
}

function seconds(row: StatRow): number {
  return (windowMs(row.timeWindow) ?? 60_000) / 1000;
}

const round = (value: number | null): number | null => (value === null ? null : Math.round(value));

function jsonOf(row: StatRow): Record<string, unknown> {
  const stats = row.stats;
  return {
    namespace: row.resource.namespace, kind: row.resource.type, name: row.resource.name,
    meshed: `${row.meshedPodCount}/${row.runningPodCount}`,
    success: stats?.successRate ?? null, rps: stats?.rps ?? null,
    latency_ms_p50: round(stats?.latencyMsP50 ?? null), latency_ms_p95: round(stats?.latencyMsP95 ?? null), latency_ms_p99: round(stats?.latencyMsP99 ?? null),
    ...(stats === null ? {} : {
      tcp_open_connections: row.tcp?.openConnections ?? 0,
      tcp_read_bytes_rate: (row.tcp?.readBytesTotal ?? 0) / seconds(row),
      tcp_write_bytes_rate: (row.tcp?.writeBytesTotal ?? 0) / seconds(row),
    }),
  };
}

function nameOf(row: StatRow, prefix: boolean): string {
  return prefix ? `${shortTypeOf(row.resource.type)}/${row.resource.name}` : row.resource.name;
}

/** Linkerd pads names and namespaces to the widest of all tables, so they line up across types. */
function tableOf(type: ResourceType, rows: readonly StatRow[], prefix: boolean, widths: { name: number; namespace: number }, options: StatFormatOptions): string {
  const wide = options.output === 'wide';
  const header = [
    ...(options.allNamespaces ? ['NAMESPACE'.padEnd(widths.namespace)] : []), 'NAME'.padEnd(widths.name), ...(type === 'pod' ? ['STATUS'] : []), 'MESHED',
    'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'TCP_CONN', ...(wide ? ['READ_BYTES/SEC', 'WRITE_BYTES/SEC'] : []),
  ];
  const body = rows.map((row) => {
    const stats = row.stats;
    const name = nameOf(row, prefix).padEnd(widths.name);
    const numbers = stats === null
      ? [noData, noData, noData, noData, noData, noData, ...(wide ? [noData, noData] : [])]
      : [
        formatSuccess(stats.successRate), formatRps(stats.rps), formatLatency(stats.latencyMsP50), formatLatency(stats.latencyMsP95),
        formatLatency(stats.latencyMsP99), String(row.tcp?.openConnections ?? 0),
        ...(wide ? [formatByteRate((row.tcp?.readBytesTotal ?? 0) / seconds(row)), formatByteRate((row.tcp?.writeBytesTotal ?? 0) / seconds(row))] : []),
      ];
    return [
      ...(options.allNamespaces ? [row.resource.namespace.padEnd(widths.namespace)] : []), name, ...(type === 'pod' ? [row.status ?? noData] : []),
      `${row.meshedPodCount}/${row.runningPodCount}`, ...numbers,
    ];
  });
  return renderTable([header, ...body], { leftColumns: options.allNamespaces ? 2 : 1 });
}

/** The text to print, and a note for stderr when there is nothing to show. */
export function formatStat(rows: readonly StatRow[], options: StatFormatOptions): { out: string; note?: string } {
  const visible = shown(rows, options).sort((a, b) => `${a.resource.namespace}/${a.resource.name}`.localeCompare(`${b.resource.namespace}/${b.resource.name}`));
  const types = [...new Set(visible.map((row) => row.resource.type))].sort();
  if (options.output === 'json') {
    return { out: `${JSON.stringify(types.flatMap((type) => visible.filter((row) => row.resource.type === type).map(jsonOf)), null, 2)}\n` };
  }
  if (visible.length === 0) return { out: '', note: 'No traffic found.' };
  const prefix = types.length > 1;
  const widths = {
    name: Math.max('NAME'.length, ...visible.map((row) => nameOf(row, prefix).length)),
    namespace: Math.max('NAMESPACE'.length, ...visible.map((row) => row.resource.namespace.length)),
  };
  return { out: types.map((type) => tableOf(type, visible.filter((row) => row.resource.type === type), prefix, widths, options)).join('\n') };
}
