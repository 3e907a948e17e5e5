/**
 * The metrics API in the demo's own process: viz's embedded backend (the proxies' /metrics
 * scraped every `scrapeIntervalMs`, with the labels Prometheus would give them) over the demo's
 * inventory, answering exactly what `sinew viz metrics-api` would. The table and the dashboard
 * both read it.
 *
 * `identities` lists the mutual-TLS identities the proxies' own metrics show for each edge between
 * deployments: the server's (`server_id` on the client's outbound `response_total`) and the
 * client's (`client_id` on the server's inbound `response_total`, the one of the client's service
 * account), from the latest scrapes.
 *
 * Contract: `stop` ends the scraping (a round in flight finishes) and is idempotent.
 */
import { silentLogger } from '../observe/logger.js';
import { embeddedBackend } from '../viz/embedded-backend.js';
import { eq, type MetricsBackend } from '../viz/metric-query.js';
import { type MetricsApi, MetricsApiError } from '../viz/metrics-api-types.js';
import { maxWindowMs } from '../viz/metrics-api-query.js';
import { metricsService } from '../viz/metrics-service.js';
import { startScraper } from '../viz/proxy-scraper.js';
import { SampleStore } from '../viz/sample-store.js';
import type { Inventory } from '../viz/workloads.js';
import { controlPlaneNamespace, demoNamespace, trustDomain, workloadNamed } from './demo-topology.js';

export interface SeenIdentities {
  /** Deployments. */
  readonly src: string;
  readonly dst: string;
  /** '' when the server's proxy has not reported the client's identity (yet). */
  readonly clientId: string;
  readonly serverId: string;
}

export interface DemoMetrics {
  readonly api: MetricsApi;
  identities(): Promise<SeenIdentities[]>;
  stop(): void;
}

async function identitiesSeen(backend: MetricsBackend): Promise<SeenIdentities[]> {
  const matchers = (direction: string) => [eq('direction', direction), eq('namespace', demoNamespace), eq('tls', 'true')];
  const [outbound, inbound] = await Promise.all([
    backend.query({ kind: 'gauge', metric: 'response_total', matchers: matchers('outbound'), by: ['deployment', 'dst_deployment', 'server_id'] }),
    backend.query({ kind: 'gauge', metric: 'response_total', matchers: matchers('inbound'), by: ['deployment', 'client_id'] }),
  ]);
  const seen = new Map<string, SeenIdentities>();
  for (const { labels } of outbound) {
    const src = labels.deployment ?? '';
    const dst = labels.dst_deployment ?? '';
    if (src === '' || dst === '' || seen.has(`${src} ${dst}`)) continue;
    const account = workloadNamed(src)?.serviceAccount ?? src;
    const client = inbound.find((sample) => sample.labels.deployment === dst && (sample.labels.client_id ?? '').startsWith(`${account}.${demoNamespace}.`));
    seen.set(`${src} ${dst}`, { src, dst, clientId: client?.labels.client_id ?? '', serverId: labels.server_id ?? '' });
  }
  return [...seen.values()].sort((a, b) => `${a.src} ${a.dst}`.localeCompare(`${b.src} ${b.dst}`));
}

export function startDemoMetrics(inventory: Inventory, scrapeIntervalMs: number): DemoMetrics {
  const store = new SampleStore(maxWindowMs + 2 * scrapeIntervalMs);
  const scraper = startScraper({ inventory, store, intervalMs: scrapeIntervalMs, log: silentLogger, controlPlaneNamespace });
  const backend = embeddedBackend(store);
  const api = metricsService({ backend, inventory, identitySuffix: `${controlPlaneNamespace}.${trustDomain}` });
  return { api, identities: () => identitiesSeen(backend), stop: () => scraper.stop() };
}

/**
 * A MetricsApi to hand out before the real one exists (the dashboard starts first, so that a port
 * in use is found before any process starts): it answers 503 "starting" until `bind`.
 */
export function lateMetricsApi(): { readonly api: MetricsApi; bind(real: MetricsApi): void } {
  let bound: MetricsApi | undefined;
  const real = (): MetricsApi => {
    if (bound === undefined) throw new MetricsApiError(503, 'the demo is still starting its mesh');
    return bound;
  };
  return {
    api: {
      stat: async (query) => real().stat(query),
      routes: async (query) => real().routes(query),
      edges: async (query) => real().edges(query),
      namespaces: async () => real().namespaces(),
    },
    bind: (api) => { bound = api; },
  };
}
