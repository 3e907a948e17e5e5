/**
 * The metrics API's contract: the queries it answers and the JSON it serves, shared by the server
 * (`sinew viz metrics-api`), the CLI (stat, routes, edges) and the dashboard.
 *
 * HTTP: `GET /api/v1/stat`, `/api/v1/routes`, `/api/v1/edges`, `/api/v1/namespaces`, answering
 * JSON; a malformed query gets 400 `{ "error": "…" }` naming the parameter (metrics-api-query.ts
 * turns queries into parameters and back). Field names here are fixed: the dashboard reads them.
 *
 * Numbers follow Linkerd's metrics API: counts are `increase()` over the window rounded to integers,
 * latencies are `histogram_quantile` in milliseconds (null when there was no traffic), `rps` is
 * (successes + failures) / window seconds and `successRate` successes / (successes + failures),
 * null when there were no responses. `stats` is null for a row without any HTTP traffic, `tcp`
 * null when there were no TCP series.
 */
import { z } from 'zod';

/** Resource types as Linkerd names them (the CLI also takes their short names, see workloads.ts). */
export const resourceTypes = [
  'namespace', 'pod', 'deployment', 'statefulset', 'daemonset', 'job', 'cronjob', 'replicaset', 'replicationcontroller',
  'service', 'authority',
] as const;
export type ResourceType = (typeof resourceTypes)[number];

/** The types `stat all` expands to, in Linkerd's order. */
export const statAllTypes: readonly ResourceType[] = [
  'daemonset', 'statefulset', 'job', 'deployment', 'replicationcontroller', 'pod', 'service', 'cronjob', 'replicaset',
];

const resourceTypeSchema = z.enum(resourceTypes);

/** One named resource (name '' stands for every resource of the type). namespace '' means all namespaces. */
export const resourceSchema = z.object({
  type: resourceTypeSchema,
  namespace: z.string(),
  name: z.string(),
});
export type Resource = z.infer<typeof resourceSchema>;

/** A window as Prometheus writes durations: `30s`, `1m`, `1h30m`. */
export type TimeWindow = string;

export interface StatQuery {
  /** What to report on; `type: 'namespace'` gives one row per namespace. `all` is sent as several queries. */
  readonly resource: Resource;
  /** Only traffic these resources sent to `resource` (outbound metrics of `from`, by `dst_*` labels). */
  readonly from?: Resource;
  /** Only traffic `resource` sent to these (outbound metrics of `resource`, by `dst_*` labels). */
  readonly to?: Resource;
  /** Default `1m`. */
  readonly window?: TimeWindow;
  /** Also query TCP connections and bytes (default true). */
  readonly tcp?: boolean;
}

export interface RoutesQuery {
  readonly resource: Resource;
  /** Outbound: routes of traffic from `resource` to this one. Without it, inbound routes of `resource`. */
  readonly to?: Resource;
  readonly window?: TimeWindow;
}

export interface EdgesQuery {
  /** The type to draw edges between (deployment, pod, …); namespace '' for every namespace. name is ignored. */
  readonly resource: Resource;
}

const latency = z.number().nonnegative().nullable();

export const basicStatsSchema = z.object({
  successCount: z.number().int().nonnegative(),
  failureCount: z.number().int().nonnegative(),
  /** Requests per second over the window. */
  rps: z.number().nonnegative(),
  /** 0..1; null when there were no responses. */
  successRate: z.number().min(0).max(1).nullable(),
  latencyMsP50: latency,
  latencyMsP95: latency,
  latencyMsP99: latency,
});
export type BasicStats = z.infer<typeof basicStatsSchema>;

export const tcpStatsSchema = z.object({
  openConnections: z.number().int().nonnegative(),
  readBytesTotal: z.number().int().nonnegative(),
  writeBytesTotal: z.number().int().nonnegative(),
});
export type TcpStats = z.infer<typeof tcpStatsSchema>;

export const statRowSchema = z.object({
  resource: resourceSchema,
  timeWindow: z.string(),
  /** Pods with a `linkerd-proxy` container, of those not failed. */
  meshedPodCount: z.number().int().nonnegative(),
  runningPodCount: z.number().int().nonnegative(),
  failedPodCount: z.number().int().nonnegative(),
  /** A pod row's phase (`Running`, `Pending`, …); absent for other types. */
  status: z.string().optional(),
  stats: basicStatsSchema.nullable(),
  tcp: tcpStatsSchema.nullable(),
});
export type StatRow = z.infer<typeof statRowSchema>;

export const statResponseSchema = z.object({ rows: z.array(statRowSchema) });
export type StatResponse = z.infer<typeof statResponseSchema>;

export const routeRowSchema = z.object({
  /** The route's name (`route_name` of the proxy's policy routes), `[DEFAULT]` when none matched by name. */
  route: z.string(),
  /** The Server (inbound) or authority (outbound) the route belongs to; '' when unknown. */
  target: z.string(),
  timeWindow: z.string(),
  stats: basicStatsSchema,
});
export type RouteRow = z.infer<typeof routeRowSchema>;

export const routeTableSchema = z.object({
  /** `deployment/web`. */
  resource: z.string(),
  rows: z.array(routeRowSchema),
});
export type RouteTable = z.infer<typeof routeTableSchema>;

export const routesResponseSchema = z.object({ tables: z.array(routeTableSchema) });
export type RoutesResponse = z.infer<typeof routesResponseSchema>;

export const edgeSchema = z.object({
  src: resourceSchema,
  dst: resourceSchema,
  /** The source pods' identity (from their service account); '' when unknown. */
  clientId: z.string(),
  /** The identity the source's proxy verified on the destination; '' without mutual TLS. */
  serverId: z.string(),
  /** Why there is no identity (`Loopback`, `Not Provided By Service Discovery`, …); '' when there is one. */
  noIdentityMsg: z.string(),
});
export type Edge = z.infer<typeof edgeSchema>;

export const edgesResponseSchema = z.object({ edges: z.array(edgeSchema) });
export type EdgesResponse = z.infer<typeof edgesResponseSchema>;

export const namespacesResponseSchema = z.object({
  namespaces: z.array(z.object({ name: z.string(), meshedPodCount: z.number().int().nonnegative(), podCount: z.number().int().nonnegative() })),
});
export type NamespacesResponse = z.infer<typeof namespacesResponseSchema>;

export const errorResponseSchema = z.object({ error: z.string() });

/** What every metrics API answers, over HTTP (metrics-api-client.ts) or in process (metrics-service.ts). */
export interface MetricsApi {
  stat(query: StatQuery): Promise<StatResponse>;
  routes(query: RoutesQuery): Promise<RoutesResponse>;
  edges(query: EdgesQuery): Promise<EdgesResponse>;
  namespaces(): Promise<NamespacesResponse>;
}

/** A query the API refuses (HTTP 400): `parameter` names what is wrong. */
export class BadQueryError extends Error {
  constructor(readonly parameter: string, message: string) {
    super(`${parameter}: ${message}`);
    this.name = 'BadQueryError';
  }
}

/** The API (or the Prometheus behind it) could not answer: HTTP status and the server's message. */
export class MetricsApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'MetricsApiError';
  }
}
