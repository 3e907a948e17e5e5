/**
 * The labels Prometheus gives a proxy's series, computed for the embedded metrics API: the
 * kubernetes_sd meta labels of the pod's `linkerd-proxy` container port `linkerd-admin`, run
 * through the very relabel rules of prometheus-config.ts, then Prometheus' own steps (`job` and
 * `instance`, `__`-labels dropped, a scraped label that clashes with a target label renamed
 * `exported_<name>`, empty labels dropped).
 *
 * Contract: `targetOf` returns undefined for a pod Prometheus would not scrape (not meshed, no
 * `linkerd-admin` port, no IP, not Pending or Running, or another control plane's).
 */
import { proxyRelabelConfigs } from './prometheus-config.js';
import { type Labels, relabel } from './relabel.js';
import { proxyContainerName, type WorkloadPod } from './workloads.js';

export interface ScrapeTarget {
  /** `http://IP:PORT/metrics` */
  readonly url: string;
  /** `namespace/pod`: one target per pod. */
  readonly key: string;
  readonly labels: Labels;
}

/** kubernetes_sd's name for a label key: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}

export function metaLabelsOf(pod: WorkloadPod, adminPort: number): Record<string, string> {
  const host = pod.ip === undefined ? '' : pod.ip.includes(':') ? `[${pod.ip}]` : pod.ip;
  const meta: Record<string, string> = {
    __address__: `${host}:${adminPort}`,
    __scheme__: 'http',
    __metrics_path__: '/metrics',
    job: 'linkerd-proxy',
    __meta_kubernetes_namespace: pod.namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_ip: pod.ip ?? '',
    __meta_kubernetes_pod_phase: pod.phase,
    __meta_kubernetes_pod_container_name: proxyContainerName,
    __meta_kubernetes_pod_container_port_name: 'linkerd-admin',
    __meta_kubernetes_pod_container_port_number: String(adminPort),
    __meta_kubernetes_pod_container_port_protocol: 'TCP',
  };
  for (const [key, value] of Object.entries(pod.labels)) {
    meta[`__meta_kubernetes_pod_label_${sanitizeLabelName(key)}`] = value;
    meta[`__meta_kubernetes_pod_labelpresent_${sanitizeLabelName(key)}`] = 'true';
  }
  return meta;
}

export function targetOf(pod: WorkloadPod, controlPlaneNamespace = 'linkerd'): ScrapeTarget | undefined {
  const adminPort = pod.proxyPorts['linkerd-admin'];
  if (!pod.meshed || adminPort === undefined || pod.ip === undefined) return undefined;
  const meta = metaLabelsOf(pod, adminPort);
  const relabelled = relabel(meta, proxyRelabelConfigs(controlPlaneNamespace));
  if (relabelled === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(relabelled)) {
    if (!name.startsWith('__') && value !== '') labels[name] = value;
  }
  labels.instance ??= relabelled.__address__ ?? meta.__address__ ?? '';
  return { url: `http://${relabelled.__address__ ?? meta.__address__}/metrics`, key: `${pod.namespace}/${pod.name}`, labels };
}

/** A scraped series' labels with the target's attached, as Prometheus does without honor_labels. */
export function withTargetLabels(scraped: Labels, target: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(scraped)) if (value !== '') out[name] = value;
  for (const [name, value] of Object.entries(target)) {
    const clash = out[name];
    if (clash !== undefined) out[`exported_${name}`] = clash;
    out[name] = value;
  }
  return out;
}
