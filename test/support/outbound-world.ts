/**
 * An engine running only the outbound reconciler over an in-memory store, fed objects directly
 * (no API server): for unit tests of the reconciler and of the policy a client would get.
 */
import { apiVersionOf, keyOf, type KindSpec, resourceId } from '../../src/informers/kind.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import { project } from '../../src/informers/projection.js';
import { silentLogger } from '../../src/observe/logger.js';
import type { OutboundPolicy } from '../../src/gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import { defaultMeshConfig, type MeshConfig } from '../../src/reconcilers/mesh-config.js';
import type { OutboundItem, OutboundServiceItem } from '../../src/reconcilers/outbound-items.js';
import { outboundPolicyReconciler } from '../../src/reconcilers/outbound-policy.js';
import { createEngine, type Engine } from '../../src/streams/engine.js';
import { clientPolicy, type OutboundTarget } from '../../src/streams/policy/outbound-client-policy.js';
import type { Snapshot } from '../../src/streams/snapshot.js';

export class OutboundWorld {
  private version = 0;

  private constructor(readonly engine: Engine, readonly config: MeshConfig) {}

  static async open(config: MeshConfig = defaultMeshConfig): Promise<OutboundWorld> {
    const engine = await createEngine({ storeDir: undefined, kinds: allKinds, reconcilers: [outboundPolicyReconciler(config)], log: silentLogger });
    await engine.settled;
    return new OutboundWorld(engine, config);
  }

  /** Creates or replaces an object (plain API JSON), as a watch event would. */
  apply(raw: Record<string, unknown>): void {
    const spec = kindOf(raw);
    const meta = raw.metadata as Record<string, unknown>;
    const projected = project(spec, { ...raw, metadata: { ...meta, resourceVersion: String(++this.version) } });
    if (!projected.ok) throw new Error(`test object does not project: ${projected.error}`);
    const resource = resourceId(spec);
    const key = keyOf(resource, projected.object);
    const type = this.engine.store.view.get(key) === undefined ? 'ADDED' : 'MODIFIED';
    this.engine.loop.process([{ type, resource, key, object: projected.object }]);
  }

  delete(raw: Record<string, unknown>): void {
    const spec = kindOf(raw);
    const resource = resourceId(spec);
    const meta = raw.metadata as { name: string; namespace?: string };
    const key = keyOf(resource, { apiVersion: apiVersionOf(spec), kind: spec.kind, metadata: { name: meta.name, namespace: meta.namespace, resourceVersion: '1' } });
    const object = this.engine.store.view.get(key);
    if (object === undefined) throw new Error(`no ${key} to delete`);
    this.engine.loop.process([{ type: 'DELETED', resource, key, object }]);
  }

  view(namespace: string, name: string): Snapshot<OutboundItem> | undefined {
    return this.engine.store.getView(`outbound/${namespace}/${name}`) as Snapshot<OutboundItem> | undefined;
  }

  items(namespace: string, name: string): Map<string, OutboundItem> {
    return new Map((this.view(namespace, name)?.items ?? []).map((item) => [item.name, item.value]));
  }

  service(namespace: string, name: string): OutboundServiceItem {
    const item = this.items(namespace, name).get('service');
    if (item?.type !== 'service') throw new Error(`no outbound view for ${namespace}/${name}`);
    return item;
  }

  policy(target: Partial<OutboundTarget> & { namespace: string; name: string; port: number }): OutboundPolicy | undefined {
    const items = [...this.items(target.namespace, target.name).values()];
    return clientPolicy(items, { clientNamespace: target.namespace, ...target }, this.config.clusterDomain);
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

function kindOf(raw: Record<string, unknown>): KindSpec {
  const spec = allKinds.find((candidate) => candidate.kind === raw.kind
    && (raw.apiVersion === apiVersionOf(candidate) || String(raw.apiVersion).startsWith(`${candidate.group}/`)));
  if (spec === undefined) throw new Error(`no kind for ${String(raw.apiVersion)} ${String(raw.kind)}`);
  return spec;
}
