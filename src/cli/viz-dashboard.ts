/**
 * `sinew viz dashboard`: serves the web dashboard (src/viz/dashboard/) until SIGINT or SIGTERM,
 * reading the metrics API and the tap server either at URLs (--metrics-api-url, --tap-url: how the
 * in-cluster `web` Deployment runs it) or through the Kubernetes API server's service proxy to the
 * viz namespace (the default on a workstation). It prints the address and opens nothing.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../informers/kube-config.js';
import { createLogger, type LogLevel } from '../observe/logger.js';
import { defaultDashboardPort, startDashboard } from '../viz/dashboard/dashboard-server.js';
import { EnforcedHostError } from '../viz/dashboard/host-check.js';
import { tapServerSource } from '../viz/dashboard/tap-source.js';
import { metricsApiClient, metricsApiService } from '../viz/metrics-api-client.js';
import { serviceClient, type ServiceTarget } from '../viz/service-proxy.js';
import { tapService } from '../viz/tap/tap-args.js';
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

export const dashboardHelp = `Usage: sinew viz dashboard [flags]

Serves the viz dashboard: namespaces, their workloads (meshed pods, success rate, RPS, latency
percentiles, TCP connections), each workload's edges and routes, and a live tap. It prints the
address to open and never opens a browser itself.

The page answers only to Host names of this machine (localhost, 127.0.0.1, [::1]) or matching
--enforced-host, which protects it from DNS rebinding; its live tap accepts WebSockets only from
its own origin.

Flags:
      --address ADDR           the address to listen on (default 127.0.0.1)
      --port PORT              the port to listen on (default ${defaultDashboardPort}; 0 picks a free one)
      --metrics-api-url URL    the metrics API (default: svc/metrics-api:8085 through the API server)
      --tap-url URL            the tap server (default: svc/tap:8089 through the API server)
      --enforced-host REGEX    further Host names to serve (matched whole, case-insensitively), e.g. the
                               Service name when it runs in the cluster
      --show linkerd|url       linkerd (default): say where the dashboard is; url: print only its URL
      --viz-namespace NS       the viz namespace, for the API server's service proxy (default linkerd-viz)
      --kubeconfig FILE        the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)
      --context NAME           the kubeconfig context (default: its current context)
      --log-level LEVEL        debug, info, warn or error (default info)
`;

const options = {
  address: { type: 'string' },
  port: { type: 'string' },
  'metrics-api-url': { type: 'string' },
  'tap-url': { type: 'string' },
  'enforced-host': { type: 'string' },
  show: { type: 'string' },
  'viz-namespace': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse<typeof options>>['values'];

function portOf(value: string | undefined): number {
  if (value === undefined) return defaultDashboardPort;
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) throw new UsageError(`--port must be a port number from 0 to 65535; got ${JSON.stringify(value)}`);
  return port;
}

function urlFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be a URL such as http://127.0.0.1:8085; got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http or https URL; got ${JSON.stringify(value)}`);
  return value;
}

/** Where a viz service is: its URL if given, else through the API server (the kubeconfig loaded once, only then). */
function targets(values: Values): { metrics: ServiceTarget; tap: ServiceTarget } {
  const metricsUrl = urlFlag('--metrics-api-url', values['metrics-api-url']);
  const tapUrl = urlFlag('--tap-url', values['tap-url']);
  let kube: KubeConfig | undefined;
  const viaApiServer = (service: { service: string; port: number }): ServiceTarget => {
    kube ??= loadKubeConfig({ kubeconfig: values.kubeconfig, context: values.context });
    return { kind: 'kube', kubeConfig: kube, namespace: values['viz-namespace'] ?? 'linkerd-viz', ...service };
  };
  return {
    metrics: metricsUrl === undefined ? viaApiServer(metricsApiService) : { kind: 'direct', url: metricsUrl },
    tap: tapUrl === undefined ? viaApiServer(tapService) : { kind: 'direct', url: tapUrl },
  };
}

export async function dashboardCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, options);
  if (values.help === true) {
    io.out(dashboardHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`sinew viz dashboard takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const port = portOf(values.port);
  const show = oneOf('--show', values.show, ['linkerd', 'url'], 'linkerd');
  const level = oneOf<LogLevel>('--log-level', values['log-level'], ['debug', 'info', 'warn', 'error'], 'info');
  const where = targets(values);
  const log = createLogger({ level, write: (line) => io.err(`${line}\n`) });
  let dashboard;
  try {
    dashboard = await startDashboard({
      metrics: metricsApiClient(serviceClient(where.metrics)), tap: tapServerSource(serviceClient(where.tap)),
      address: values.address ?? '127.0.0.1', port, log, ...(values['enforced-host'] === undefined ? {} : { enforcedHost: values['enforced-host'] }),
    });
  } catch (error) {
    if (error instanceof EnforcedHostError) throw new UsageError(error.message);
    throw error;
  }
  io.out(show === 'url' ? `${dashboard.url}\n` : `Sinew dashboard available at:\n${dashboard.url}\n(open it in a browser; this command opens none)\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info('stopping the dashboard', { signal });
  await dashboard.close();
  return 0;
}
