/**
 * The Prometheus scrape job for the proxies, as Linkerd-viz configures it and as the metrics API's
 * queries expect its labels: kubernetes_sd (role pod) keeps `Pending`/`Running` pods' `linkerd-proxy`
 * container port `linkerd-admin` on pods labelled `linkerd.io/control-plane-ns=<control plane>`,
 * and labels every series `namespace`, `pod`, `k8s_job` (from `linkerd.io/proxy-job`), `deployment`,
 * `statefulset`, … (from `linkerd.io/proxy-<kind>`), then every other pod label with `linkerd.io/`
 * dropped from its name. The embedded metrics API (scrape-labels.ts) attaches the same labels.
 *
 * `sinew viz install` renders this job into `prometheus.yml`; the viz tests run Debian's Prometheus
 * with it, pointed at the fake API server through `kubernetesSd` (api_server, kubeconfig_file).
 */

export interface ProxyScrapeJobOptions {
  /** The control plane's namespace: only proxies labelled with it are scraped (default linkerd). */
  readonly controlPlaneNamespace?: string;
  /** Extra fields of the kubernetes_sd_configs entry (`api_server`, `kubeconfig_file`, `namespaces`). */
  readonly kubernetesSd?: Readonly<Record<string, unknown>>;
  /** A scrape_interval for this job alone (default: the global one). */
  readonly scrapeInterval?: string;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The job's relabelling, in Linkerd-viz's order. */
export function proxyRelabelConfigs(controlPlaneNamespace = 'linkerd'): Record<string, unknown>[] {
  return [
    { source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Pending|Running)', action: 'keep' },
    {
      source_labels: ['__meta_kubernetes_pod_container_name', '__meta_kubernetes_pod_container_port_name', '__meta_kubernetes_pod_label_linkerd_io_control_plane_ns'],
      action: 'keep', regex: `^linkerd-proxy;linkerd-admin;${escapeRegex(controlPlaneNamespace)}$`,
    },
    { source_labels: ['__meta_kubernetes_namespace'], action: 'replace', target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_pod_name'], action: 'replace', target_label: 'pod' },
    { source_labels: ['__meta_kubernetes_pod_label_linkerd_io_proxy_job'], action: 'replace', target_label: 'k8s_job' },
    { action: 'labeldrop', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_job' },
    { action: 'labelmap', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)' },
    { action: 'labeldrop', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)' },
    { action: 'labelmap', regex: '__meta_kubernetes_pod_label_linkerd_io_(.+)' },
    { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)', replacement: '__tmp_pod_label_$1' },
    { action: 'labelmap', regex: '__tmp_pod_label_linkerd_io_(.+)', replacement: '__tmp_pod_label_$1' },
    { action: 'labeldrop', regex: '__tmp_pod_label_linkerd_io_(.+)' },
    { action: 'labelmap', regex: '__tmp_pod_label_(.+)' },
  ];
}

/** The `linkerd-proxy` scrape job as a value, ready for `yaml.stringify`. */
export function proxyScrapeJob(options: ProxyScrapeJobOptions = {}): Record<string, unknown> {
  return {
    job_name: 'linkerd-proxy',
    ...(options.scrapeInterval === undefined ? {} : { scrape_interval: options.scrapeInterval }),
    kubernetes_sd_configs: [{ role: 'pod', ...options.kubernetesSd }],
    relabel_configs: proxyRelabelConfigs(options.controlPlaneNamespace),
  };
}
