/**
 * `sinew install`: prints the manifests that install Sinew, for `kubectl apply -f -`.
 *
 * `--crds` prints the CustomResourceDefinitions; without it, the control plane (generating a trust
 * anchor and issuer unless the operator's three identity files are given). Unless
 * `--ignore-cluster`, the API server is asked first: the control plane is refused, with Linkerd's
 * hint, while the CRDs are not installed or a control plane is already there. Hints go to stderr,
 * manifests to stdout. The X.509 modules are loaded only when certificates are made.
 */
import { type Cluster, ClusterAccessError, connectCluster, crdProblems } from '../install/cluster-access.js';
import { controlPlaneManifests } from '../install/control-plane-manifests.js';
import { crdManifests, crdRequirements } from '../install/crd-manifests.js';
import type { IdentityFiles } from '../install/identity-certificates.js';
import {
  identityFilesFromFlags, InstallFlagError, installSettingFlags, type InstallSettingValues, installValuesFromFlags,
} from '../install/install-flags.js';
import type { InstallValues } from '../install/install-values.js';
import { type OutputFormat, outputFormats, renderManifests } from '../install/render.js';
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';
import { sinewVersion } from './sinew-version.js';

export const installHelp = `Usage: sinew install [flags]

Prints the Kubernetes manifests that install Sinew. Install the CRDs first, then the control plane:

  sinew install --crds | kubectl apply -f -
  sinew install | kubectl apply -f -

Unless --ignore-cluster is given, the API server (from the kubeconfig) is asked first: the control
plane is not rendered until the CRDs are installed, nor over an existing control plane.

Flags:
      --crds                        print the CRDs instead of the control plane
  -L, --linkerd-namespace NS        the control plane's namespace (default linkerd)
      --ignore-cluster              render without asking the API server
      --kubeconfig FILE             kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
      --context NAME                kubeconfig context to use (default: its current context)
  -o, --output FORMAT               yaml (default) or json (a v1 List)
      --ha                          high availability: 3 replicas of each component, pod
                                    anti-affinity, PodDisruptionBudgets, webhooks failing closed
  -h, --help                        show this help

Control plane:
      --image IMAGE                 the sinew image every component runs (default
                                    ghcr.io/sinew-mesh/sinew:<version>; a tag-less name gets <version>)
      --image-pull-policy POLICY    Always, IfNotPresent (default) or Never
      --controller-replicas N       replicas of each component (default 1, 3 with --ha)
      --controller-log-level LEVEL  debug, info (default), warn or error
      --controller-log-format FMT   plain (default) or json
      --controller-uid UID          user the components run as (default 2103)
      --cluster-domain DOMAIN       the cluster's DNS domain (default cluster.local)
      --cluster-networks CIDRS      comma list of the cluster's networks (default Linkerd's list)

Identity:
      --identity-trust-domain DOMAIN        default: the cluster domain
      --identity-trust-anchors-file FILE    PEM trust anchors (ECDSA P-256 CAs)
      --identity-issuer-certificate-file FILE
                                            PEM issuer certificate (ECDSA P-256 CA chaining to
                                            an anchor), optionally followed by intermediates
      --identity-issuer-key-file FILE       the issuer's private key
                                            (all three, or none: then a new anchor and issuer
                                            are generated, and the anchor's key is not kept)
      --identity-issuance-lifetime DURATION how long proxy certificates last (default 24h0m0s)
      --identity-clock-skew-allowance DURATION
                                            default 20s

Proxy (recorded in linkerd-config for injection):
      --proxy-image IMAGE           default: the --image
      --proxy-log-level FILTER      default warn,linkerd=info,hickory=error
      --proxy-log-format FORMAT     plain (default) or json
      --proxy-uid UID               default 2102
      --admin-port PORT             default 4191
      --control-port PORT           default 4190
      --inbound-port PORT           default 4143
      --outbound-port PORT          default 4140
      --skip-inbound-ports PORTS    ports and ranges the proxy does not intercept (default 4567,4568)
      --skip-outbound-ports PORTS   default 4567,4568
      --opaque-ports PORTS          default 25,587,3306,4444,5432,6379,9300,11211
      --require-identity-on-inbound-ports PORTS
      --default-inbound-policy POLICY
                                    all-unauthenticated (default), all-authenticated,
                                    cluster-unauthenticated, cluster-authenticated, deny or audit
`;

const flags = {
  ...installSettingFlags,
  crds: { type: 'boolean' },
  'ignore-cluster': { type: 'boolean' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function cannotConnectMessage(error: Error): string {
  return `Unable to install the Sinew control plane. Cannot connect to the Kubernetes cluster:\n\n${error.message}\n\n`
    + 'You can use the --ignore-cluster flag if you just want to generate the installation config.\n';
}

export const crdsMissingHint = 'Sinew CRDs must be installed first. Run sinew install with the --crds flag.\n';

/** Why the control plane may not be rendered into this cluster, or undefined when it may. */
async function controlPlaneRefusal(cluster: Cluster, namespace: string, requirements: ReturnType<typeof crdRequirements>): Promise<string | undefined> {
  const problems = await crdProblems(cluster, requirements);
  if (problems.length > 0) return `${crdsMissingHint}(${problems.join(', ')})\n`;
  const config = await cluster.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/linkerd-config`);
  if (config !== undefined) {
    return `Can't install the Sinew control plane in the '${namespace}' namespace. Reason: ConfigMap/linkerd-config already exists.\n`
      + 'To replace it, remove the old one first: sinew uninstall | kubectl delete -f -\n';
  }
  return undefined;
}

function settingsOf(values: InstallSettingValues, version: string): { settings: InstallValues; files: IdentityFiles | undefined } {
  try {
    return { settings: installValuesFromFlags(values, version), files: identityFilesFromFlags(values) };
  } catch (error) {
    if (error instanceof InstallFlagError) throw new UsageError(error.message);
    throw error;
  }
}

export async function installCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, flags);
  if (values.help === true) {
    io.out(installHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const format = oneOf<OutputFormat>('--output', values.output, outputFormats, 'yaml');
  const version = `v${sinewVersion()}`;
  const { settings, files } = settingsOf(values, version);
  const crds = crdManifests(settings.namespace);
  if (values['ignore-cluster'] !== true && values.crds !== true) {
    let refusal: string | undefined;
    try {
      const cluster = connectCluster({ kubeconfig: values.kubeconfig, context: values.context });
      refusal = await controlPlaneRefusal(cluster, settings.namespace, crdRequirements(crds));
    } catch (error) {
      if (!(error instanceof ClusterAccessError)) throw error;
      io.err(cannotConnectMessage(error));
      return 1;
    }
    if (refusal !== undefined) {
      io.err(refusal);
      return 1;
    }
  }
  if (values.crds === true) {
    io.out(renderManifests(crds, format));
    io.err('Rendering Sinew CRDs...\nNext, run `sinew install | kubectl apply -f -` to install the control plane.\n\n');
    return 0;
  }
  const { installMaterial } = await import('../install/certificates.js');
  const material = await installMaterial(settings, files);
  io.out(renderManifests(controlPlaneManifests(settings, material), format));
  io.err(`Rendering the Sinew control plane in namespace ${settings.namespace}...\n`);
  if (material.identity.generated) {
    io.err(`Generated a new trust anchor root.${settings.namespace}.${settings.identityTrustDomain} and issuer identity.${settings.namespace}.${settings.identityTrustDomain}; the anchor's private key is not kept.\n`);
  }
  io.err('Next, run `sinew check` to wait until the control plane is ready.\n\n');
  return 0;
}
