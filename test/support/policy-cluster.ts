/**
 * An in-memory store fed with raw API objects, and the inbound reconciler over it: what the
 * policy tests ask ("what server does this pod's port get?") without an API server in between.
 */
import { keyOf, resourceId, type KindSpec } from '../../src/informers/kind.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import type { ProjectedObject } from '../../src/informers/object.js';
import { project } from '../../src/informers/projection.js';
import { silentLogger } from '../../src/observe/logger.js';
import type { InboundServer } from '../../src/reconcilers/inbound-model.js';
import { inboundPolicyReconciler, inboundServerForPort } from '../../src/reconcilers/inbound-policy.js';
import { defaultMeshConfig, type MeshConfig } from '../../src/reconcilers/mesh-config.js';
import { Store } from '../../src/store/store.js';

export function kindOf(raw: Record<string, unknown>): KindSpec {
  const apiVersion = String(raw.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const spec = allKinds.find((kind) => kind.kind === raw.kind && kind.group === group);
  if (spec === undefined) throw new Error(`no kind for ${apiVersion} ${String(raw.kind)}`);
  return spec;
}

export class PolicyCluster {
  private version = 1;

  private constructor(readonly store: Store, readonly config: MeshConfig) {}

  static async create(config: MeshConfig = defaultMeshConfig): Promise<PolicyCluster> {
    const store = await Store.open({ dir: undefined, resources: allKinds.map(resourceId), log: silentLogger });
    return new PolicyCluster(store, config);
  }

  /** Creates or replaces objects (raw API JSON). Throws if one does not project at all. */
  apply(...raws: readonly Record<string, unknown>[]): this {
    for (const raw of raws) {
      const spec = kindOf(raw);
      const copy = structuredClone(raw);
      (copy.metadata as Record<string, unknown>).resourceVersion = String(++this.version);
      const projected = project(spec, copy);
      if (!projected.ok) throw new Error(`${String(raw.kind)}: ${projected.error}`);
      const resource = resourceId(spec);
      const key = keyOf(resource, projected.object);
      const type = this.store.view.get(key) === undefined ? 'ADDED' : 'MODIFIED';
      this.store.apply([{ type, resource, key, object: projected.object }]);
    }
    this.store.commit();
    return this;
  }

  delete(raw: Record<string, unknown>): this {
    const spec = kindOf(raw);
    const resource = resourceId(spec);
    const meta = raw.metadata as { name: string; namespace?: string };
    const key = keyOf(resource, { metadata: meta } as ProjectedObject);
    const object = this.store.view.get(key);
    if (object !== undefined) this.store.apply([{ type: 'DELETED', resource, key, object }]);
    this.store.commit();
    return this;
  }

  /** The server a proxy on `namespace/pod` would get for `port`, reconciled from scratch. */
  server(namespace: string, pod: string, port: number): InboundServer {
    const snapshot = inboundPolicyReconciler(this.config).reconcile(this.store.view, `${namespace}/${pod}`);
    if (snapshot === undefined) throw new Error(`no inbound view for ${namespace}/${pod}`);
    const server = inboundServerForPort(this.config, new Map(snapshot.items.map((item) => [item.name, item.value])), port);
    if (server === undefined) throw new Error(`no server for ${namespace}/${pod}:${port}`);
    return server;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
