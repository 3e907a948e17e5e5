/**
 * `sinew viz metrics-api`: the composition root of the metrics API process. The workload inventory
 * comes from the control plane's engine (`--source kube|replay:FILE`); the numbers from Prometheus
 * (`--prometheus-url`) or, without it, from the embedded scraper of the proxies' `/metrics`. Serves
 * the JSON API on `--addr` until SIGINT or SIGTERM and logs `metrics API started … addr=HOST:PORT`.
 */
import { address, oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { duration } from './duration.js';
import { UsageError } from './usage-error.js';
import { createLogger, type LogLevel } from '../observe/logger.js';
import { embeddedBackend } from '../viz/embedded-backend.js';
import type { MetricsBackend } from '../viz/metric-query.js';
import { maxWindowMs } from '../viz/metrics-api-query.js';
import { startMetricsApiServer } from '../viz/metrics-api-server.js';
import { metricsService } from '../viz/metrics-service.js';
import { prometheusBackend } from '../viz/prometheus-backend.js';
import { type Scraper, startScraper } from '../viz/proxy-scraper.js';
import { SampleStore } from '../viz/sample-store.js';
import { checkSource, startWorkloadSource, WorkloadSourceError } from '../viz/workload-source.js';

export const metricsApiHelp = `Usage: sinew viz metrics-api [flags]

Serves the metrics API (stat, routes, edges, namespaces) as JSON over HTTP:
GET /api/v1/stat, /api/v1/routes, /api/v1/edges, /api/v1/namespaces.
With --prometheus-url it runs Linkerd's PromQL queries against that Prometheus; without it,
it scrapes each meshed pod's proxy /metrics itself and computes the same numbers.

Flags:
      --addr ADDR                   where to serve (default 0.0.0.0:8085)
      --prometheus-url URL          the Prometheus to query (default: embedded scraping)
      --scrape-interval DURATION    embedded scraping's interval (default 10s)
      --source SOURCE               workloads from kube (default) or replay:FILE (an event log)
      --kubeconfig FILE             kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
      --cluster-domain DOMAIN       the cluster's DNS domain, for service authorities (default cluster.local)
      --controller-namespace NS     the control plane's namespace (default linkerd)
      --identity-trust-domain DOMAIN
                                    the trust domain of identities (default cluster.local)
      --log-level LEVEL             debug, info (default), warn or error
      --log-format FORMAT           plain (default) or json
  -h, --help                        show this help
`;

function prometheusUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--prometheus-url must be a URL such as http://prometheus.linkerd-viz.svc.cluster.local:9090; got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--prometheus-url must be an http or https URL; got ${JSON.stringify(value)}`);
  return value;
}

function dnsName(flag: string, value: string | undefined, fallback: string): string {
  const name = value ?? fallback;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) throw new UsageError(`${flag} must be a DNS name; got ${JSON.stringify(name)}`);
  return name;
}

export async function metricsApiCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    addr: { type: 'string' }, 'prometheus-url': { type: 'string' }, 'scrape-interval': { type: 'string' },
    source: { type: 'string' }, kubeconfig: { type: 'string' }, 'cluster-domain': { type: 'string' },
    'controller-namespace': { type: 'string' }, 'identity-trust-domain': { type: 'string' },
    'log-level': { type: 'string' }, 'log-format': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(metricsApiHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const listen = address('--addr', values.addr ?? '0.0.0.0:8085');
  const promUrl = prometheusUrl(values['prometheus-url']);
  if (promUrl !== undefined && values['scrape-interval'] !== undefined) throw new UsageError('--scrape-interval is for embedded scraping; it cannot be used with --prometheus-url');
  const intervalMs = duration('--scrape-interval', values['scrape-interval'], 10_000, 100);
  let source: string;
  try {
    source = checkSource(values.source ?? 'kube');
  } catch (error) {
    if (error instanceof WorkloadSourceError) throw new UsageError(error.message);
    throw error;
  }
  const clusterDomain = dnsName('--cluster-domain', values['cluster-domain'], 'cluster.local');
  const controllerNamespace = dnsName('--controller-namespace', values['controller-namespace'], 'linkerd');
  const trustDomain = dnsName('--identity-trust-domain', values['identity-trust-domain'], 'cluster.local');
  const level = oneOf<LogLevel>('--log-level', values['log-level'], ['debug', 'info', 'warn', 'error'], 'info');
  const format = oneOf('--log-format', values['log-format'], ['plain', 'json'] as const, 'plain');
  const log = createLogger({ level, format: format === 'json' ? 'json' : 'logfmt', write: (line) => io.err(line + '\n') });

  const workloads = await startWorkloadSource({ source, kubeconfig: values.kubeconfig, log });
  let scraper: Scraper | undefined;
  let backend: MetricsBackend;
  if (promUrl === undefined) {
    const store = new SampleStore(maxWindowMs + 2 * intervalMs);
    scraper = startScraper({ inventory: workloads.inventory, store, intervalMs, log, controlPlaneNamespace: controllerNamespace });
    backend = embeddedBackend(store);
  } else {
    backend = prometheusBackend({ url: promUrl });
  }
  let synced = false;
  void workloads.ready.then(() => { synced = true; });
  const api = metricsService({ backend, inventory: workloads.inventory, clusterDomain, identitySuffix: `${controllerNamespace}.${trustDomain}` });
  let server;
  try {
    server = await startMetricsApiServer({ api, host: listen.host, port: listen.port, ready: () => synced, log });
  } catch (error) {
    scraper?.stop();
    await workloads.close();
    throw new Error(`cannot listen on ${listen.host}:${listen.port}: ${(error as Error).message}`, { cause: error });
  }
  log.info('metrics API started', { addr: `${listen.host}:${server.port}`, backend: backend.description, source, ...(scraper === undefined ? {} : { scrapeInterval: `${intervalMs}ms` }) });
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info('shutting down', { signal });
  scraper?.stop();
  await server.close();
  await workloads.close();
  return 0;
}
