/**
 * The `prometheus.yml` viz installs, as Linkerd-viz configures its Prometheus: every 10 s it
 * scrapes itself, the control-plane components' admin servers (their `admin-http` container ports,
 * labelled `component` with the container's name), and every proxy of this control plane with
 * the `linkerd-proxy` job the metrics API's queries are written against (src/viz/prometheus-config.ts:
 * Linkerd-viz's relabelling to `namespace`, `pod`, `deployment`, ...). Pods are discovered
 * in-cluster (kubernetes_sd, role pod), which is what the Prometheus ServiceAccount's RBAC is
 * derived from (`discoveryRoles`).
 */
import { stringify } from 'yaml';
import { proxyScrapeJob } from '../viz/prometheus-config.js';

export interface PrometheusConfigOptions {
  readonly controlPlaneNamespace: string;
  readonly scrapeInterval: string;
}

function controllerJob(options: PrometheusConfigOptions): Record<string, unknown> {
  return {
    job_name: 'linkerd-controller',
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [options.controlPlaneNamespace] } }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], action: 'keep', regex: 'admin-http' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], action: 'replace', target_label: 'component' },
    ],
  };
}

/** The configuration as a value (for tests and for `discoveryRoles`). */
export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: options.scrapeInterval, scrape_timeout: options.scrapeInterval, evaluation_interval: options.scrapeInterval },
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] },
      controllerJob(options),
      proxyScrapeJob({ controlPlaneNamespace: options.controlPlaneNamespace }),
    ],
  };
}

/** `prometheus.yml`'s text. */
export function prometheusConfigYaml(options: PrometheusConfigOptions): string {
  return stringify(prometheusConfig(options), { lineWidth: 0 });
}

/** The kubernetes_sd roles a configuration uses (`pod`, `node`, ...): what Prometheus must list and watch. */
export function discoveryRoles(config: unknown): string[] {
  const jobs = (config as { scrape_configs?: unknown }).scrape_configs;
  const roles = new Set<string>();
  for (const job of Array.isArray(jobs) ? jobs : []) {
    const sd = (job as { kubernetes_sd_configs?: unknown }).kubernetes_sd_configs;
    for (const entry of Array.isArray(sd) ? sd : []) {
      const role = (entry as { role?: unknown }).role;
      if (typeof role === 'string') roles.add(role);
    }
  }
  return [...roles].sort();
}
