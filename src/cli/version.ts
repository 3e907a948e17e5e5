/**
 * `sinew version`: the client's version, and the control plane's as the cluster records it
 * (`unavailable` when no control plane answers within a few seconds: no kubeconfig, no cluster, no
 * control plane installed).
 */
import { type ClusterReader, clusterReader } from '../check/cluster-reader.js';
import { loadKubeConfig } from '../informers/kube-config.js';
import { readServerVersion } from '../check/server-version.js';
import { kubeApiClient } from '../informers/api-client.js';
import { parse } from './args.js';
import { sinewVersion } from './sinew-version.js';
import { UsageError } from './usage-error.js';

export const versionHelp = `Usage: sinew version [flags]

Prints the version of this sinew binary (Client version) and of the control plane installed in the
cluster (Server version, or "unavailable" when none answers).

Flags:
      --client                   print the client version only (no cluster needed)
      --short                    print the version numbers only, one a line
      --kubeconfig FILE          the kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)
      --context NAME             the kubeconfig context to use
  -L, --linkerd-namespace NS     the control-plane namespace (default linkerd)
  -h, --help                     show this help
`;

export const unavailableVersion = 'unavailable';

/** What tests replace: the cluster connection and how long to wait for it. */
export interface VersionRuntime {
  readonly connect?: () => ClusterReader;
  /** Default 5 s. */
  readonly timeoutMs?: number;
}

/** The control plane's version, or `unavailable` when it cannot be read within `timeoutMs`. */
export async function serverVersion(connect: () => ClusterReader, namespace: string, timeoutMs: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(unavailableVersion), timeoutMs);
  });
  const read = (async () => {
    try {
      return await readServerVersion(connect(), namespace, signal);
    } catch {
      return unavailableVersion;
    }
  })();
  try {
    return await Promise.race([read, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export async function versionCommand(argv: readonly string[], out: (text: string) => void, runtime: VersionRuntime = {}): Promise<number> {
  const { values, positionals } = parse(argv, {
    short: { type: 'boolean' },
    client: { type: 'boolean' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    'linkerd-namespace': { type: 'string', short: 'L' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    out(versionHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const short = values.short === true;
  const client = `v${sinewVersion()}`;
  out(short ? `${client}\n` : `Client version: ${client}\n`);
  if (values.client === true) return 0;
  const connect = runtime.connect
    ?? (() => clusterReader(kubeApiClient(loadKubeConfig({ kubeconfig: values.kubeconfig, context: values.context }))));
  const server = await serverVersion(connect, values['linkerd-namespace'] ?? 'linkerd', runtime.timeoutMs ?? 5000);
  out(short ? `${server}\n` : `Server version: ${server}\n`);
  return 0;
}
