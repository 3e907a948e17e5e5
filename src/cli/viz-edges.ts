/**
 * `sinew viz edges TYPE`: which resources of a type talk to which, with the identities on each
 * side, from the metrics API.
 */
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';
import { formatEdges } from '../viz/edges-format.js';
import { apiConnectionHelp, apiConnectionOptions, connectMetricsApi, defaultNamespace } from '../viz/metrics-api-connection.js';
import { resourceTypeOf } from '../viz/resource-args.js';
import type { OutputFormat } from '../viz/stat-format.js';

export const edgesHelp = `Usage: sinew viz edges [flags] TYPE

The connections between resources of a type (deploy, po, sts, ds, job, cj, rs, rc, ns)
seen by the sources' proxies, with the client's and the server's identities, and why a
connection has no mutual TLS when it has none.

Examples:
  sinew viz edges deploy -n shop
  sinew viz edges po -A -o wide

Flags:
  -n, --namespace NS            edges with either end in this namespace (default: the kubeconfig's, or default)
  -A, --all-namespaces          every namespace
  -o, --output FORMAT           table (default), wide or json
${apiConnectionHelp}
  -h, --help                    show this help
`;

export async function edgesCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    namespace: { type: 'string', short: 'n' }, 'all-namespaces': { type: 'boolean', short: 'A' }, output: { type: 'string', short: 'o' },
    ...apiConnectionOptions, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(edgesHelp);
    return 0;
  }
  const output = oneOf<OutputFormat>('--output', values.output, ['table', 'wide', 'json'], 'table');
  const all = values['all-namespaces'] === true;
  if (all && values.namespace !== undefined) throw new UsageError('--all-namespaces and --namespace are mutually exclusive');
  const [typeText, extra] = positionals;
  if (typeText === undefined || extra !== undefined || typeText.includes('/')) throw new UsageError('edges takes one resource type, such as deploy or po');
  const type = resourceTypeOf(typeText);
  if (type === undefined || type === 'all' || type === 'service' || type === 'authority') {
    throw new UsageError(`edges cannot be shown for ${JSON.stringify(typeText)}; use cronjob, daemonset, deployment, job, namespace, pod, replicaset, replicationcontroller or statefulset`);
  }
  const flags = { apiAddr: values['api-addr'], kubeconfig: values.kubeconfig, context: values.context, vizNamespace: values['viz-namespace'] };
  const namespace = all ? '' : defaultNamespace(values.namespace, flags);
  const api = connectMetricsApi(flags);
  const answer = await api.edges({ resource: { type, namespace, name: '' } });
  const { out, note } = formatEdges(answer.edges, output);
  io.out(out);
  if (note !== undefined) io.err(`${note}\n`);
  return 0;
}
