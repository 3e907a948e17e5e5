/**
 * `viz top`'s table, folded from tap events as Linkerd's CLI folds them: a request counts once its
 * `response_end` arrives (paired with its `request_init` and `response_init` by source, destination
 * and stream id); rows are keyed by source, destination, method and path (source left out with
 * `hideSources`), each peer named by its `pod` label, else its IP. Latency is the end's time since
 * the request began; Best/Worst/Last are over the row's requests. A request succeeds when its
 * status is below 500, it was not reset, and its gRPC status (if any) is not Unknown,
 * DeadlineExceeded, Internal, Unavailable or DataLoss.
 *
 * Contract: the table only grows; `rows()` sorts by count, highest first, ties in order of first
 * appearance; `render()` gives Linkerd's columns, flexible ones as wide as their widest cell, the
 * numbers right-aligned. Requests still waiting for their end are capped (oldest dropped first).
 */
import { durationMicros, type TapEvent, type TapRequestInit, type TapResponseInit } from './tap-event.js';

export interface TopRow {
  readonly source: string;
  readonly destination: string;
  readonly method: string;
  readonly path: string;
  readonly count: number;
  /** Microseconds. */
  readonly best: number;
  readonly worst: number;
  readonly last: number;
  readonly successes: number;
  readonly failures: number;
}

export interface TopTable {
  add(event: TapEvent): void;
  rows(): readonly TopRow[];
  render(): string;
}

const failingGrpcCodes = new Set([2, 4, 13, 14, 15]);
const maxPending = 10_000;

function peerName(endpoint: TapEvent['source']): string {
  return endpoint.metadata.pod ?? endpoint.ip;
}

/** A duration as Go prints it, rounded as Linkerd's top rounds it: `523µs`, `12ms`, `3s`, `1m5s`. */
export function formatMicros(micros: number): string {
  if (micros < 1000 && Math.round(micros) < 1000) return `${Math.round(micros)}µs`;
  if (micros < 1_000_000 && Math.round(micros / 1000) < 1000) return `${Math.round(micros / 1000)}ms`;
  const seconds = Math.round(micros / 1_000_000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

interface Column {
  readonly header: string;
  readonly value: (row: TopRow) => string;
  readonly right: boolean;
}

const columns: readonly Column[] = [
  { header: 'Source', value: (row) => row.source, right: false },
  { header: 'Destination', value: (row) => row.destination, right: false },
  { header: 'Method', value: (row) => row.method, right: false },
  { header: 'Path', value: (row) => row.path, right: false },
  { header: 'Count', value: (row) => String(row.count), right: true },
  { header: 'Best', value: (row) => formatMicros(row.best), right: true },
  { header: 'Worst', value: (row) => formatMicros(row.worst), right: true },
  { header: 'Last', value: (row) => formatMicros(row.last), right: true },
  { header: 'Success Rate', value: (row) => `${(100 * row.successes / Math.max(1, row.successes + row.failures)).toFixed(2)}%`, right: true },
];

export function createTopTable(options: { readonly hideSources?: boolean } = {}): TopTable {
  const pending = new Map<string, { event: TapEvent; init: TapRequestInit; response?: TapResponseInit }>();
  const rows: TopRow[] = [];
  const keyOf = (event: TapEvent, stream: number): string =>
    `${event.source.ip}:${event.source.port}>${event.destination.ip}:${event.destination.port}#${stream}`;
  const insert = (row: TopRow): void => {
    const index = rows.findIndex((other) => (options.hideSources === true || other.source === row.source)
      && other.destination === row.destination && other.method === row.method && other.path === row.path);
    const old = rows[index];
    if (old === undefined) {
      rows.push(row);
      return;
    }
    rows[index] = {
      ...old, count: old.count + 1, best: Math.min(old.best, row.best), worst: Math.max(old.worst, row.worst), last: row.last,
      successes: old.successes + row.successes, failures: old.failures + row.failures,
    };
  };
  return {
    add: (event) => {
      if (event.requestInitEvent !== undefined) {
        if (pending.size >= maxPending) pending.delete(pending.keys().next().value as string);
        pending.set(keyOf(event, event.requestInitEvent.id.stream), { event, init: event.requestInitEvent });
        return;
      }
      const id = (event.responseInitEvent ?? event.responseEndEvent)?.id;
      const request = id === undefined ? undefined : pending.get(keyOf(event, id.stream));
      if (request === undefined) return;
      if (event.responseInitEvent !== undefined) {
        request.response = event.responseInitEvent;
        return;
      }
      const end = event.responseEndEvent;
      if (end === undefined || id === undefined) return;
      pending.delete(keyOf(event, id.stream));
      const latency = durationMicros(end.sinceRequestInit);
      const success = (request.response?.httpStatus ?? 0) < 500 && end.resetErrorCode === undefined
        && !(end.grpcStatusCode !== undefined && failingGrpcCodes.has(end.grpcStatusCode));
      insert({
        source: peerName(request.event.source), destination: peerName(request.event.destination), method: request.init.method,
        path: request.init.path, count: 1, best: latency, worst: latency, last: latency, successes: success ? 1 : 0, failures: success ? 0 : 1,
      });
    },
    rows: () => rows.map((row, index) => ({ row, index })).sort((a, b) => b.row.count - a.row.count || a.index - b.index).map(({ row }) => row),
    render() {
      const shown = columns.filter((column) => !(options.hideSources === true && column.header === 'Source'));
      const cells = this.rows().map((row) => shown.map((column) => column.value(row)));
      const widths = shown.map((column, i) => Math.max(column.header.length, ...cells.map((line) => (line[i] ?? '').length)));
      const line = (values: readonly string[]): string => values
        .map((value, i) => (shown[i]?.right === true ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
      return [line(shown.map((column) => column.header)), ...cells.map(line)].join('\n') + '\n';
    },
  };
}
