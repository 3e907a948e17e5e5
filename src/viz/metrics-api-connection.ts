/**
 * How the CLI reaches the metrics API: directly at `--api-addr URL`, or through the Kubernetes API
 * server's service proxy to `svc/metrics-api:8085` in the viz namespace with the kubeconfig
 * (`--kubeconfig`, `--context`); and which namespace a command means when `-n` is not given (the
 * kubeconfig context's namespace, else `default`).
 *
 * Contract: a kubeconfig that cannot be loaded throws an Error naming it, only when it is needed
 * (with `--api-addr` and `-n` no kubeconfig is read).
 */
import { loadKubeConfig } from '../informers/kube-config.js';
import { metricsApiClient, metricsApiService } from './metrics-api-client.js';
import type { MetricsApi } from './metrics-api-types.js';
import { serviceClient } from './service-proxy.js';

export interface ApiConnectionFlags {
  readonly apiAddr?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly vizNamespace?: string | undefined;
}

export const apiConnectionHelp = `      --api-addr URL            the metrics API's address (default: through the Kubernetes API server)
      --kubeconfig FILE         kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)
      --context NAME            the kubeconfig context to use
      --viz-namespace NS        the viz extension's namespace (default linkerd-viz)`;

export const apiConnectionOptions = {
  'api-addr': { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' }, 'viz-namespace': { type: 'string' },
} as const;

export function connectMetricsApi(flags: ApiConnectionFlags): MetricsApi {
  if (flags.apiAddr !== undefined) return metricsApiClient(serviceClient({ kind: 'direct', url: flags.apiAddr }));
  const kubeConfig = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
  return metricsApiClient(serviceClient({
    kind: 'kube', kubeConfig, namespace: flags.vizNamespace ?? 'linkerd-viz', service: metricsApiService.service, port: metricsApiService.port,
  }));
}

/** `-n`, else the kubeconfig context's namespace, else `default`. */
export function defaultNamespace(given: string | undefined, flags: ApiConnectionFlags): string {
  if (given !== undefined) return given;
  if (flags.apiAddr !== undefined && flags.kubeconfig === undefined) return 'default';
  try {
    const config = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
    return config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
  } catch {
    return 'default';
  }
}
