/**
 * The kubeconfig a check or `sinew version` talks through: `--kubeconfig` if given, else what
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

export function loadKubeConfigFor(options: KubeConfigOptions): KubeConfig {
  const config = new KubeConfig();
  if (options.kubeconfig !== undefined) config.loadFromFile(options.kubeconfig);
  else config.loadFromDefault();
  if (options.context !== undefined) {
    if (config.getContextObject(options.context) === null) throw new Error(`context "${options.context}" does not exist in the kubeconfig`);
    config.setCurrentContext(options.context);
  }
  if (config.getCurrentCluster() === null) throw new Error('the kubeconfig names no current cluster');
  return config;
}
