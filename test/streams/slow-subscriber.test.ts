import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { ObjectChange } from '../../src/informers/event.js';
import { endpointSliceKind, serviceKind } from '../../src/informers/kinds/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createEngineMetrics } from '../../src/observe/metrics.js';
import { allReconcilers } from '../../src/reconcilers/index.js';
import { startAdminServer, type AdminServer } from '../../src/streams/admin-server.js';
import { fold } from '../../src/streams/differ.js';
import { createEngine, type Engine } from '../../src/streams/engine.js';
import type { SnapshotItem } from '../../src/streams/snapshot.js';
import type { ViewMessage } from '../../src/streams/view-message.js';
import { engineKinds } from '../support/engine-harness.js';
import { versionedChange } from '../support/changes.js';
import { endpointSlice, service } from '../support/objects.js';

const key = 'endpoints/default/web:80';

/** A slice of 300 endpoints, a different third of them not ready at each step. */
function bigSlice(step: number): ObjectChange {
  const endpoints = Array.from({ length: 300 }, (_, i) => ({ ip: `10.1.${i >> 8}.${i & 255}`, ready: (i + step) % 3 !== 0, pod: `web-${i}` }));
  return versionedChange(endpointSliceKind, endpointSlice('default', 'web-a', 'web', endpoints, [{ name: 'http', port: 8080 }]));
}

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return process.memoryUsage().heapUsed;
}

describe('a subscriber that never reads', function () {
  this.timeout(60_000);
  let engine: Engine;
  let admin: AdminServer;
  const metrics = createEngineMetrics();

  before(async () => {
    engine = await createEngine({ storeDir: undefined, kinds: engineKinds, reconcilers: allReconcilers, log: silentLogger, metrics });
    engine.loop.process([versionedChange(serviceKind, service('default', 'web', [{ name: 'http', port: 80, targetPort: 8080 }])), bigSlice(0)]);
    admin = await startAdminServer({
      address: '127.0.0.1', port: 0, registry: metrics.registry, hub: engine.hub, log: silentLogger,
      view: (name) => engine.store.getView(name), viewKeys: () => engine.store.viewKeys(), ready: () => true,
    });
  });

  after(async () => {
    await admin.close();
    await engine.close();
  });

  it('is cut off when its bounded queue overflows, memory stays flat, and a reading subscriber is unaffected', async () => {
    if ((globalThis as { gc?: unknown }).gc === undefined) assert.fail('run mocha with --expose-gc (.mocharc.json sets it)');
    const stalled = net.connect(admin.port, '127.0.0.1');
    stalled.pause();
    let stalledClosed = false;
    stalled.on('close', () => { stalledClosed = true; });
    stalled.on('error', () => undefined);
    stalled.write(`GET /views/${key}?watch=true HTTP/1.1\r\nHost: admin\r\n\r\n`);

    const items = new Map<string, SnapshotItem>();
    let buffered = '';
    const reader = http.get({ host: '127.0.0.1', port: admin.port, path: `/views/${key}?watch=true` });
    const response = await new Promise<http.IncomingMessage>((resolve) => reader.once('response', resolve));
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const message = JSON.parse(buffered.slice(0, newline)) as ViewMessage;
        buffered = buffered.slice(newline + 1);
        if (message.type === 'snapshot') {
          items.clear();
          for (const item of message.items) items.set(item.name, item);
        } else fold(items, message);
        newline = buffered.indexOf('\n');
      }
    });
    while (engine.hub.count(key) < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    const baseline = heap();
    let peak = 0;
    for (let step = 1; step <= 800; step++) {
      engine.loop.process([bigSlice(step)]);
      // Let sockets move between updates, as a live engine would: the reading subscriber keeps up,
      // however loaded the machine is; the stalled one cannot.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (step % 20 === 0) peak = Math.max(peak, heap() - baseline);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));

    assert.ok(peak < 8 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MB; 800 unsent updates of 300 endpoints would need far more`);
    const overflows = await metrics.streamOverflows.get();
    assert.equal(overflows.values[0]?.value, 1, 'exactly one stream overflowed');
    assert.equal(engine.hub.count(key), 1, 'only the reading subscriber remains');
    const view = engine.store.getView(key);
    assert.deepEqual([...items.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), view?.items);
    // Once it reads again, it finds its stream ended: the server let go of it.
    stalled.resume();
    const deadline = Date.now() + 5000;
    while (!stalledClosed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(stalledClosed, 'the server closed the stalled connection');
    reader.destroy();
  });
});
