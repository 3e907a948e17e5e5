/**
 * Reading the dashboard's tables in Chromium and saying what they should show for an API answer.
 * The expectations are written here independently of the page's own code: each number cell must
 * carry the API's raw value (`data-value`, as String(value) writes it) and the text of the format
 * the dashboard promises (success rate as a percentage with two decimals, RPS with two decimals,
 * latencies in ms with two, one or no decimals under 10, 100 and above, '-' for null).
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { Page } from 'playwright-core';
import { edgesQueryFrom, routesQueryFrom, statQueryFrom } from '../../src/viz/metrics-api-query.js';
import type { BasicStats, EdgesResponse, NamespacesResponse, Resource, StatResponse } from '../../src/viz/metrics-api-types.js';
import type { MetricsCall, RecordingMetricsApi } from './dashboard-fixtures.js';

export interface Cell {
  readonly value: string | null;
  readonly text: string;
}

export interface Row {
  readonly resource: string;
  readonly cells: Readonly<Record<string, Cell>>;
}

export interface DomTable {
  readonly query: string;
  readonly rows: readonly Row[];
}

/** The table at `selector`: its data-query and its resource rows' data-field cells. */
export function readTable(page: Page, selector: string): Promise<DomTable> {
  return page.evaluate(`(() => {
    const table = document.querySelector(${JSON.stringify(selector)});
    if (table === null) return { query: '', rows: [] };
    return {
      query: table.dataset.query ?? '',
      rows: [...table.querySelectorAll('tbody tr[data-resource]')].map((tr) => ({
        resource: tr.dataset.resource,
        cells: Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((cell) => [
          cell.dataset.field, { value: cell.dataset.value ?? null, text: cell.textContent },
        ])),
      })),
    };
  })()`);
}

const raw = (value: number | string | null | undefined): string => (value === null || value === undefined ? 'null' : String(value));

function latency(ms: number | null | undefined): Cell {
  if (ms === null || ms === undefined) return { value: 'null', text: '-' };
  return { value: String(ms), text: `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms` };
}

function statCells(stats: BasicStats | null | undefined): Record<string, Cell> {
  return {
    successRate: { value: raw(stats?.successRate), text: stats?.successRate === null || stats === null || stats === undefined ? '-' : `${(stats.successRate * 100).toFixed(2)}%` },
    rps: { value: raw(stats?.rps), text: stats === null || stats === undefined ? '-' : stats.rps.toFixed(2) },
    latencyMsP50: latency(stats?.latencyMsP50), latencyMsP95: latency(stats?.latencyMsP95), latencyMsP99: latency(stats?.latencyMsP99),
  };
}

const key = (resource: Resource): string => `${resource.type}/${resource.namespace}/${resource.name}`;

/** What a workload table shows for a stat answer. */
export function expectedStatRows(response: StatResponse): Row[] {
  return response.rows.map((row) => ({
    resource: key(row.resource),
    cells: {
      meshed: { value: `${row.meshedPodCount}/${row.runningPodCount}`, text: `${row.meshedPodCount}/${row.runningPodCount}` },
      ...statCells(row.stats),
      tcpOpenConnections: { value: raw(row.tcp?.openConnections), text: row.tcp === null ? '-' : String(row.tcp.openConnections) },
    },
  }));
}

/** What the namespaces table shows: each namespace's pods from the namespaces answer, its traffic from the stat answer. */
export function expectedNamespaceRows(namespaces: NamespacesResponse, stat: StatResponse): Row[] {
  return namespaces.namespaces.map((namespace) => {
    const row = stat.rows.find((candidate) => candidate.resource.name === namespace.name);
    const meshed = `${namespace.meshedPodCount}/${namespace.podCount}`;
    return { resource: `namespace//${namespace.name}`, cells: { meshed: { value: meshed, text: meshed }, ...statCells(row?.stats ?? null) } };
  });
}

/** What the edges table of `self` shows. */
export function expectedEdgeRows(response: EdgesResponse, self: Resource): Row[] {
  const same = (resource: Resource): boolean => key(resource) === key(self);
  return response.edges.filter((edge) => same(edge.src) || same(edge.dst)).map((edge) => {
    const inbound = same(edge.dst);
    return {
      resource: key(inbound ? edge.src : edge.dst),
      cells: {
        direction: { value: null, text: inbound ? 'from' : 'to' },
        clientId: { value: edge.clientId, text: edge.clientId || '-' },
        serverId: { value: edge.serverId, text: edge.serverId || '-' },
        secured: { value: edge.serverId === '' ? 'false' : 'true', text: edge.serverId === '' ? `no (${edge.noIdentityMsg || 'no identity'})` : 'yes (mTLS)' },
      },
    };
  });
}

/** The recorded answers to the query a table's data-query names, oldest first. */
export function answersFor(calls: readonly MetricsCall[], query: string): MetricsCall[] {
  const url = new URL(query, 'http://dashboard.invalid');
  const method = url.pathname.replace('/api/v1/', '');
  const parse = { stat: statQueryFrom, routes: routesQueryFrom, edges: edgesQueryFrom, namespaces: () => undefined }[method];
  if (parse === undefined) throw new Error(`a table names an unknown query ${query}`);
  const wanted = parse(url.searchParams);
  return calls.filter((call) => call.method === method && JSON.stringify(call.query) === JSON.stringify(wanted));
}

/**
 * Waits (at most `timeoutMs`) until the table at `selector` shows exactly what `expected` makes of
 * the latest recorded answer to the table's own query; fails with the difference otherwise.
 * Returns that answer. (The page redraws every few seconds, so an answer newer than the one
 * drawn may briefly exist; a wrong drawing never matches.)
 */
export async function assertTableShowsLatestAnswer(
  page: Page, metrics: RecordingMetricsApi, selector: string, expected: (call: MetricsCall) => Row[], timeoutMs = 15_000,
): Promise<{ table: DomTable; call: MetricsCall }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await readTable(page, selector);
    const call = table.query === '' ? undefined : answersFor(metrics.calls, table.query).at(-1);
    const rows = call === undefined ? undefined : expected(call);
    if (call !== undefined && isDeepStrictEqual(rows, table.rows)) return { table, call };
    if (Date.now() > deadline) {
      assert.ok(call, `no recorded answer to the query ${JSON.stringify(table.query)} of ${selector}`);
      assert.deepEqual(table.rows, rows, `${selector} does not show the API's answer to ${table.query}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
