/**
 * `sinew viz stat RESOURCE…`: traffic stats of resources from the metrics API, printed as Linkerd's
 * CLI prints them (viz/stat-format.ts). One query per target (`all` is one per type), run together.
 */
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';
import { checkWindow, defaultWindow } from '../viz/metrics-api-query.js';
import { apiConnectionHelp, apiConnectionOptions, connectMetricsApi, defaultNamespace } from '../viz/metrics-api-connection.js';
import type { Resource, StatQuery } from '../viz/metrics-api-types.js';
import { parseResourceArgs, parseResourceFlag } from '../viz/resource-args.js';
import { queryUsage } from './viz-usage.js';
import { formatStat, type OutputFormat } from '../viz/stat-format.js';

export const statHelp = `Usage: sinew viz stat [flags] (TYPE [NAME…] | TYPE/NAME…)

Traffic stats of resources: success rate, requests per second, latency percentiles and
TCP connections, over a time window. TYPE is one of all, cronjob (cj), daemonset (ds),
deployment (deploy), job, namespace (ns), pod (po), replicaset (rs),
replicationcontroller (rc), service (svc: its clients' outbound traffic) or statefulset (sts).

Examples:
  sinew viz stat deploy -n shop
  sinew viz stat deploy/web --from deploy/curl
  sinew viz stat ns
  sinew viz stat po -A -o wide

Flags:
  -n, --namespace NS            the resources' namespace (default: the kubeconfig's, or default)
  -A, --all-namespaces          every namespace
      --from RESOURCE           only traffic from this resource (TYPE/NAME)
      --from-namespace NS       the --from resource's namespace (default: --namespace)
      --to RESOURCE             only traffic to this resource (TYPE/NAME)
      --to-namespace NS         the --to resource's namespace (default: --namespace)
  -t, --time-window DURATION    the window (default 1m), such as 30s, 10m, 1h
  -o, --output FORMAT           table (default), wide or json
      --unmeshed                also show resources without meshed pods
${apiConnectionHelp}
  -h, --help                    show this help
`;

export async function statCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    namespace: { type: 'string', short: 'n' }, 'all-namespaces': { type: 'boolean', short: 'A' },
    from: { type: 'string' }, 'from-namespace': { type: 'string' }, to: { type: 'string' }, 'to-namespace': { type: 'string' },
    'time-window': { type: 'string', short: 't' }, output: { type: 'string', short: 'o' }, unmeshed: { type: 'boolean' },
    ...apiConnectionOptions, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(statHelp);
    return 0;
  }
  const output = oneOf<OutputFormat>('--output', values.output, ['table', 'wide', 'json'], 'table');
  const all = values['all-namespaces'] === true;
  if (all && values.namespace !== undefined) throw new UsageError('--all-namespaces and --namespace are mutually exclusive');
  if (values.from !== undefined && values.to !== undefined) throw new UsageError('--to and --from are mutually exclusive');
  if (values['from-namespace'] !== undefined && values.from === undefined) throw new UsageError('--from-namespace needs --from');
  if (values['to-namespace'] !== undefined && values.to === undefined) throw new UsageError('--to-namespace needs --to');
  const window = queryUsage(() => checkWindow('--time-window', values['time-window'] ?? defaultWindow));
  const flags = { apiAddr: values['api-addr'], kubeconfig: values.kubeconfig, context: values.context, vizNamespace: values['viz-namespace'] };
  const namespace = all ? '' : defaultNamespace(values.namespace, flags);
  const targets = queryUsage(() => parseResourceArgs(positionals, namespace));
  const filterNamespace = namespace === '' ? defaultNamespace(undefined, flags) : namespace;
  const from: Resource | undefined = values.from === undefined ? undefined : queryUsage(() => parseResourceFlag('--from', values.from as string, values['from-namespace'] ?? filterNamespace));
  const to: Resource | undefined = values.to === undefined ? undefined : queryUsage(() => parseResourceFlag('--to', values.to as string, values['to-namespace'] ?? filterNamespace));
  for (const target of targets) {
    if (target.type === 'namespace' && values.namespace !== undefined) throw new UsageError('--namespace is incompatible with the namespace resource type');
  }
  const api = connectMetricsApi(flags);
  const queries: StatQuery[] = targets.map((resource) => ({
    resource: resource.type === 'namespace' && resource.name === '' ? { ...resource, namespace: '' } : resource,
    window, tcp: true, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }),
  }));
  const answers = await Promise.all(queries.map((query) => api.stat(query)));
  const { out, note } = formatStat(answers.flatMap((answer) => answer.rows), { output, allNamespaces: all, unmeshed: values.unmeshed === true, from: from !== undefined });
  io.out(out);
  if (note !== undefined) io.err(`${note}\n`);
  return 0;
}
