/**
 * The metrics API in process: stat, routes, edges and namespaces over one MetricsBackend
 * (Prometheus or the embedded scraper) and the workload inventory. The HTTP server
 * (metrics-api-server.ts) serves it; tests and the dashboard may call it directly.
 *
 * Contract: the same answers as the HTTP API for the same query; a bad query rejects with
 * BadQueryError, a failing backend with BackendError.
 */
import { edges } from './edges.js';
import type { MetricsBackend } from './metric-query.js';
import type { MetricsApi } from './metrics-api-types.js';
import { statSummary } from './stat-summary.js';
import { topRoutes } from './top-routes.js';
import type { Inventory } from './workloads.js';

export interface MetricsServiceOptions {
  readonly backend: MetricsBackend;
  readonly inventory: Inventory;
  readonly clusterDomain?: string;
  /** `<control plane ns>.<trust domain>` for client identities (default linkerd.cluster.local). */
  readonly identitySuffix?: string;
}

export function metricsService(options: MetricsServiceOptions): MetricsApi {
  const { backend, inventory } = options;
  return {
    stat: (query) => statSummary({ backend, inventory, ...(options.clusterDomain === undefined ? {} : { clusterDomain: options.clusterDomain }) }, query),
    routes: (query) => topRoutes(backend, query),
    edges: (query) => edges({ backend, inventory, ...(options.identitySuffix === undefined ? {} : { identitySuffix: options.identitySuffix }) }, query),
    namespaces: () => Promise.resolve({
      namespaces: inventory.namespaces().map((name) => {
        const pods = inventory.pods(name).filter((pod) => pod.phase !== 'Failed');
        return { name, podCount: pods.length, meshedPodCount: pods.filter((pod) => pod.meshed).length };
      }),
    }),
  };
}
