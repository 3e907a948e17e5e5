import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { InformerEvent, ObjectChange } from '../../src/informers/event.js';
import { keyOf, type KindSpec, resourceId } from '../../src/informers/kind.js';
import { endpointSliceKind, podKind, serviceKind } from '../../src/informers/kinds/index.js';
import type { ObjectKey, ProjectedObject, ResourceId } from '../../src/informers/object.js';
import { project } from '../../src/informers/projection.js';
import { silentLogger } from '../../src/observe/logger.js';
import { allReconcilers } from '../../src/reconcilers/index.js';
import { createEngine, type Engine } from '../../src/streams/engine.js';
import type { BackpressurePolicy } from '../../src/streams/view-message.js';
import { engineKinds, FoldingSink } from '../support/engine-harness.js';
import { endpointSlice, pod, service } from '../support/objects.js';

/**
 * The oracle: for random sequences of applies, deletes, duplicates, missed events and relists,
 * after every step each subscriber's folded stream equals a from-scratch reconcile of the
 * cluster's state at that step.
 */

type Op =
  | { readonly op: 'service'; readonly name: number; readonly ports: readonly number[] }
  | { readonly op: 'slice'; readonly service: number; readonly slice: number; readonly ips: readonly (readonly [number, boolean])[]; readonly portName: 'http' | 'other' }
  | { readonly op: 'pod'; readonly name: number; readonly ip: number }
  | { readonly op: 'delete'; readonly kind: 'service' | 'slice' | 'pod'; readonly name: number; readonly slice: number }
  | { readonly op: 'duplicate' }
  | { readonly op: 'disconnect' }
  | { readonly op: 'relist' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('service' as const), name: fc.nat(2), ports: fc.uniqueArray(fc.constantFrom(80, 8080, 9090), { minLength: 1, maxLength: 2 }) }) },
  { weight: 4, arbitrary: fc.record({
    op: fc.constant('slice' as const), service: fc.nat(2), slice: fc.nat(1),
    ips: fc.array(fc.tuple(fc.nat(5), fc.boolean()), { maxLength: 4 }), portName: fc.constantFrom('http' as const, 'other' as const),
  }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pod' as const), name: fc.nat(3), ip: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), kind: fc.constantFrom('service' as const, 'slice' as const, 'pod' as const), name: fc.nat(2), slice: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'duplicate' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'disconnect' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'relist' as const }) },
);

const specOf: Record<'service' | 'slice' | 'pod', KindSpec> = { service: serviceKind, slice: endpointSliceKind, pod: podKind };

/** The cluster as the API server holds it, and what the engine has been told of it. */
class Cluster {
  readonly objects = new Map<ObjectKey, ProjectedObject>();
  readonly told = new Map<ObjectKey, ProjectedObject>();
  private version = 1;
  connected = true;
  last: ObjectChange | undefined;

  write(spec: KindSpec, raw: Record<string, unknown>): ObjectChange {
    const metadata = raw.metadata as Record<string, unknown>;
    metadata.resourceVersion = String(++this.version);
    metadata.uid = `uid-${this.version}`;
    const projected = project(spec, raw);
    if (!projected.ok) throw new Error(projected.error);
    const resource = resourceId(spec);
    const key = keyOf(resource, projected.object);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    this.objects.set(key, projected.object);
    return { type, resource, key, object: projected.object };
  }

  remove(spec: KindSpec, namespace: string, name: string): ObjectChange | undefined {
    const resource = resourceId(spec);
    const key = `${resource}/${namespace}/${name}` as ObjectKey;
    const object = this.objects.get(key);
    if (object === undefined) return undefined;
    this.objects.delete(key);
    return { type: 'DELETED', resource, key, object };
  }

  /** What a reflector would emit on a relist: the difference from what it told before. */
  relist(): InformerEvent[] {
    const events: InformerEvent[] = [];
    for (const spec of engineKinds) {
      const resource: ResourceId = resourceId(spec);
      const changes: ObjectChange[] = [];
      for (const [key, object] of this.told) {
        if (key.startsWith(`${resource}/`) && !this.objects.has(key)) changes.push({ type: 'DELETED', resource, key, object });
      }
      for (const [key, object] of this.objects) {
        if (!key.startsWith(`${resource}/`)) continue;
        const before = this.told.get(key);
        if (before?.metadata.resourceVersion !== object.metadata.resourceVersion) changes.push({ type: before === undefined ? 'ADDED' : 'MODIFIED', resource, key, object });
      }
      events.push({ type: 'RELISTED', resource, resourceVersion: String(this.version), changes });
    }
    return events;
  }

  tell(events: readonly InformerEvent[]): void {
    for (const event of events) {
      const changes = event.type === 'RELISTED' ? event.changes : event.type === 'BOOKMARK' || event.type === 'SYNCED' ? [] : [event];
      for (const change of changes) {
        if (change.type === 'DELETED') this.told.delete(change.key);
        else this.told.set(change.key, change.object);
      }
    }
  }
}

function eventsFor(cluster: Cluster, op: Op): InformerEvent[] {
  let change: ObjectChange | undefined;
  switch (op.op) {
    case 'service':
      change = cluster.write(serviceKind, service('ns', `svc${op.name}`, op.ports.map((port) => ({ name: port === 80 ? 'http' : `p${port}`, port }))));
      break;
    case 'slice':
      change = cluster.write(endpointSliceKind, endpointSlice('ns', `svc${op.service}-${op.slice}`, `svc${op.service}`,
        op.ips.map(([ip, ready]) => ({ ip: `10.0.0.${ip}`, ready, pod: `pod${ip}` })), [{ name: op.portName, port: 8000 + op.service }]));
      break;
    case 'pod':
      change = cluster.write(podKind, pod('ns', `pod${op.name}`, { ip: `10.0.0.${op.ip}` }));
      break;
    case 'delete': {
      const name = op.kind === 'slice' ? `svc${op.name}-${op.slice}` : op.kind === 'service' ? `svc${op.name}` : `pod${op.name}`;
      change = cluster.remove(specOf[op.kind], 'ns', name);
      break;
    }
    case 'duplicate':
      return cluster.connected && cluster.last !== undefined ? [cluster.last] : [];
    case 'disconnect':
      cluster.connected = false;
      return [];
    case 'relist':
      cluster.connected = true;
      return cluster.relist();
  }
  if (change === undefined || !cluster.connected) return [];
  cluster.last = change;
  return [change];
}

const allViewKeys = [0, 1, 2].flatMap((service) => [80, 8080, 9090].map((port) => `endpoints/ns/svc${service}:${port}`));

async function oracle(cluster: Cluster): Promise<Engine> {
  const engine = await createEngine({ storeDir: undefined, kinds: engineKinds, reconcilers: allReconcilers, log: silentLogger });
  engine.loop.process([...cluster.told].map(([key, object]) => ({ type: 'ADDED' as const, resource: key.slice(0, key.indexOf('/')) as ResourceId, key, object })));
  return engine;
}

async function check(policy: BackpressurePolicy, ops: readonly Op[], lateJoinAt: number): Promise<void> {
  const engine = await createEngine({ storeDir: undefined, kinds: engineKinds, reconcilers: allReconcilers, log: silentLogger });
  const cluster = new Cluster();
  const sinks = new Map<string, FoldingSink>();
  const subscribe = (): void => {
    for (const key of allViewKeys) {
      const sink = new FoldingSink();
      sinks.set(key, sink);
      engine.hub.subscribe(key, sink, policy);
    }
  };
  subscribe();
  try {
    for (const [index, op] of ops.entries()) {
      if (index === lateJoinAt) subscribe();
      const events = eventsFor(cluster, op);
      engine.loop.process(events);
      cluster.tell(events);
      const expected = await oracle(cluster);
      try {
        for (const [key, sink] of sinks) {
          const view = expected.store.getView(key);
          assert.equal(sink.exists, view !== undefined, `step ${index} (${op.op}): ${key} exists`);
          assert.deepEqual([...sink.items.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), view?.items ?? [], `step ${index} (${op.op}): ${key}`);
        }
      } finally {
        await expected.close();
      }
    }
  } finally {
    await engine.close();
  }
}

describe('reconcile loop oracle (fast-check)', function () {
  this.timeout(120_000);

  for (const policy of [{ kind: 'latest' }, { kind: 'bounded', capacity: 1000 }] as const) {
    it(`folds every subscriber's stream to the reconcile of the state after every step (${policy.kind})`, async () => {
      await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.nat(40),
        (ops, lateJoinAt) => check(policy, ops, lateJoinAt)), { numRuns: 60 });
    });
  }

  it('once reconnected by a relist, the store holds exactly the cluster state', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
      const engine = await createEngine({ storeDir: undefined, kinds: engineKinds, reconcilers: allReconcilers, log: silentLogger });
      const cluster = new Cluster();
      for (const op of [...ops, { op: 'relist' } as const]) {
        const events = eventsFor(cluster, op);
        engine.loop.process(events);
        cluster.tell(events);
      }
      const stored = new Map(engineKinds.flatMap((spec) => [...engine.store.versionsOf(resourceId(spec))]));
      assert.deepEqual(stored, new Map([...cluster.objects].map(([key, object]) => [key, object.metadata.resourceVersion])));
      await engine.close();
    }), { numRuns: 100 });
  });
});
