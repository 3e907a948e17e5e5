/**
 * linkerd-existence: is the control plane there and up? Its `linkerd-config` ConfigMap, its
 * ReplicaSets without failures, no pod the scheduler cannot place, and for each control-plane
 * Deployment a running pod whose containers are all ready. The readiness checks are retried while
 * `--wait` lasts: right after an install they are expected to fail for a while.
 */
import { parse as parseYaml } from 'yaml';
import type { Category } from './checker.js';
import { type CheckFacts, type CheckOptions, need } from './check-facts.js';
import type { ClusterReader } from './cluster-reader.js';
import { controlPlaneDeployments, linkerdConfigMap } from './control-plane-names.js';
import { podNotReadyReason } from './pod-readiness.js';
import { configMapSchema, deploymentSchema, parseAs, paths, type Pod, podSchema, replicaSetSchema } from './resources.js';

export async function checkLinkerdConfigMap(client: ClusterReader, namespace: string, signal: AbortSignal): Promise<void> {
  const object = await client.get(paths.configMap(namespace, linkerdConfigMap), signal);
  if (object === undefined) throw new Error(`configmaps "${linkerdConfigMap}" not found`);
  const values = parseAs(configMapSchema, object, `configmap ${linkerdConfigMap}`).data?.values;
  if (values === undefined) return;
  try {
    parseYaml(values);
  } catch (error) {
    throw new Error(`configmap ${linkerdConfigMap}: the values key is not YAML: ${(error as Error).message}`, { cause: error });
  }
}

export async function listPods(client: ClusterReader, namespace: string | undefined, signal: AbortSignal, labelSelector?: string): Promise<Pod[]> {
  const items = await client.list(paths.pods(namespace), signal, labelSelector);
  return items.map((item) => parseAs(podSchema, item, 'a pod'));
}

/** For each control-plane Deployment, a running pod with every container ready. */
/** Each named Deployment exists and has a running pod that is ready (the control plane's, viz's). */
export async function checkDeploymentPods(client: ClusterReader, namespace: string, names: readonly string[], signal: AbortSignal): Promise<void> {
  for (const name of names) {
    const object = await client.get(paths.deployment(namespace, name), signal);
    if (object === undefined) throw new Error(`deployments.apps "${name}" not found in the "${namespace}" namespace`);
    const matchLabels = parseAs(deploymentSchema, object, `deployment ${name}`).spec.selector.matchLabels ?? {};
    const selector = Object.entries(matchLabels).map(([key, value]) => `${key}=${value}`).join(',');
    const running = (selector === '' ? [] : await listPods(client, namespace, signal, selector)).filter((pod) => pod.status?.phase === 'Running');
    if (running.length === 0) throw new Error(`No running pods for "${name}"`);
    const reasons = running.map(podNotReadyReason);
    if (!reasons.includes(undefined)) throw new Error(reasons[0] as string);
  }
}

async function checkReplicaSets(client: ClusterReader, namespace: string, signal: AbortSignal): Promise<void> {
  const failures = (await client.list(paths.replicaSets(namespace), signal))
    .map((item) => parseAs(replicaSetSchema, item, 'a replica set'))
    .flatMap((rs) => (rs.status?.conditions ?? []).filter((c) => c.type === 'ReplicaFailure' && c.status === 'True')
      .map((c) => `${rs.metadata.name}: ${c.reason ?? ''}: ${c.message ?? ''}`));
  if (failures.length > 0) throw new Error(failures.join('\n    '));
}

async function checkUnschedulable(client: ClusterReader, namespace: string, signal: AbortSignal): Promise<void> {
  const unschedulable = (await listPods(client, namespace, signal))
    .flatMap((pod) => (pod.status?.conditions ?? []).filter((c) => c.reason === 'Unschedulable').map((c) => `${pod.metadata.name}: ${c.message ?? ''}`));
  if (unschedulable.length > 0) throw new Error(unschedulable.join('\n    '));
}

export function linkerdExistenceChecks(options: CheckOptions, facts: CheckFacts): Category {
  const ns = options.controlPlaneNamespace;
  const client = () => need(facts.client, 'the API client');
  return {
    id: 'linkerd-existence',
    checkers: [
      {
        description: "'linkerd-config' config map exists", hintAnchor: 'l5d-existence-linkerd-config', fatal: true,
        run: (signal) => checkLinkerdConfigMap(client(), ns, signal),
      },
      {
        description: 'control plane replica sets are ready', hintAnchor: 'l5d-existence-replicasets', fatal: true, retry: true,
        run: (signal) => checkReplicaSets(client(), ns, signal),
      },
      {
        description: 'no unschedulable pods', hintAnchor: 'l5d-existence-unschedulable-pods', warning: true, retry: true, surfaceErrorOnRetry: true,
        run: (signal) => checkUnschedulable(client(), ns, signal),
      },
      {
        description: 'control plane pods are ready', hintAnchor: 'l5d-api-control-ready', fatal: true, retry: true, surfaceErrorOnRetry: true,
        run: (signal) => checkDeploymentPods(client(), ns, controlPlaneDeployments, signal),
      },
    ],
  };
}
