/**
 * `sinew viz install`: prints the manifests of the viz extension, for `kubectl apply -f -`.
 *
 * Unless `--ignore-cluster`, the API server is asked first: viz is refused while no control plane
 * is installed in the `-L` namespace, and takes the control plane's cluster and trust domains and
 * its trust anchors (which the tap server needs to verify identity and the proxies). With
 * `--ignore-cluster`, the anchors come from `--identity-trust-anchors-file` (which also overrides
 * the cluster's). Hints go to stderr, manifests to stdout.
 */
import { ClusterAccessError, connectCluster } from '../install/cluster-access.js';
import { InstallFlagError } from '../install/install-flags.js';
import { type OutputFormat, outputFormats, renderManifests } from '../install/render.js';
import { installedControlPlane, VizClusterError } from '../install/viz-cluster.js';
import { type ControlPlaneFacts, vizSettingFlags, type VizSettingValues, vizValuesFromFlags } from '../install/viz-flags.js';
import { vizManifests } from '../install/viz-manifests.js';
import type { VizValues } from '../install/viz-values.js';
import { vizNamespace as defaultVizNamespace } from '../inject/proxy-env.js';
import { readTrustAnchors, TrustAnchorError } from '../identity/trust-anchors.js';
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';
import { sinewVersion } from './sinew-version.js';

export const vizInstallHelp = `Usage: sinew viz install [flags]

Prints the Kubernetes manifests of the viz extension (Prometheus, the metrics API, tap and the
dashboard) for kubectl to apply, once the control plane is installed:

  sinew viz install | kubectl apply -f -

Unless --ignore-cluster is given, the API server (from the kubeconfig) is asked first for the
control plane's domains and trust anchors; viz is not rendered without a control plane.

Flags:
      --viz-namespace NS            the extension's namespace (default linkerd-viz)
  -L, --linkerd-namespace NS        the control plane's namespace (default linkerd)
      --ha                          high availability: 3 replicas of the metrics API, tap and web, pod
                                    anti-affinity, PodDisruptionBudgets, Linkerd-viz's HA resources
      --prometheus-url URL          use this Prometheus instead of installing one
      --image IMAGE                 the sinew image (default ghcr.io/sinew-mesh/sinew:<version>;
                                    a tag-less name gets <version>)
      --image-pull-policy POLICY    Always, IfNotPresent (default) or Never
      --prometheus-image IMAGE      default prom/prometheus:v2.55.1
      --cluster-domain DOMAIN       default: the control plane's (cluster.local)
      --identity-trust-domain DOMAIN
                                    default: the control plane's (the cluster domain)
      --identity-trust-anchors-file FILE
                                    the control plane's trust anchors (PEM); default: read from the
                                    cluster; required with --ignore-cluster
      --dashboard-enforced-host REGEX
                                    Host headers the dashboard accepts (default: localhost and the
                                    web Service's names)
      --ignore-cluster              render without asking the API server
      --kubeconfig FILE             kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
      --context NAME                kubeconfig context to use (default: its current context)
  -o, --output FORMAT               yaml (default) or json (a v1 List)
  -h, --help                        show this help
`;

const flags = {
  ...vizSettingFlags,
  'identity-trust-anchors-file': { type: 'string' },
  'ignore-cluster': { type: 'boolean' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

function valuesOf(flagValues: VizSettingValues, version: string, controlPlane: ControlPlaneFacts): VizValues {
  try {
    return vizValuesFromFlags(flagValues, version, controlPlane);
  } catch (error) {
    if (error instanceof InstallFlagError) throw new UsageError(error.message);
    throw error;
  }
}

function anchorsFromFile(file: string): string {
  try {
    return readTrustAnchors(file).pem;
  } catch (error) {
    if (error instanceof TrustAnchorError) throw new UsageError(`--identity-trust-anchors-file: ${error.message}`);
    throw error;
  }
}

type ClusterAnswer = { readonly facts: ControlPlaneFacts; readonly trustAnchorsPem: string } | { readonly refusal: string };

async function askCluster(values: { kubeconfig?: string | undefined; context?: string | undefined }, namespace: string): Promise<ClusterAnswer> {
  try {
    const cluster = connectCluster({ kubeconfig: values.kubeconfig, context: values.context });
    const controlPlane = await installedControlPlane(cluster, namespace);
    if (controlPlane === undefined) {
      return {
        refusal: `Cannot find the Sinew control plane in the '${namespace}' namespace (no ConfigMap/linkerd-config).\n`
          + 'Install it first: sinew install | kubectl apply -f -\n',
      };
    }
    return { facts: controlPlane, trustAnchorsPem: controlPlane.trustAnchorsPem };
  } catch (error) {
    if (error instanceof ClusterAccessError) {
      return {
        refusal: `Unable to install the viz extension. Cannot connect to the Kubernetes cluster:\n\n${error.message}\n\n`
          + 'You can use the --ignore-cluster flag (with --identity-trust-anchors-file) if you just want to generate the installation config.\n',
      };
    }
    if (error instanceof VizClusterError) return { refusal: `Unable to install the viz extension: ${error.message}\n` };
    throw error;
  }
}

export async function vizInstallCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, flags);
  if (values.help === true) {
    io.out(vizInstallHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const format = oneOf<OutputFormat>('--output', values.output, outputFormats, 'yaml');
  const version = `v${sinewVersion()}`;
  const anchorsFile = values['identity-trust-anchors-file'];
  const fileAnchors = anchorsFile === undefined ? undefined : anchorsFromFile(anchorsFile);
  const checked = valuesOf(values, version, {});
  let facts: ControlPlaneFacts = {};
  let trustAnchorsPem: string;
  if (values['ignore-cluster'] === true) {
    if (fileAnchors === undefined) {
      throw new UsageError('--ignore-cluster needs --identity-trust-anchors-file: the tap server must trust the control plane\'s anchors, which are otherwise read from the cluster');
    }
    trustAnchorsPem = fileAnchors;
  } else {
    const answer = await askCluster(values, checked.controlPlaneNamespace);
    if ('refusal' in answer) {
      io.err(answer.refusal);
      return 1;
    }
    facts = answer.facts;
    trustAnchorsPem = fileAnchors ?? answer.trustAnchorsPem;
  }
  const settings = valuesOf(values, version, facts);
  io.out(renderManifests(vizManifests(settings, trustAnchorsPem), format));
  io.err(`Rendering the Sinew viz extension in namespace ${settings.namespace}...\n`);
  if (settings.namespace !== defaultVizNamespace) {
    io.err(`Warning: the proxies accept tap only from tap.${defaultVizNamespace}.serviceaccount.identity.${settings.controlPlaneNamespace}.${settings.identityTrustDomain}, `
      + `so \`sinew viz tap\` and \`viz top\` will be refused by them with the tap server in ${settings.namespace}.\n`);
  }
  io.err('Next, run `sinew viz check` to wait until it is ready.\n\n');
  return 0;
}
