/**
 * What `sinew viz check`'s tests run against: a fake API server holding a control plane and the viz
 * extension as their installs render them, and what a cluster would make of the Deployments: for
 * each one a running pod, built from its template and put through the proxy injector's own code
 * with the namespace's annotations (as the webhook would admit it), every container ready. Debian's
 * Prometheus runs viz's rendered prometheus.yml, its kubernetes_sd (which Debian's build lacks)
 * replaced by file_sd targets carrying the labels kubernetes_sd would give the cluster's pods.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { vizCheckCommand, type VizCheckRuntime } from '../../src/cli/viz-check.js';
import { createdBy, defaultMeshConfig, injectAdmittedPod, type JsonObject } from '../../src/inject/index.js';
import type { FakeApiServer, KubeObject } from '../support/fake-api-server.js';
import { sinewBin } from '../support/control-plane-process.js';
import { freePort, kubernetesSdTargets } from '../support/viz-world.js';

/** `sinew viz check` in-process: its exit code and everything it printed (retries every 50 ms). */
export async function runVizCheck(argv: readonly string[], runtime: VizCheckRuntime = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await vizCheckCommand(argv, { out: (text) => { out += text; }, err: (text) => { out += text; } }, { retryIntervalMs: 50, ...runtime });
  return { code, out };
}

interface Template {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string; image?: string }[]; initContainers?: { name: string; image?: string; restartPolicy?: string }[] };
}

let podCount = 0;

/**
 * A running, ready pod of the Deployment, as the cluster would create it; injected by the webhook's
 * code unless the namespace or the pod says otherwise (a pod the injector skips is created as it is).
 * `podIP` is where its proxy's admin port would be.
 */
export function runPodOf(api: FakeApiServer, deployment: KubeObject, trustAnchorsPem: string, podIP = `127.0.60.${++podCount}`): KubeObject {
  const namespace = deployment.metadata.namespace ?? 'default';
  const template = structuredClone((deployment['spec'] as { template: Template }).template);
  const ns = api.get('namespaces', undefined, namespace);
  const nsAnnotations = ((ns?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations) ?? {};
  const name = `${deployment.metadata.name}-${randomBytes(4).toString('hex')}-${randomBytes(3).toString('hex').slice(0, 5)}`;
  const pod: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name, namespace }, spec: template.spec } as unknown as JsonObject;
  const mesh = defaultMeshConfig({ trustAnchorsPem });
  const admitted = injectAdmittedPod(pod, nsAnnotations, { mesh, createdBy: createdBy('proxy-injector'), namespace });
  const object = (admitted.injected ? admitted.pod : pod) as unknown as { metadata: Record<string, unknown>; spec: Template['spec'] };
  const status = (c: { name: string; image?: string }) => ({ name: c.name, ready: true, started: true, restartCount: 0, image: c.image ?? '' });
  return api.create('pods', {
    ...object,
    status: {
      phase: 'Running', podIP,
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True' })),
      initContainerStatuses: (object.spec.initContainers ?? []).map((c) => (c.restartPolicy === 'Always'
        ? status(c)
        : { ...status(c), ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } })),
      containerStatuses: object.spec.containers.map(status),
    },
  });
}

/** The pods of a Deployment, found by its selector. */
export function podsOf(api: FakeApiServer, deployment: KubeObject): KubeObject[] {
  const selector = (deployment['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
  return api.list('pods').filter((pod) => pod.metadata.namespace === deployment.metadata.namespace
    && Object.entries(selector).every(([key, value]) => (pod.metadata as { labels?: Record<string, string> }).labels?.[key] === value));
}

/** A child process serving HTTP: where, what it printed, and how to stop it (SIGTERM, then SIGKILL after 5 s). */
export interface ServiceProcess {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Waits until `readyUrl(output)` names a URL that answers 200, then hands the process over; a
 * process that exits or takes longer than 30 s is stopped and its output thrown.
 */
async function serveWhenReady(child: ChildProcess, what: string, readyUrl: (output: string) => { base: string; probe: string } | undefined): Promise<ServiceProcess> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const target = readyUrl(output);
    const status = target === undefined ? 0 : await fetch(target.probe, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
    if (target !== undefined && status === 200) return { url: target.base, output: () => output, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${what} did not come up:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Replaces each job's kubernetes_sd with file_sd over `pods` (in the job's namespaces, if it names some). */
function withFileSd(config: Record<string, unknown>, pods: readonly KubeObject[], dir: string): Record<string, unknown> {
  const jobs = (config['scrape_configs'] as Record<string, unknown>[]).map((job, index) => {
    const sd = job['kubernetes_sd_configs'] as { role: string; namespaces?: { names: string[] } }[] | undefined;
    if (sd === undefined) return job;
    const rest = Object.fromEntries(Object.entries(job).filter(([key]) => key !== 'kubernetes_sd_configs'));
    const names = sd[0]?.namespaces?.names;
    const file = path.join(dir, `targets-${index}.json`);
    fs.writeFileSync(file, JSON.stringify(kubernetesSdTargets(pods.filter((pod) => names === undefined || names.includes(pod.metadata.namespace ?? ''))
      .map((pod) => pod as unknown as Record<string, unknown>))));
    return { ...rest, file_sd_configs: [{ files: [file], refresh_interval: '1s' }] };
  });
  return { ...config, scrape_configs: jobs };
}

/**
 * Debian's Prometheus with viz's `prometheus.yml` (from the applied ConfigMap), scraping every
 * second, over the fake cluster's pods as they are now. Resolves once it answers /-/ready.
 */
export async function startVizPrometheus(api: FakeApiServer, vizNamespace: string, dir: string): Promise<ServiceProcess> {
  const configMap = api.get('configmaps', vizNamespace, 'prometheus-config');
  const text = (configMap?.['data'] as Record<string, string> | undefined)?.['prometheus.yml'];
  if (text === undefined) throw new Error(`no prometheus-config ConfigMap in ${vizNamespace}`);
  const config = withFileSd(parseYaml(text) as Record<string, unknown>, api.list('pods'), dir);
  const fast = { ...config, global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' } };
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(fast));
  const port = await freePort();
  const child = spawn('/usr/bin/prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const base = `http://127.0.0.1:${port}`;
  return serveWhenReady(child, 'prometheus with viz\'s configuration', () => ({ base, probe: `${base}/-/ready` }));
}

/** `sinew viz metrics-api` as a process on 127.0.0.1, its workloads from the API server; resolves once it answers /ready. */
export async function startMetricsApiProcess(kubeconfig: string, prometheusUrl: string): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [sinewBin, 'viz', 'metrics-api', '--addr', '127.0.0.1:0', '--source', 'kube', '--kubeconfig', kubeconfig,
    '--prometheus-url', prometheusUrl], { stdio: ['ignore', 'ignore', 'pipe'] });
  return serveWhenReady(child, 'the metrics API', (output) => {
    const port = /metrics API started[^\n]*addr=127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    return port === undefined ? undefined : { base: `http://127.0.0.1:${port}`, probe: `http://127.0.0.1:${port}/ready` };
  });
}
