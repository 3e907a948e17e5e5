/**
 * What `sinew install` and `sinew uninstall` ask the API server before they print anything: are
 * the CRDs installed, which pods are still meshed, which of the control plane's objects exist.
 *
 * Contract: reads only (GET and paginated LIST); every request has a deadline. A cluster that
 * cannot be reached, or answers with an error other than 404, is a `ClusterAccessError` saying
 * which request failed and why; 404 means "not there" and is an answer, not an error. Replies are
 * parsed with zod (they are untrusted input) down to the fields read.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig as loadSharedKubeConfig } from '../informers/kube-config.js';
import { z } from 'zod';
import { type ApiClient, kubeApiClient, parseJson, readBody } from '../informers/api-client.js';
import type { CrdRequirement } from './crd-manifests.js';
import { labelNames, type ObjectRef } from './manifest.js';

export class ClusterAccessError extends Error {
  override readonly name = 'ClusterAccessError';
}

export interface ClusterOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly timeoutMs?: number;
}

export interface Cluster {
  /** GETs a path: the parsed body, or undefined on 404. */
  get(path: string, query?: Readonly<Record<string, string>>): Promise<unknown>;
}

export function loadKubeConfig(options: ClusterOptions): KubeConfig {
  try {
    return loadSharedKubeConfig(options);
  } catch (error) {
    throw new ClusterAccessError((error as Error).message);
  }
}

const statusSchema = z.object({ message: z.string() });

export function connectCluster(options: ClusterOptions): Cluster {
  let client: ApiClient;
  try {
    client = kubeApiClient(loadKubeConfig(options));
  } catch (error) {
    throw error instanceof ClusterAccessError ? error : new ClusterAccessError((error as Error).message);
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async get(path, query = {}) {
      let status: number;
      let text: string;
      try {
        const response = await client.get(path, query, AbortSignal.timeout(timeoutMs));
        status = response.status;
        text = await readBody(response.body, 64 * 1024 * 1024);
      } catch (error) {
        throw new ClusterAccessError(`GET ${path}: ${(error as Error).message}`);
      }
      if (status === 404) return undefined;
      if (status !== 200) {
        const message = statusSchema.safeParse(safeJson(text));
        throw new ClusterAccessError(`GET ${path}: HTTP ${status}${message.success ? `: ${message.data.message}` : ''}`);
      }
      try {
        return parseJson(text, `GET ${path}`);
      } catch (error) {
        throw new ClusterAccessError((error as Error).message);
      }
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const crdSchema = z.object({ spec: z.object({ versions: z.array(z.object({ name: z.string(), served: z.boolean().optional() })) }) });

/** What is wrong with the cluster's CRDs (`missing X`, `CRD X does not serve version V`); empty when all are there. */
export async function crdProblems(cluster: Cluster, requirements: readonly CrdRequirement[]): Promise<string[]> {
  const problems: string[] = [];
  for (const requirement of requirements) {
    const body = await cluster.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(requirement.name)}`);
    if (body === undefined) {
      problems.push(`missing ${requirement.name}`);
      continue;
    }
    const parsed = crdSchema.safeParse(body);
    if (!parsed.success) throw new ClusterAccessError(`the API server's CustomResourceDefinition ${requirement.name} has no spec.versions`);
    if (!parsed.data.spec.versions.some((version) => version.name === requirement.version && version.served !== false)) {
      problems.push(`CRD ${requirement.name} does not serve version ${requirement.version}`);
    }
  }
  return problems;
}

const podListSchema = z.object({
  metadata: z.object({ continue: z.string().optional() }).optional(),
  items: z.array(z.object({ metadata: z.object({ name: z.string(), namespace: z.string() }) })).nullable(),
});

/** `namespace/name` of every pod with a proxy of any control plane, outside `controlPlaneNamespace`. */
export async function injectedPods(cluster: Cluster, controlPlaneNamespace: string): Promise<string[]> {
  const pods: string[] = [];
  let token: string | undefined;
  do {
    const query: Record<string, string> = { labelSelector: labelNames.controlPlaneNs, limit: '500', ...(token === undefined ? {} : { continue: token }) };
    const parsed = podListSchema.safeParse(await cluster.get('/api/v1/pods', query));
    if (!parsed.success) throw new ClusterAccessError('the API server\'s pod list is not a PodList');
    for (const pod of parsed.data.items ?? []) {
      if (pod.metadata.namespace !== controlPlaneNamespace) pods.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
    }
    token = parsed.data.metadata?.continue || undefined;
  } while (token !== undefined);
  return pods.sort();
}

const pluralByKind: Readonly<Record<string, string>> = {
  Namespace: 'namespaces', ServiceAccount: 'serviceaccounts', ConfigMap: 'configmaps', Secret: 'secrets', Service: 'services',
  ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Deployment: 'deployments',
  PodDisruptionBudget: 'poddisruptionbudgets', MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations', CustomResourceDefinition: 'customresourcedefinitions',
};

/** The API path of one object of a kind `sinew install` renders. */
export function objectPath(ref: ObjectRef): string {
  const plural = pluralByKind[ref.kind];
  if (plural === undefined) throw new ClusterAccessError(`no API path known for kind ${ref.kind}`);
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const namespace = ref.metadata.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(ref.metadata.namespace)}`;
  return `${base}${namespace}/${plural}/${encodeURIComponent(ref.metadata.name)}`;
}

/** The objects among `refs` that exist in the cluster, in the order given. */
export async function existingObjects(cluster: Cluster, refs: readonly ObjectRef[]): Promise<ObjectRef[]> {
  const found = await Promise.all(refs.map(async (ref) => ((await cluster.get(objectPath(ref))) === undefined ? undefined : ref)));
  return found.filter((ref): ref is ObjectRef => ref !== undefined);
}
