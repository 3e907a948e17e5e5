/**
 * `sinew viz routes RESOURCE`: per-route stats of a resource's inbound traffic (by the policy's
 * route names), or of its outbound traffic to `--to` (by authority), from the metrics API.
 */
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';
import { checkWindow, defaultWindow } from '../viz/metrics-api-query.js';
import { apiConnectionHelp, apiConnectionOptions, connectMetricsApi, defaultNamespace } from '../viz/metrics-api-connection.js';
import { parseResourceArgs, parseResourceFlag } from '../viz/resource-args.js';
import { queryUsage } from './viz-usage.js';
import { formatRoutes } from '../viz/routes-format.js';
import type { OutputFormat } from '../viz/stat-format.js';

export const routesHelp = `Usage: sinew viz routes [flags] (TYPE [NAME] | TYPE/NAME)

Per-route stats: success rate, requests per second and latency percentiles of each route
a resource serves (the policy's HTTPRoute names; [DEFAULT] for requests no named route
matched), or with --to, of its requests to that resource, by authority.

Examples:
  sinew viz routes deploy/web -n shop
  sinew viz routes deploy/curl --to svc/web

Flags:
  -n, --namespace NS            the resource's namespace (default: the kubeconfig's, or default)
      --to RESOURCE             outbound routes towards this resource (TYPE/NAME)
      --to-namespace NS         the --to resource's namespace (default: --namespace)
  -t, --time-window DURATION    the window (default 1m)
  -o, --output FORMAT           table (default), wide or json
${apiConnectionHelp}
  -h, --help                    show this help
`;

export async function routesCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    namespace: { type: 'string', short: 'n' }, to: { type: 'string' }, 'to-namespace': { type: 'string' },
    'time-window': { type: 'string', short: 't' }, output: { type: 'string', short: 'o' },
    ...apiConnectionOptions, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(routesHelp);
    return 0;
  }
  const output = oneOf<OutputFormat>('--output', values.output, ['table', 'wide', 'json'], 'table');
  if (values['to-namespace'] !== undefined && values.to === undefined) throw new UsageError('--to-namespace needs --to');
  const window = queryUsage(() => checkWindow('--time-window', values['time-window'] ?? defaultWindow));
  const flags = { apiAddr: values['api-addr'], kubeconfig: values.kubeconfig, context: values.context, vizNamespace: values['viz-namespace'] };
  const namespace = defaultNamespace(values.namespace, flags);
  const targets = queryUsage(() => parseResourceArgs(positionals, namespace));
  const [resource] = targets;
  if (resource === undefined || targets.length > 1) throw new UsageError('routes takes one resource (TYPE, TYPE NAME or TYPE/NAME)');
  const to = values.to === undefined ? undefined : queryUsage(() => parseResourceFlag('--to', values.to as string, values['to-namespace'] ?? namespace));
  const api = connectMetricsApi(flags);
  const answer = await api.routes({ resource, window, ...(to === undefined ? {} : { to }) });
  const { out, note } = formatRoutes(answer.tables, { output, outbound: to !== undefined });
  io.out(out);
  if (note !== undefined) io.err(`${note}\n`);
  return 0;
}
