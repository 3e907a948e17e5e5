/**
 * linkerd-viz: is the viz extension installed and up? Linkerd-viz's checks that apply to Sinew's
 * viz, in its order: the namespace (found by its `linkerd.io/extension=viz` label unless
 * `--viz-namespace` names it), the cluster-wide RBAC, the viz Deployments each with a running pod
 * whose containers are all ready (retried while `--wait` lasts), the pods carrying the proxy,
 * Prometheus (when viz runs its own: its RBAC, its configuration, and it answers ready), and last
 * the metrics API answering a query.
 *
 * Everything but the injection and Prometheus checks is fatal: without the namespace, the RBAC or
 * the pods, nothing after can pass. Prometheus is a warning, as in Linkerd: the metrics API still
 * answers without it, with empty numbers.
 */
import { metricsApiClient } from '../viz/metrics-api-client.js';
import { type Category, SkipCheck } from './checker.js';
import { need } from './check-facts.js';
import type { ClusterReader } from './cluster-reader.js';
import { checkDeploymentPods, listPods } from './linkerd-existence.js';
import { proxyContainer } from './pod-readiness.js';
import { listNames, requirePresent } from './resource-presence.js';
import { namedSchema, parseAs, paths } from './resources.js';
import { type VizCheckFacts, type VizCheckOptions, vizNames, type VizServices } from './viz-facts.js';
import { checkPrometheusReady } from './viz-prometheus.js';

const extensionSelector = `${vizNames.extensionLabel}=${vizNames.extensionValue}`;

/** Finds the viz namespace and learns whether viz runs its own Prometheus. */
export async function findVizNamespace(client: ClusterReader, options: VizCheckOptions, facts: VizCheckFacts, signal: AbortSignal): Promise<void> {
  let namespace: unknown;
  if (options.vizNamespace !== undefined) {
    namespace = await client.get(paths.namespace(options.vizNamespace), signal);
    if (namespace === undefined) throw new Error(`The "${options.vizNamespace}" namespace does not exist`);
  } else {
    const labelled = await client.list('/api/v1/namespaces', signal, extensionSelector);
    if (labelled.length === 0) throw new Error(`could not find the linkerd-viz extension: no namespace is labelled ${extensionSelector}`);
    namespace = labelled[0];
  }
  const metadata = parseAs(namedSchema, namespace, 'the viz namespace').metadata;
  facts.vizNamespace = metadata.name;
  facts.externalPrometheus = metadata.annotations?.[vizNames.externalPrometheusAnnotation] ?? null;
}

/** For each Deployment, a running pod with every container ready; a missing Deployment is named. */
async function checkInjected(client: ClusterReader, namespace: string, signal: AbortSignal): Promise<void> {
  const pods = await listPods(client, namespace, signal, extensionSelector);
  if (pods.length === 0) throw new Error(`No viz pods found in the "${namespace}" namespace`);
  const plain = pods.filter((pod) => proxyContainer(pod) === undefined).map((pod) => pod.metadata.name).sort();
  if (plain.length > 0) throw new Error(`These viz pods have no "linkerd-proxy" container (is the proxy injector running?): ${plain.join(', ')}`);
}

async function checkPrometheus(client: ClusterReader, services: VizServices, namespace: string, signal: AbortSignal): Promise<void> {
  const rbac = [vizNames.prometheusRbac(namespace)];
  requirePresent('ClusterRoles', await listNames(client, paths.clusterRoles, signal, extensionSelector), rbac);
  requirePresent('ClusterRoleBindings', await listNames(client, paths.clusterRoleBindings, signal, extensionSelector), rbac);
  if (await client.get(paths.configMap(namespace, vizNames.prometheusConfig), signal) === undefined) {
    throw new Error(`configmaps "${vizNames.prometheusConfig}" not found in the "${namespace}" namespace`);
  }
  await checkPrometheusReady(services.prometheus(namespace), signal);
}

export function vizExtensionChecks(options: VizCheckOptions, facts: VizCheckFacts, services: VizServices): Category {
  const client = () => need(facts.client, 'the API client');
  const ns = () => need(facts.vizNamespace, 'the viz namespace');
  const ownPrometheus = () => need(facts.externalPrometheus, 'where Prometheus is') === null;
  let metricsApi: ReturnType<typeof metricsApiClient> | undefined;
  return {
    id: 'linkerd-viz',
    checkers: [
      {
        description: 'linkerd-viz Namespace exists', hintAnchor: 'l5d-viz-ns-exists', fatal: true,
        run: (signal) => findVizNamespace(client(), options, facts, signal),
      },
      {
        description: 'linkerd-viz ClusterRoles exist', hintAnchor: 'l5d-viz-cr-exists', fatal: true,
        run: async (signal) => requirePresent('ClusterRoles', await listNames(client(), paths.clusterRoles, signal, extensionSelector), vizNames.clusterRbac(ns())),
      },
      {
        description: 'linkerd-viz ClusterRoleBindings exist', hintAnchor: 'l5d-viz-crb-exists', fatal: true,
        run: async (signal) => requirePresent('ClusterRoleBindings', await listNames(client(), paths.clusterRoleBindings, signal, extensionSelector), vizNames.clusterRbac(ns())),
      },
      {
        description: 'viz extension pods are running', hintAnchor: 'l5d-viz-pods-running', fatal: true, retry: true, surfaceErrorOnRetry: true,
        run: (signal) => checkDeploymentPods(client(), ns(), [...vizNames.deployments, ...(ownPrometheus() ? [vizNames.prometheus] : [])], signal),
      },
      {
        description: 'linkerd-viz pods are injected', hintAnchor: 'l5d-viz-pods-injection', warning: true,
        run: (signal) => checkInjected(client(), ns(), signal),
      },
      {
        description: 'prometheus is installed and configured correctly', hintAnchor: 'l5d-viz-prometheus', warning: true, retry: true, surfaceErrorOnRetry: true,
        run: async (signal) => {
          if (!ownPrometheus()) throw new SkipCheck('viz was installed with an external Prometheus');
          await checkPrometheus(client(), services, ns(), signal);
        },
      },
      {
        description: 'can initialize the client', hintAnchor: 'l5d-viz-existence-client', fatal: true,
        run: async () => {
          metricsApi = metricsApiClient(services.metricsApi(ns()));
        },
      },
      {
        description: 'viz extension self-check', hintAnchor: 'l5d-api-control-api', fatal: true, retry: true,
        run: async () => {
          const answer = await need(metricsApi, 'the metrics API client').namespaces();
          if (answer.namespaces.length === 0) throw new Error('the metrics API knows no namespace yet');
        },
      },
    ],
  };
}
