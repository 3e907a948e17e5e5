import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../src/observe/logger.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { converges, startEngine, tempDir, type RunningEngine } from '../support/engine-harness.js';
import { endpointSlice, pod, service } from '../support/objects.js';

const viewKeys = ['endpoints/default/web:80', 'endpoints/default/api:8080', 'endpoints/default/ghost:80'];

function seed(api: FakeApiServer): void {
  api.create('services', service('default', 'web', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.10'));
  api.create('services', service('default', 'api', [{ name: 'http', port: 8080 }], '10.96.0.11'));
  for (let i = 1; i <= 3; i++) api.create('pods', pod('default', `web-${i}`, { ip: `10.0.0.${i}` }));
  for (let i = 1; i <= 2; i++) api.create('pods', pod('default', `api-${i}`, { ip: `10.0.1.${i}` }));
  api.create('endpointslices.discovery.k8s.io', endpointSlice('default', 'web-a', 'web',
    [1, 2, 3].map((i) => ({ ip: `10.0.0.${i}`, pod: `web-${i}` })), [{ name: 'http', port: 8080 }]));
  api.create('endpointslices.discovery.k8s.io', endpointSlice('default', 'api-a', 'api',
    [1, 2].map((i) => ({ ip: `10.0.1.${i}`, pod: `api-${i}` })), [{ name: 'http', port: 8080 }]));
}

/** Rolls the web endpoints through `steps` states (readiness flips, adds, removes). */
function churn(api: FakeApiServer, steps: number, offset = 0): void {
  for (let step = 0; step < steps; step++) {
    const n = 1 + ((step + offset) % 4);
    const endpoints = Array.from({ length: n }, (_, i) => ({ ip: `10.0.0.${i + 1}`, pod: `web-${i + 1}`, ready: (step + i) % 3 !== 0 }));
    api.apply('endpointslices.discovery.k8s.io', endpointSlice('default', 'web-a', 'web', endpoints, [{ name: 'http', port: 8080 }]));
  }
}

const lists = (api: FakeApiServer, resource: string): number => api.requests({ verb: 'list', resource }).length;

describe('engine under API server faults', function () {
  this.timeout(20_000);
  let api: FakeApiServer;
  let running: RunningEngine | undefined;
  const dirs: string[] = [];

  beforeEach(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    seed(api);
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await api.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(storeDir?: string): Promise<RunningEngine> {
    running = await startEngine(api, { viewKeys, storeDir });
    await api.waitForOpenWatches(3);
    return running;
  }

  it('lists, watches, and converges; a subscriber to an unknown service hears only that it does not exist', async () => {
    const engine = await start();
    churn(api, 10);
    await converges(api, engine);
    const ghost = engine.sinks.get('endpoints/default/ghost:80');
    assert.deepEqual(ghost?.messages, [{ type: 'snapshot', exists: false, items: [] }]);
  });

  it('resumes a cut watch from its last resourceVersion without listing again', async () => {
    const engine = await start();
    churn(api, 5);
    await converges(api, engine);
    const before = lists(api, 'endpointslices.discovery.k8s.io');
    assert.ok(api.cutWatches() >= 3);
    churn(api, 7, 1);
    await converges(api, engine);
    assert.equal(lists(api, 'endpointslices.discovery.k8s.io'), before);
  });

  it('keeps a healthy watch open past the request timeout, which bounds only the wait for headers', async () => {
    running = await startEngine(api, { viewKeys, requestTimeoutMs: 150 });
    await api.waitForOpenWatches(3);
    const watches = api.requests({ verb: 'watch' }).length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    churn(api, 2);
    await converges(api, running);
    assert.equal(api.requests({ verb: 'watch' }).length, watches, 'no watch was cut and restarted');
  });

  it('gives up on a LIST whose headers never come, and recovers', async () => {
    api.stallNext('pods', 'list');
    running = await startEngine(api, { viewKeys, requestTimeoutMs: 200 });
    await api.waitForRequests({ verb: 'list', resource: 'pods' }, 2);
    api.unstall();
    await converges(api, running);
  });

  it('relists on 410 Gone at watch start', async () => {
    const engine = await start();
    await converges(api, engine);
    api.failWatchStarts('endpointslices.discovery.k8s.io', 410, 1);
    api.cutWatches('endpointslices.discovery.k8s.io');
    churn(api, 3);
    await api.waitForRequests({ verb: 'list', resource: 'endpointslices.discovery.k8s.io' }, 2);
    await converges(api, engine);
  });

  it('relists on an in-stream 410 ERROR event, and objects gone meanwhile become deletes', async () => {
    const engine = await start();
    await converges(api, engine);
    api.cutWatches('endpointslices.discovery.k8s.io');
    api.failWatchStarts('endpointslices.discovery.k8s.io', 500, 3);
    api.delete('endpointslices.discovery.k8s.io', 'default', 'api-a');
    api.compact();
    await api.waitForOpenWatches(1, 'endpointslices.discovery.k8s.io');
    api.expireWatches('endpointslices.discovery.k8s.io');
    await converges(api, engine);
    assert.equal(engine.sinks.get('endpoints/default/api:8080')?.items.size, 0);
  });

  it('handles a pod deleted and re-created with the same name and a reused IP during a disconnect', async () => {
    const engine = await start();
    await converges(api, engine);
    api.failWatchStarts('pods', 500, 3);
    api.cutWatches('pods');
    const old = api.get('pods', 'default', 'web-1');
    api.delete('pods', 'default', 'web-1');
    api.create('pods', pod('default', 'web-1', { ip: '10.0.0.2' }));
    api.delete('pods', 'default', 'web-2');
    api.create('pods', pod('default', 'web-9', { ip: '10.0.0.1' }));
    api.compact();
    await converges(api, engine);
    const reborn = engine.engine.store.view.get('pods/default/web-1' as never);
    assert.notEqual(reborn?.metadata.uid, old?.metadata.uid);
    assert.deepEqual(engine.engine.store.view.byIndex('podIp', '10.0.0.1').map((object) => object.metadata.name), ['web-9']);
    assert.deepEqual(engine.engine.store.view.byIndex('podIp', '10.0.0.2').map((object) => object.metadata.name), ['web-1']);
  });

  it('counts a malformed watch line and relists instead of dropping it', async () => {
    const engine = await start();
    await converges(api, engine);
    const before = lists(api, 'services');
    assert.equal(api.injectMalformedLine('services'), 1);
    api.apply('services', service('default', 'api', [{ name: 'http', port: 8080 }, { name: 'admin', port: 9990 }], '10.96.0.11'));
    await api.waitForRequests({ verb: 'list', resource: 'services' }, before + 1);
    await converges(api, engine);
    const malformed = await engine.metrics.informerMalformedLines.get();
    assert.equal(malformed.values.find((value) => value.labels.resource === 'services')?.value, 1);
  });

  it('counts and skips an object that fails its projection, logs it once with its name escaped, and keeps going', async () => {
    const lines: string[] = [];
    running = await startEngine(api, { viewKeys, log: createLogger({ level: 'warn', write: (line) => lines.push(line) }) });
    const engine = running;
    await api.waitForOpenWatches(3);
    await converges(api, engine);
    const bad = pod('default', 'bad\nname', { ip: '10.0.9.9' });
    (bad.spec as { containers: unknown }).containers = 'not a list';
    api.create('pods', bad);
    bad.metadata = { ...(bad.metadata as object), labels: { touched: 'yes' } };
    api.apply('pods', bad);
    churn(api, 3);
    api.create('pods', pod('default', 'after', { ip: '10.0.9.10' }));
    await converges(api, engine);
    const skipped = await engine.metrics.informerProjectionErrors.get();
    assert.equal(skipped.values.find((value) => value.labels.resource === 'pods')?.value, 2);
    assert.ok(engine.engine.store.view.get('pods/default/after' as never), 'later pods still arrive');
    assert.equal(engine.engine.store.view.get('pods/default/bad\nname' as never), undefined);
    const skippedLines = lines.filter((line) => line.includes('does not fit its projection'));
    assert.equal(skippedLines.length, 1, 'logged once for two bad versions of the same object');
    assert.ok(skippedLines[0]?.includes('bad\\\\nname'), `the newline in the name is escaped: ${skippedLines[0] ?? ''}`);
    assert.ok(lines.every((line) => !line.includes('\n')), 'no log line was split by the name');
  });

  for (const status of [429, 500, 403] as const) {
    it(`backs off on ${status} from LIST and recovers`, async () => {
      api.failLists('pods', status, 2);
      const engine = await start();
      churn(api, 3);
      await converges(api, engine);
      assert.equal(lists(api, 'pods'), 3);
      const errors = await engine.metrics.informerErrors.get();
      assert.equal(errors.values.find((value) => value.labels.resource === 'pods' && value.labels.reason === `http_${status}`)?.value, 2);
    });
  }

  it('keeps a quiet kind resumable past the server history window thanks to bookmarks', async () => {
    await api.close();
    api = await FakeApiServer.start({ bookmarkIntervalMs: 30, historyLimit: 20 });
    seed(api);
    const engine = await start();
    await converges(api, engine);
    churn(api, 60);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const serviceLists = lists(api, 'services');
    api.cutWatches('services');
    await api.waitForRequests({ verb: 'watch', resource: 'services' }, 2);
    await converges(api, engine);
    assert.equal(lists(api, 'services'), serviceLists, 'the services watch resumed from a bookmark instead of relisting');
  });

  it('resumes from its store after a restart, without listing again', async () => {
    const dir = tempDir('sinew-store-');
    dirs.push(dir);
    let engine = await start(dir);
    await converges(api, engine);
    await engine.engine.store.flushed();
    await engine.stop();
    running = undefined;
    churn(api, 4);
    const listsBefore = api.requests({ verb: 'list' }).length;
    engine = await start(dir);
    await converges(api, engine);
    assert.equal(api.requests({ verb: 'list' }).length, listsBefore);
  });

  for (const damage of ['truncated', 'of another schema version'] as const) {
    it(`rebuilds a store that is ${damage} from a list, and converges`, async () => {
      const dir = tempDir('sinew-store-');
      dirs.push(dir);
      let engine = await start(dir);
      churn(api, 4);
      await converges(api, engine);
      await engine.stop();
      running = undefined;
      const data = path.join(dir, 'data.mdb');
      if (damage === 'truncated') fs.truncateSync(data, Math.floor(fs.statSync(data).size / 2));
      else await setSchemaVersion(dir, 999);
      churn(api, 3, 2);
      engine = await start(dir);
      await converges(api, engine);
      const rebuilds = await engine.metrics.storeRebuilds.get();
      assert.equal(rebuilds.values.reduce((sum, value) => sum + value.value, 0), 1);
    });
  }
});

async function setSchemaVersion(dir: string, version: number): Promise<void> {
  const { open } = await import('lmdb');
  const root = open({ path: dir, compression: false });
  await root.openDB('meta', { encoding: 'json' }).put('schema', { version });
  await root.close();
}
