/**
 * `sinew viz check`: Linkerd-viz's health checks for Sinew's viz extension. The composition root of
 * a run, as `sinew check`'s: parses the flags, picks the categories (src/check/viz-plan.ts), runs
 * them (src/check/runner.ts) and prints the results (src/check/check-output.ts). Exit code 0 when
 * every check that is not a warning passed, 1 otherwise, 2 for a command line that cannot be run.
 */
import type { OutputFormat } from '../check/check-output.js';
import type { ClusterReader } from '../check/cluster-reader.js';
import type { VizCheckOptions, VizServices } from '../check/viz-facts.js';
import { vizCheckPlan } from '../check/viz-plan.js';
import { loadKubeConfig } from '../informers/kube-config.js';
import { metricsApiService } from '../viz/metrics-api-client.js';
import { type ServiceClient, serviceClient, type ServiceTarget } from '../viz/service-proxy.js';
import { oneOf, parse } from './args.js';
import { namespaceFlag } from './namespace-flag.js';
import { clusterFromKubeconfig, type CheckReportRuntime, reportChecks } from './check-report.js';
import type { CommandIo } from './command-io.js';
import { duration } from './duration.js';
import { UsageError } from './usage-error.js';
import { sinewVersion } from './sinew-version.js';

export const vizCheckHelp = `Usage: sinew viz check [flags]

Checks that the viz extension is installed and healthy: its namespace and RBAC, its pods running
and meshed, its Prometheus ready, and the metrics API answering. Each check is printed as
√ (passed), ‼ (warning) or × (failed, with a hint); exits 1 when a check that is not a warning fails.

Flags:
      --proxy                    also check that Prometheus has the data plane proxies' metrics
  -n, --namespace NS             the data plane namespace for --proxy (default: all namespaces)
      --viz-namespace NS         the viz namespace (default: the one labelled linkerd.io/extension=viz)
  -L, --linkerd-namespace NS     the control-plane namespace (default linkerd)
      --api-addr URL             reach the metrics API at this URL, not through the API server
      --prometheus-addr URL      reach Prometheus at this URL, not viz's own through the API server
      --kubeconfig FILE          the kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)
      --context NAME             the kubeconfig context to use (default: its current context)
  -o, --output FORMAT            table, json or short (default table)
      --wait DURATION            how long to retry checks that wait for the cluster, e.g. 30s (default 5m)
  -h, --help                     show this help

Examples:
  sinew viz check
  sinew viz check --proxy -n shop
`;

/** What tests replace: the terminal, the pace of retries and the cluster connection. */
export interface VizCheckRuntime extends CheckReportRuntime {
  readonly connect?: (options: VizCheckOptions) => ClusterReader;
}

const flags = {
  proxy: { type: 'boolean' },
  namespace: { type: 'string', short: 'n' },
  'viz-namespace': { type: 'string' },
  'linkerd-namespace': { type: 'string', short: 'L' },
  'api-addr': { type: 'string' },
  'prometheus-addr': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  output: { type: 'string', short: 'o' },
  wait: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const defaultWaitMs = 5 * 60_000;

function urlFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new UsageError(`${flag} must be an http or https URL such as http://127.0.0.1:8085; got ${JSON.stringify(value)}`);
  return value;
}

/** The viz services: at the URLs given, else through the API server's service proxy; one client each, made when first asked for. */
function vizServices(options: VizCheckOptions): VizServices {
  const clients = new Map<string, ServiceClient>();
  const client = (namespace: string, service: string, port: number, direct: string | undefined): ServiceClient => {
    const key = `${namespace}/${service}`;
    const known = clients.get(key);
    if (known !== undefined) return known;
    const target: ServiceTarget = direct !== undefined
      ? { kind: 'direct', url: direct }
      : { kind: 'kube', kubeConfig: loadKubeConfig({ kubeconfig: options.kubeconfig, context: options.context }), namespace, service, port };
    const made = serviceClient(target);
    clients.set(key, made);
    return made;
  };
  return {
    metricsApi: (namespace) => client(namespace, metricsApiService.service, metricsApiService.port, options.apiAddr),
    prometheus: (namespace) => client(namespace, 'prometheus', 9090, options.prometheusAddr),
  };
}

export async function vizCheckCommand(argv: readonly string[], io: CommandIo, runtime: VizCheckRuntime = {}): Promise<number> {
  const { values, positionals } = parse(argv, flags);
  if (values.help === true) {
    io.out(vizCheckHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const format: OutputFormat = oneOf('--output', values.output, ['table', 'json', 'short'], 'table');
  const waitMs = duration('--wait', values.wait, defaultWaitMs);
  const options: VizCheckOptions = {
    kubeconfig: values.kubeconfig, context: values.context,
    controlPlaneNamespace: namespaceFlag('--linkerd-namespace', values['linkerd-namespace']) ?? 'linkerd',
    dataPlaneNamespace: namespaceFlag('--namespace', values.namespace),
    vizNamespace: namespaceFlag('--viz-namespace', values['viz-namespace']),
    apiAddr: urlFlag('--api-addr', values['api-addr']),
    prometheusAddr: urlFlag('--prometheus-addr', values['prometheus-addr']),
    cliVersion: `v${sinewVersion()}`,
    now: () => new Date(),
  };
  const connect = runtime.connect ?? clusterFromKubeconfig;
  const categories = vizCheckPlan({ options, proxy: values.proxy === true, connect: () => connect(options), services: vizServices(options) });
  return reportChecks(categories, format, waitMs, io, runtime);
}
