/**
 * `kubectl apply -f -` against a fake API server: a rendered YAML stream (or a JSON `List`) is
 * split into objects and each is created or replaced. The fake serves the built-in resources a
 * cluster serves (`registerBuiltinResources`), and a CustomResourceDefinition, once applied, makes
 * its kind servable, as the real API server's discovery would after the CRD is established.
 *
 * Contract: objects are applied in document order; a namespaced object without a namespace goes to
 * `default`, as kubectl's context namespace would. An object of a kind nothing serves is an Error
 * naming it (as kubectl's "no matches for kind"), and nothing after it is applied. A CRD is served
 * at its storage version (the fake serves one version per resource). Applying is idempotent.
 * `deleteNamespace` deletes a namespace and everything in it, as the namespace controller does.
 */
import { parseAllDocuments } from 'yaml';
import type { FakeApiServer, FakeResource, KubeObject } from './fake-api-server.js';

/** What a real cluster serves of the kinds an install, its checks and the control plane touch. */
export const builtinResources: readonly FakeResource[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false },
  { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false },
];

interface CrdShape {
  spec?: {
    group?: string;
    scope?: string;
    names?: { plural?: string; kind?: string };
    versions?: { name?: string; storage?: boolean; served?: boolean }[];
  };
}

export class ManifestApplier {
  private readonly served: FakeResource[] = [];

  constructor(private readonly api: FakeApiServer) {}

  /** Serves every built-in resource (call once, before applying). */
  registerBuiltinResources(): this {
    for (const resource of builtinResources) this.serve(resource);
    return this;
  }

  /** The resource serving `apiVersion`/`kind`, or undefined. */
  resourceFor(apiVersion: string, kind: string): FakeResource | undefined {
    return this.served.find((r) => (r.group === '' ? r.version : `${r.group}/${r.version}`) === apiVersion && r.kind === kind);
  }

  /** Applies every object of a YAML stream or JSON document; returns them as stored. */
  apply(text: string): KubeObject[] {
    return objectsOf(text).map((object) => this.applyObject(object));
  }

  applyObject(object: KubeObject): KubeObject {
    const resource = this.resourceFor(object.apiVersion, object.kind);
    if (resource === undefined) throw new Error(`no matches for kind "${object.kind}" in version "${object.apiVersion}" (${object.metadata.name})`);
    const placed = resource.namespaced && (object.metadata.namespace === undefined || object.metadata.namespace === '')
      ? { ...object, metadata: { ...object.metadata, namespace: 'default' } }
      : object;
    const stored = this.api.apply(resource, placed);
    if (object.kind === 'CustomResourceDefinition') this.serveCrd(stored);
    return stored;
  }

  /** Deletes a namespace and every object of a served resource in it. */
  deleteNamespace(name: string): void {
    for (const resource of this.served.filter((r) => r.namespaced)) {
      for (const object of this.api.list(resource).filter((o) => o.metadata.namespace === name)) {
        this.api.delete(resource, name, object.metadata.name);
      }
    }
    this.api.delete('namespaces', undefined, name);
  }

  private serve(resource: FakeResource): void {
    const index = this.served.findIndex((r) => r.group === resource.group && r.plural === resource.plural);
    if (index >= 0) this.served.splice(index, 1);
    this.served.push(resource);
    this.api.addResource(resource);
  }

  private serveCrd(crd: KubeObject): void {
    const { spec } = crd as CrdShape;
    const storage = spec?.versions?.find((v) => v.storage === true) ?? spec?.versions?.[0];
    const plural = spec?.names?.plural;
    const kind = spec?.names?.kind;
    if (spec?.group === undefined || storage?.name === undefined || plural === undefined || kind === undefined) {
      throw new Error(`CustomResourceDefinition ${crd.metadata.name} lacks its group, names or a version`);
    }
    this.serve({ group: spec.group, version: storage.name, plural, kind, namespaced: spec.scope !== 'Cluster' });
  }
}

/** The objects of a YAML stream (empty documents skipped) or of a JSON object or `List`. */
export function objectsOf(text: string): KubeObject[] {
  const documents = parseAllDocuments(text);
  const values: unknown[] = [];
  for (const document of Array.isArray(documents) ? documents : []) {
    if (document.errors.length > 0) throw new Error(`the manifest is not YAML: ${document.errors[0]?.message ?? ''}`);
    const value: unknown = document.toJS({ maxAliasCount: -1 });
    if (value !== null && value !== undefined) values.push(value);
  }
  const items = values.flatMap((value) => {
    const list = value as { kind?: unknown; items?: unknown };
    return list.kind === 'List' && Array.isArray(list.items) ? list.items as unknown[] : [value];
  });
  return items.map((item) => {
    const object = item as KubeObject;
    if (typeof object.kind !== 'string' || typeof object.apiVersion !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new Error(`a manifest document is not a Kubernetes object: ${JSON.stringify(item).slice(0, 200)}`);
    }
    return object;
  });
}
