/**
 * What `sinew viz check`'s checks read and learn: the options (which namespace, where the metrics
 * API and Prometheus are), the clients for the viz services, and what the namespace check finds
 * (the viz namespace and whether viz runs its own Prometheus) for the checks after it.
 *
 * Contract: as check-facts.ts, a fact is written only by the fatal check that establishes it and
 * read only after it; the service clients are made lazily, once per namespace, never for a check
 * that does not need them.
 */
import type { ServiceClient } from '../viz/service-proxy.js';
import type { CheckFacts, CheckOptions } from './check-facts.js';

/** The names viz installs and the check expects. */
export const vizNames = {
  extensionLabel: 'linkerd.io/extension',
  extensionValue: 'viz',
  externalPrometheusAnnotation: 'viz.linkerd.io/external-prometheus',
  defaultNamespace: 'linkerd-viz',
  /** The Deployments every install runs (each with the ServiceAccount of the same name). */
  deployments: ['metrics-api', 'tap', 'web'] as readonly string[],
  prometheus: 'prometheus',
  prometheusConfig: 'prometheus-config',
  /** The ClusterRoles (and bindings of the same names) every install has, for a viz namespace. */
  clusterRbac: (namespace: string): string[] => [`linkerd-${namespace}-metrics-api`, `linkerd-${namespace}-tap`],
  prometheusRbac: (namespace: string): string => `linkerd-${namespace}-prometheus`,
} as const;

export interface VizCheckOptions extends CheckOptions {
  /** `--viz-namespace`; undefined: the namespace labelled `linkerd.io/extension=viz`. */
  readonly vizNamespace: string | undefined;
  /** `--api-addr`: the metrics API at this URL rather than through the API server. */
  readonly apiAddr: string | undefined;
  /** `--prometheus-addr`: Prometheus at this URL rather than viz's own through the API server. */
  readonly prometheusAddr: string | undefined;
}

/** How the checks reach the viz services. */
export interface VizServices {
  metricsApi(vizNamespace: string): ServiceClient;
  /** viz's Prometheus (or the one at `--prometheus-addr`). */
  prometheus(vizNamespace: string): ServiceClient;
}

export interface VizCheckFacts extends CheckFacts {
  vizNamespace?: string;
  /** The external Prometheus's URL when viz was installed with `--prometheus-url`; null for viz's own. */
  externalPrometheus?: string | null;
}

/** Whether a Prometheus can be asked: viz's own, or any at `--prometheus-addr`. */
export function prometheusReachable(options: VizCheckOptions, facts: VizCheckFacts): boolean {
  return options.prometheusAddr !== undefined || facts.externalPrometheus === null;
}
