/**
 * `sinew viz uninstall`: prints, for `kubectl delete -f -`, every object of the viz extension that
 * exists in the cluster: workloads first, the namespace last. The namespace is `--viz-namespace`,
 * else the one labelled `linkerd.io/extension=viz`, else linkerd-viz. Meshed workloads outside it
 * keep working without viz (they only lose their metrics and tap), so nothing is refused.
 */
import { z } from 'zod';
import { type Cluster, ClusterAccessError, connectCluster, existingObjects } from '../install/cluster-access.js';
import { type OutputFormat, outputFormats, renderManifests } from '../install/render.js';
import { vizExtensionLabel } from '../install/viz-manifests.js';
import { vizUninstallRefs } from '../install/viz-uninstall-manifests.js';
import { defaultVizValues } from '../install/viz-values.js';
import { isDnsLabel } from '../identity/identity-name.js';
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

export const vizUninstallHelp = `Usage: sinew viz uninstall [flags]

Prints every Kubernetes object of the viz extension that exists in the cluster, for kubectl to
delete:

  sinew viz uninstall | kubectl delete -f -

Flags:
      --viz-namespace NS      the extension's namespace (default: the one labelled
                              linkerd.io/extension=viz, else linkerd-viz)
      --kubeconfig FILE       kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
      --context NAME          kubeconfig context to use (default: its current context)
  -o, --output FORMAT         yaml (default) or json (a v1 List)
  -h, --help                  show this help
`;

const namespaceListSchema = z.object({ items: z.array(z.object({ metadata: z.object({ name: z.string() }) })).nullable() });

/** The namespace labelled as viz's, when exactly one is. */
async function labelledNamespace(cluster: Cluster): Promise<string | undefined> {
  const parsed = namespaceListSchema.safeParse(await cluster.get('/api/v1/namespaces', { labelSelector: `${vizExtensionLabel}=viz` }));
  if (!parsed.success) throw new ClusterAccessError('the API server\'s namespace list is not a NamespaceList');
  const names = (parsed.data.items ?? []).map((item) => item.metadata.name);
  return names.length === 1 ? names[0] : undefined;
}

export async function vizUninstallCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    'viz-namespace': { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' },
    output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(vizUninstallHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const given = values['viz-namespace'];
  if (given !== undefined && !isDnsLabel(given)) throw new UsageError(`--viz-namespace must be a DNS label; got ${JSON.stringify(given)}`);
  const format = oneOf<OutputFormat>('--output', values.output, outputFormats, 'yaml');
  try {
    const cluster = connectCluster({ kubeconfig: values.kubeconfig, context: values.context });
    const namespace = given ?? (await labelledNamespace(cluster)) ?? defaultVizValues('').namespace;
    const existing = await existingObjects(cluster, vizUninstallRefs(namespace));
    if (existing.length === 0) {
      io.err(`Nothing to uninstall: no viz extension in namespace ${namespace}.\n`);
      return 0;
    }
    io.out(renderManifests(existing, format));
    return 0;
  } catch (error) {
    if (!(error instanceof ClusterAccessError)) throw error;
    io.err(`Unable to uninstall the viz extension: cannot read the Kubernetes cluster:\n\n${error.message}\n`);
    return 1;
  }
}
