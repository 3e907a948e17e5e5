import assert from 'node:assert/strict';
import type { ObjectChange } from '../../src/informers/event.js';
import { resourceId } from '../../src/informers/kind.js';
import { serviceKind } from '../../src/informers/kinds/index.js';
import type { Service } from '../../src/informers/kinds/service.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createEngineMetrics } from '../../src/observe/metrics.js';
import type { Reconciler } from '../../src/reconcilers/reconciler.js';
import { createEngine } from '../../src/streams/engine.js';
import { snapshotOf } from '../../src/streams/snapshot.js';
import { engineKinds } from '../support/engine-harness.js';
import { versionedChange } from '../support/changes.js';
import { service } from '../support/objects.js';

function serviceChange(name: string, port: number): ObjectChange {
  return versionedChange(serviceKind, service('shop', name, [{ name: 'http', port }]));
}

/** A reconciler of service ports whose hooks can be made to throw. */
function portsReconciler(failures: { affected: boolean; reconcile: boolean }): Reconciler<number> {
  return {
    name: 'ports',
    *affected(change) {
      if (failures.affected) throw new Error('affected() bug');
      yield `${change.after?.metadata.namespace ?? change.before?.metadata.namespace}/${change.after?.metadata.name ?? change.before?.metadata.name}`;
    },
    reconcile(view, key) {
      if (failures.reconcile) throw new Error('reconcile() bug');
      const svc = view.get<Service>(`services/${key}` as never);
      return svc === undefined ? undefined : snapshotOf((svc.spec.ports ?? []).map((port) => [String(port.port), port.port] as const));
    },
    *keys(view) {
      for (const svc of view.list(resourceId(serviceKind))) yield `${svc.metadata.namespace}/${svc.metadata.name}`;
    },
  };
}

describe('reconcile loop', () => {
  it('reconciles every key of a reconciler whose affected() throws, counts it, and keeps going', async () => {
    const failures = { affected: false, reconcile: false };
    const metrics = createEngineMetrics();
    const engine = await createEngine({ storeDir: undefined, kinds: engineKinds, reconcilers: [portsReconciler(failures) as Reconciler], log: silentLogger, metrics });
    await engine.settled;
    engine.loop.process([serviceChange('web', 80), serviceChange('api', 8080)]);
    failures.affected = true;
    engine.loop.process([serviceChange('web', 81)]);
    assert.deepEqual(engine.store.getView('ports/shop/web')?.items.map((item) => item.value), [81]);
    assert.deepEqual(engine.store.getView('ports/shop/api')?.items.map((item) => item.value), [8080]);
    assert.equal((await metrics.reconcileErrors.get()).values[0]?.value, 1);
    await engine.close();
  });

  it('keeps the old view when reconcile() throws, and retries the key until it succeeds', async () => {
    const failures = { affected: false, reconcile: false };
    const engine = await createEngine({ storeDir: undefined, kinds: engineKinds, reconcilers: [portsReconciler(failures) as Reconciler], log: silentLogger });
    await engine.settled;
    engine.loop.process([serviceChange('web', 80)]);
    failures.reconcile = true;
    const updates = engine.loop.process([serviceChange('web', 81)]);
    assert.equal(updates.length, 0);
    assert.deepEqual(engine.store.getView('ports/shop/web')?.items.map((item) => item.value), [80]);
    failures.reconcile = false;
    const deadline = Date.now() + 3000;
    while (engine.store.getView('ports/shop/web')?.items[0]?.value !== 81 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(engine.store.getView('ports/shop/web')?.items.map((item) => item.value), [81]);
    await engine.close();
  });
});
