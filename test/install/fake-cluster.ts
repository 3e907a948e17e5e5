/**
 * A fake API server that serves the kinds `sinew install` renders, and `kubectl apply` and
 * `kubectl delete` of rendered objects done through its programmatic API.
 */
import path from 'node:path';
import { FakeApiServer } from '../support/fake-api-server.js';
import { DEFAULT_RESOURCES, type FakeResource } from '../support/fake-resources.js';
import type { KubeJson } from './install-run.js';

/** Every kind install renders, by `apiVersion kind`. */
export const installResources: Readonly<Record<string, FakeResource>> = Object.fromEntries(([
  ['', 'v1', 'namespaces', 'Namespace', false],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true],
  ['', 'v1', 'configmaps', 'ConfigMap', true],
  ['', 'v1', 'secrets', 'Secret', true],
  ['', 'v1', 'services', 'Service', true],
  ['', 'v1', 'pods', 'Pod', true],
  ['rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false],
  ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false],
  ['apps', 'v1', 'deployments', 'Deployment', true],
  ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true],
  ['admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false],
  ['admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false],
] as const).map(([group, version, plural, kind, namespaced]) => [
  `${group === '' ? version : `${group}/${version}`} ${kind}`, { group, version, plural, kind, namespaced },
]));

export async function startInstallCluster(): Promise<FakeApiServer> {
  return FakeApiServer.start({ resources: [...DEFAULT_RESOURCES, ...Object.values(installResources)] });
}

function resourceOf(object: KubeJson): FakeResource {
  const resource = installResources[`${object.apiVersion} ${object.kind}`];
  if (resource === undefined) throw new Error(`the fake cluster does not serve ${object.apiVersion} ${object.kind}`);
  return resource;
}

/** `kubectl apply -f -` of these objects. */
export function apply(server: FakeApiServer, objects: readonly KubeJson[]): void {
  for (const object of objects) server.apply(resourceOf(object), object);
}

/** `kubectl delete -f -` of these objects; every one must exist. */
export function remove(server: FakeApiServer, objects: readonly KubeJson[]): void {
  for (const object of objects) {
    if (server.delete(resourceOf(object), object.metadata.namespace, object.metadata.name) === undefined) {
      throw new Error(`${object.kind}/${object.metadata.name} was not there to delete`);
    }
  }
}

/** `kind/namespace/name` of every object of the install's kinds in the cluster. */
export function installedObjects(server: FakeApiServer): string[] {
  return Object.values(installResources).filter((resource) => resource.plural !== 'pods').flatMap((resource) => server.list(resource).map((object) => {
    const metadata = object['metadata'] as { name: string; namespace?: string };
    return [resource.kind, metadata.namespace, metadata.name].filter((part) => part !== undefined).join('/');
  })).sort();
}

export function kubeconfigFor(server: FakeApiServer, dir: string): string {
  const file = path.join(dir, 'kubeconfig');
  server.writeKubeconfig(file);
  return file;
}

export function meshedPod(namespace: string, name: string, controlPlaneNamespace = 'linkerd'): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: { 'linkerd.io/control-plane-ns': controlPlaneNamespace, app: name } },
    spec: { containers: [{ name: 'app', image: 'app' }, { name: 'linkerd-proxy', image: 'proxy' }] },
  };
}
