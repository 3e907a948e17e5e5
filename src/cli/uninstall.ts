/**
 * `sinew uninstall`: prints, for `kubectl delete -f -`, every object of the control plane and
 * every Sinew CRD that exists in the cluster: webhook registrations first, CRDs last.
 *
 * It refuses (exit 1, with the pods named) while pods outside the control plane's namespace still
 * carry a proxy (the `linkerd.io/control-plane-ns` label), unless `--force`: removing the control
 * plane under them leaves their proxies without identity, discovery or policy.
 */
import { ClusterAccessError, connectCluster, existingObjects, injectedPods } from '../install/cluster-access.js';
import { crdManifests } from '../install/crd-manifests.js';
import { type OutputFormat, outputFormats, renderManifests } from '../install/render.js';
import { uninstallRefs } from '../install/uninstall-manifests.js';
import { isDnsLabel } from '../identity/identity-name.js';
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

export const uninstallHelp = `Usage: sinew uninstall [flags]

Prints every Kubernetes object of the Sinew control plane and every Sinew CRD that exists in the
cluster, for kubectl to delete:

  sinew uninstall | kubectl delete -f -

Deleting the CRDs deletes every policy resource (Servers, AuthorizationPolicies, ...) and every
ServiceProfile with them. While pods outside the control plane's namespace are still meshed,
uninstall refuses and names them; uninject them first, or give --force.

Flags:
  -L, --linkerd-namespace NS  the control plane's namespace (default linkerd)
  -f, --force                 print the objects even while meshed pods remain
      --kubeconfig FILE       kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
      --context NAME          kubeconfig context to use (default: its current context)
  -o, --output FORMAT         yaml (default) or json (a v1 List)
  -h, --help                  show this help
`;

export async function uninstallCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    'linkerd-namespace': { type: 'string', short: 'L' }, force: { type: 'boolean', short: 'f' },
    kubeconfig: { type: 'string' }, context: { type: 'string' }, output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(uninstallHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const namespace = values['linkerd-namespace'] ?? 'linkerd';
  if (!isDnsLabel(namespace)) throw new UsageError(`--linkerd-namespace must be a DNS label; got ${JSON.stringify(namespace)}`);
  const format = oneOf<OutputFormat>('--output', values.output, outputFormats, 'yaml');
  const refs = uninstallRefs(namespace, crdManifests(namespace));
  try {
    const cluster = connectCluster({ kubeconfig: values.kubeconfig, context: values.context });
    if (values.force !== true) {
      const pods = await injectedPods(cluster, namespace);
      if (pods.length > 0) {
        io.err(`Please uninject the following pods before uninstalling the control-plane:\n${pods.map((pod) => `\t* ${pod}\n`).join('')}`
          + 'Or run `sinew uninstall --force` to uninstall anyway; their proxies will stop working.\n');
        return 1;
      }
    }
    const existing = await existingObjects(cluster, refs);
    if (existing.length === 0) {
      io.err(`Nothing to uninstall: no Sinew control plane in namespace ${namespace} and no Sinew CRDs.\n`);
      return 0;
    }
    io.out(renderManifests(existing, format));
    return 0;
  } catch (error) {
    if (!(error instanceof ClusterAccessError)) throw error;
    io.err(`Unable to uninstall: cannot read the Kubernetes cluster:\n\n${error.message}\n`);
    return 1;
  }
}
