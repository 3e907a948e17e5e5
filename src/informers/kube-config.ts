/**
 * The kubeconfig every command talks to the API server through: `--kubeconfig` if given, else what
 * kubectl would use ($KUBECONFIG, ~/.kube/config, in-cluster), with `--context` picking a context.
 *
 * Contract: throws an Error naming the problem (an unreadable file, an unknown context, no cluster)
 * rather than returning a config that cannot reach anything.
 */
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new Error(`cannot load the kubeconfig${options.kubeconfig === undefined ? '' : ` ${options.kubeconfig}`}: ${(error as Error).message}`, { cause: error });
  }
  if (options.context !== undefined) {
    if (config.getContextObject(options.context) === null) {
      const known = config.getContexts().map((context) => context.name).join(', ') || 'none';
      throw new Error(`context "${options.context}" does not exist in the kubeconfig (it has ${known})`);
    }
    config.setCurrentContext(options.context);
  }
  if (config.getCurrentCluster() === null) throw new Error('the kubeconfig names no current cluster');
  return config;
}
