/** The store: applying events, secondary indexes, frozen reads, LMDB persistence, and discarding a bad store. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { open } from 'lmdb';
import type { InformerEvent, ObjectChange } from '../../src/informers/event.js';
import { type KindSpec, keyOf, resourceId } from '../../src/informers/kind.js';
import { endpointSliceKind, namespaceKind, podKind, serviceKind } from '../../src/informers/kinds/index.js';
import type { ObjectKey, ProjectedObject, ResourceId } from '../../src/informers/object.js';
import { project } from '../../src/informers/projection.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createEngineMetrics } from '../../src/observe/metrics.js';
import type { LabelSelector } from '../../src/store/label-selector.js';
import { Store } from '../../src/store/store.js';
import { snapshotOf } from '../../src/streams/snapshot.js';
import { endpointSlice, namespace, pod, service } from '../support/objects.js';

type Json = Record<string, unknown>;

const pods = resourceId(podKind);
const services = resourceId(serviceKind);
const slices = resourceId(endpointSliceKind);
const namespaces = resourceId(namespaceKind);
const allResources: readonly ResourceId[] = [namespaces, pods, services, slices];

/** An API object through its kind's projection, with the identity the API server gives it. */
function projected(spec: KindSpec, raw: Json, resourceVersion: string, uid?: string): ProjectedObject {
  const metadata = raw['metadata'] as Json;
  const result = project(spec, { ...raw, metadata: { ...metadata, resourceVersion, uid: uid ?? `uid-${String(metadata['name'])}` } });
  if (!result.ok) assert.fail(`fixture does not project: ${result.error}`);
  return result.object;
}

function change(type: ObjectChange['type'], spec: KindSpec, object: ProjectedObject): ObjectChange {
  const resource = resourceId(spec);
  return { type, resource, key: keyOf(resource, object), object };
}

function podObject(ns: string, name: string, ip: string, resourceVersion: string, labels?: Record<string, string>, uid?: string): ProjectedObject {
  return projected(podKind, pod(ns, name, { ip, ...(labels === undefined ? {} : { labels }) }), resourceVersion, uid);
}

function podKey(ns: string, name: string): ObjectKey {
  return `pods/${ns}/${name}` as ObjectKey;
}

function names(objects: readonly ProjectedObject[]): string[] {
  return objects.map((object) => `${object.metadata.namespace ?? ''}/${object.metadata.name}`);
}

function memoryStore(): Promise<Store> {
  return Store.open({ dir: undefined, resources: allResources, log: silentLogger });
}

/** A store with a few objects of several kinds, for index and selector lookups. */
async function populated(): Promise<Store> {
  const store = await memoryStore();
  store.apply([
    change('ADDED', namespaceKind, projected(namespaceKind, namespace('shop'), '1')),
    change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.1', '2', { app: 'web', tier: 'front', track: 'stable' })),
    change('ADDED', podKind, podObject('shop', 'web-2', '10.0.0.2', '3', { app: 'web', tier: 'front', track: 'canary' })),
    change('ADDED', podKind, podObject('shop', 'api-1', '10.0.0.3', '4', { app: 'api', tier: 'back' })),
    change('ADDED', podKind, podObject('shop', 'db-1', '10.0.0.4', '5', { app: 'db' })),
    change('ADDED', podKind, podObject('other', 'web-1', '10.0.1.1', '6', { app: 'web', tier: 'front' })),
    change('ADDED', serviceKind, projected(serviceKind, service('shop', 'web', [{ name: 'http', port: 80 }]), '7')),
    change('ADDED', endpointSliceKind, projected(endpointSliceKind, endpointSlice('shop', 'web-a', 'web', [{ ip: '10.0.0.1' }], [{ port: 8080 }]), '8')),
    change('ADDED', endpointSliceKind, projected(endpointSliceKind, endpointSlice('shop', 'web-b', 'web', [{ ip: '10.0.0.2' }], [{ port: 8080 }]), '9')),
    change('ADDED', endpointSliceKind, projected(endpointSliceKind, endpointSlice('shop', 'api-a', 'api', [{ ip: '10.0.0.3' }], [{ port: 8080 }]), '10')),
    change('ADDED', endpointSliceKind, projected(endpointSliceKind, endpointSlice('other', 'web-a', 'web', [{ ip: '10.0.1.1' }], [{ port: 8080 }]), '11')),
  ]);
  return store;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-store-'));
}

/** Deterministic "random" bytes (xorshift32), so a failure can be reproduced. */
function garbage(seed: number, length: number): Buffer {
  let x = (Math.imul(seed, 2654435761) >>> 0) || 1;
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** A store on disk with 150 pods, a service, a slice and a view, all in one commit. */
async function writeStore(dir: string): Promise<void> {
  const store = await Store.open({ dir, resources: allResources, log: silentLogger });
  const changes: ObjectChange[] = [];
  for (let i = 0; i < 150; i++) {
    changes.push(change('ADDED', podKind, podObject('shop', `web-${String(i).padStart(3, '0')}`, `10.0.${i >> 8}.${i & 0xff}`, String(100 + i),
      { app: 'web', 'pod-template-hash': '7f9c6b5d4'.repeat(4) })));
  }
  store.apply([
    { type: 'RELISTED', resource: pods, resourceVersion: '900', changes },
    change('ADDED', serviceKind, projected(serviceKind, service('shop', 'web', [{ name: 'http', port: 80 }]), '901')),
    change('ADDED', endpointSliceKind, projected(endpointSliceKind, endpointSlice('shop', 'web-a', 'web', [{ ip: '10.0.0.1' }], [{ port: 8080 }]), '902')),
  ]);
  store.setView('endpoints/shop/web:80', snapshotOf([['10.0.0.1:8080', { address: '10.0.0.1', port: 8080 }]]));
  await store.close();
}

interface ReopenReport {
  readonly size: number;
  readonly versions: Record<string, string | null>;
  readonly views: readonly string[];
  readonly rebuilds: readonly { readonly reason: string; readonly value: number }[];
  readonly warnings: readonly string[];
}

const distSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const moduleUrl = (relative: string): string => pathToFileURL(path.join(distSrc, relative)).href;

/** Opens a store in a child process, so that a store that crashes its reader cannot take the tests down. */
const reopenScript = `
const input = JSON.parse(process.env.SINEW_REOPEN_INPUT);
const { Store } = await import(input.store);
const { createEngineMetrics } = await import(input.metrics);
const { createLogger } = await import(input.logger);
const warnings = [];
const metrics = createEngineMetrics();
const log = createLogger({ level: 'warn', write: (line) => warnings.push(line) });
const store = await Store.open({ dir: input.dir, resources: input.resources, log, metrics });
const report = {
  size: store.size(),
  versions: Object.fromEntries(input.resources.map((resource) => [resource, store.resourceVersion(resource) ?? null])),
  views: store.viewKeys(),
  rebuilds: (await metrics.storeRebuilds.get()).values.map((value) => ({ reason: value.labels.reason, value: value.value })),
  warnings,
};
await store.close();
process.stdout.write(JSON.stringify(report));
`;

function reopenInChild(dir: string): Promise<ReopenReport> {
  const input = JSON.stringify({
    dir, resources: allResources,
    store: moduleUrl('store/store.js'), metrics: moduleUrl('observe/metrics.js'), logger: moduleUrl('observe/logger.js'),
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', reopenScript], {
      env: { ...process.env, SINEW_REOPEN_INPUT: input }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; });
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 || signal !== null) {
        reject(new Error(`the process opening the store died (code ${String(code)}, signal ${String(signal)}): ${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout) as ReopenReport);
    });
  });
}

function assertDiscarded(report: ReopenReport, reason: string): void {
  assert.equal(report.size, 0, 'the reopened store holds no object');
  assert.deepEqual(report.views, [], 'the reopened store holds no view');
  assert.deepEqual(Object.values(report.versions), allResources.map(() => null), 'the reopened store has no resourceVersion');
  assert.deepEqual(report.rebuilds, [{ reason, value: 1 }], `rebuilds: ${JSON.stringify(report.rebuilds)}; warnings: ${report.warnings.join('\n')}`);
  assert.ok(report.warnings.some((line) => /store discarded/.test(line)), report.warnings.join('\n'));
}

describe('store', () => {
  describe('apply', () => {
    it('adds, modifies and deletes objects, reporting each change with its before and after', async () => {
      const store = await memoryStore();
      const v1 = podObject('shop', 'web-1', '10.0.0.1', '5');
      const v2 = podObject('shop', 'web-1', '10.0.0.1', '6', { app: 'web', version: 'v2' });
      const added = store.apply([change('ADDED', podKind, v1)]);
      assert.deepEqual(added.map((c) => [c.key, c.before, c.after]), [[podKey('shop', 'web-1'), undefined, v1]]);
      assert.equal(store.view.get(podKey('shop', 'web-1')), v1);

      const modified = store.apply([change('MODIFIED', podKind, v2)]);
      assert.equal(modified.length, 1);
      assert.equal(modified[0]?.before, v1);
      assert.equal(modified[0]?.after, v2);
      assert.equal(store.view.get(podKey('shop', 'web-1'))?.metadata.labels?.['version'], 'v2');

      const deleted = store.apply([change('DELETED', podKind, v2)]);
      assert.deepEqual(deleted.map((c) => [c.resource, c.key, c.before, c.after]), [[pods, podKey('shop', 'web-1'), v2, undefined]]);
      assert.equal(store.view.get(podKey('shop', 'web-1')), undefined);
      assert.equal(store.size(), 0);
      assert.deepEqual(store.view.list(pods), []);
    });

    it('yields no change for a duplicate event with the same key, resourceVersion and uid', async () => {
      const store = await memoryStore();
      store.apply([change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.1', '5'))]);
      assert.deepEqual(store.apply([change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.1', '5'))]), []);
      assert.deepEqual(store.apply([change('MODIFIED', podKind, podObject('shop', 'web-1', '10.0.0.1', '5'))]), []);
      assert.equal(store.size(), 1);
    });

    it('treats the same resourceVersion with another uid as a new object', async () => {
      const store = await memoryStore();
      store.apply([change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.1', '5', undefined, 'uid-a'))]);
      const changes = store.apply([change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.9', '5', undefined, 'uid-b'))]);
      assert.equal(changes.length, 1);
      assert.equal(store.view.get(podKey('shop', 'web-1'))?.metadata.uid, 'uid-b');
    });

    it('yields no change for a DELETED of a key it does not hold', async () => {
      const store = await memoryStore();
      store.apply([change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.1', '5'))]);
      assert.deepEqual(store.apply([change('DELETED', podKind, podObject('shop', 'web-9', '10.0.0.9', '6'))]), []);
      assert.equal(store.size(), 1);
    });

    it('applies every change of a RELISTED event, in order, and sets the resource\'s resourceVersion', async () => {
      const store = await memoryStore();
      store.apply([
        change('ADDED', podKind, podObject('shop', 'a', '10.0.0.1', '5')),
        change('ADDED', podKind, podObject('shop', 'b', '10.0.0.2', '6')),
      ]);
      const relist: InformerEvent = {
        type: 'RELISTED', resource: pods, resourceVersion: '40',
        changes: [
          change('DELETED', podKind, podObject('shop', 'a', '10.0.0.1', '5')),
          change('MODIFIED', podKind, podObject('shop', 'b', '10.0.0.2', '30', { app: 'b2' })),
          change('ADDED', podKind, podObject('shop', 'c', '10.0.0.3', '31')),
        ],
      };
      const changes = store.apply([relist]);
      assert.deepEqual(changes.map((c) => [c.key, c.before?.metadata.resourceVersion, c.after?.metadata.resourceVersion]), [
        [podKey('shop', 'a'), '5', undefined],
        [podKey('shop', 'b'), '6', '30'],
        [podKey('shop', 'c'), undefined, '31'],
      ]);
      assert.equal(store.resourceVersion(pods), '40');
      assert.deepEqual(store.seed(pods), {
        resourceVersion: '40',
        keys: new Map([[podKey('shop', 'b'), '30'], [podKey('shop', 'c'), '31']]),
      });
    });

    it('moves the resourceVersion on bookmarks and marks the view synced once every resource has synced', async () => {
      const store = await memoryStore();
      assert.deepEqual(store.apply([{ type: 'BOOKMARK', resource: services, resourceVersion: '77' }]), []);
      assert.equal(store.resourceVersion(services), '77');
      store.apply(allResources.slice(1).map((resource): InformerEvent => ({ type: 'SYNCED', resource })));
      assert.equal(store.view.synced(), false);
      store.apply([{ type: 'SYNCED', resource: namespaces }]);
      assert.equal(store.view.synced(), true);
    });
  });

  describe('indexes', () => {
    it('finds pods by IP, each of a dual-stack pod\'s IPs included', async () => {
      const store = await populated();
      const dual = projected(podKind, { ...pod('shop', 'dual', { ip: '10.0.9.9' }), status: { podIP: '10.0.9.9', podIPs: [{ ip: '10.0.9.9' }, { ip: 'fd00::9' }] } }, '50');
      store.apply([change('ADDED', podKind, dual)]);
      assert.deepEqual(names(store.view.byIndex('podIp', '10.0.0.2')), ['shop/web-2']);
      assert.deepEqual(names(store.view.byIndex('podIp', '10.0.1.1')), ['other/web-1']);
      assert.deepEqual(names(store.view.byIndex('podIp', 'fd00::9')), ['shop/dual']);
      assert.deepEqual(names(store.view.byIndex('podIp', '10.0.9.9')), ['shop/dual']);
      assert.deepEqual(store.view.byIndex('podIp', '10.9.9.9'), []);
    });

    it('points an IP at the new pod only when, in one RELISTED batch, a pod is deleted and another created with its IP', async () => {
      const store = await populated();
      store.apply([{
        type: 'RELISTED', resource: pods, resourceVersion: '60',
        changes: [
          change('DELETED', podKind, podObject('shop', 'web-1', '10.0.0.1', '2')),
          change('ADDED', podKind, podObject('shop', 'web-3', '10.0.0.1', '59', { app: 'web' })),
        ],
      }]);
      assert.deepEqual(names(store.view.byIndex('podIp', '10.0.0.1')), ['shop/web-3']);
      store.apply([change('DELETED', podKind, podObject('shop', 'web-3', '10.0.0.1', '61'))]);
      assert.deepEqual(store.view.byIndex('podIp', '10.0.0.1'), []);
    });

    it('moves a pod to its new IP when it changes, leaving none behind under the old one', async () => {
      const store = await populated();
      store.apply([change('MODIFIED', podKind, podObject('shop', 'web-1', '10.0.5.5', '70', { app: 'web' }))]);
      assert.deepEqual(store.view.byIndex('podIp', '10.0.0.1'), []);
      assert.deepEqual(names(store.view.byIndex('podIp', '10.0.5.5')), ['shop/web-1']);
    });

    it('finds EndpointSlices by their service, per namespace, and follows a slice relabelled to another service', async () => {
      const store = await populated();
      assert.deepEqual(names(store.view.byIndex('sliceService', 'shop/web')), ['shop/web-a', 'shop/web-b']);
      assert.deepEqual(names(store.view.byIndex('sliceService', 'other/web')), ['other/web-a']);
      assert.deepEqual(names(store.view.byIndex('sliceService', 'shop/api')), ['shop/api-a']);
      store.apply([change('MODIFIED', endpointSliceKind,
        projected(endpointSliceKind, endpointSlice('shop', 'web-b', 'api', [{ ip: '10.0.0.2' }], [{ port: 8080 }]), '80'))]);
      assert.deepEqual(names(store.view.byIndex('sliceService', 'shop/web')), ['shop/web-a']);
      assert.deepEqual(names(store.view.byIndex('sliceService', 'shop/api')), ['shop/api-a', 'shop/web-b']);
    });

    it('lists objects of a resource in key order, across namespaces or in one', async () => {
      const store = await populated();
      assert.deepEqual(names(store.view.list(pods)), ['other/web-1', 'shop/api-1', 'shop/db-1', 'shop/web-1', 'shop/web-2']);
      assert.deepEqual(names(store.view.list(pods, 'shop')), ['shop/api-1', 'shop/db-1', 'shop/web-1', 'shop/web-2']);
      assert.deepEqual(names(store.view.list(pods, 'other')), ['other/web-1']);
      assert.deepEqual(names(store.view.list(services, 'shop')), ['shop/web']);
      assert.deepEqual(store.view.list(pods, 'nowhere'), []);
      assert.deepEqual(names(store.view.byIndex('namespace', 'endpointslices.discovery.k8s.io/other')), ['other/web-a']);
      store.apply([change('DELETED', podKind, podObject('other', 'web-1', '10.0.1.1', '90'))]);
      assert.deepEqual(store.view.list(pods, 'other'), []);
    });

    describe('label selectors', () => {
      const cases: readonly { readonly title: string; readonly namespace: string | undefined; readonly selector: LabelSelector; readonly expected: readonly string[] }[] = [
        { title: 'matchLabels', namespace: 'shop', selector: { matchLabels: { app: 'web' } }, expected: ['shop/web-1', 'shop/web-2'] },
        { title: 'matchLabels with two labels', namespace: 'shop', selector: { matchLabels: { app: 'web', track: 'canary' } }, expected: ['shop/web-2'] },
        { title: 'matchLabels across all namespaces', namespace: undefined, selector: { matchLabels: { app: 'web' } }, expected: ['other/web-1', 'shop/web-1', 'shop/web-2'] },
        { title: 'In', namespace: 'shop', selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'db'] }] }, expected: ['shop/api-1', 'shop/db-1'] },
        { title: 'In with one value', namespace: 'shop', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, expected: ['shop/api-1'] },
        { title: 'NotIn, which also selects objects without the label', namespace: 'shop', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, expected: ['shop/api-1', 'shop/db-1'] },
        { title: 'Exists', namespace: 'shop', selector: { matchExpressions: [{ key: 'track', operator: 'Exists' }] }, expected: ['shop/web-1', 'shop/web-2'] },
        { title: 'DoesNotExist', namespace: 'shop', selector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, expected: ['shop/db-1'] },
        { title: 'matchLabels and matchExpressions together', namespace: 'shop', selector: { matchLabels: { tier: 'front' }, matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] }, expected: ['shop/web-1'] },
        { title: 'an empty selector, which selects everything', namespace: 'shop', selector: {}, expected: ['shop/api-1', 'shop/db-1', 'shop/web-1', 'shop/web-2'] },
        { title: 'an unknown operator, which selects nothing', namespace: 'shop', selector: { matchExpressions: [{ key: 'app', operator: 'Matches', values: ['web'] }] }, expected: [] },
        { title: 'an unknown operator after a matching one, which selects nothing', namespace: undefined, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'app', operator: 'in', values: ['web'] }] }, expected: [] },
      ];
      for (const { title, namespace: ns, selector, expected } of cases) {
        it(`selects pods by ${title}`, async () => {
          const store = await populated();
          assert.deepEqual(names(store.view.select(pods, ns, selector)), expected);
        });
      }

      it('follows label changes: a relabelled pod leaves the selection of its old labels', async () => {
        const store = await populated();
        store.apply([change('MODIFIED', podKind, podObject('shop', 'web-2', '10.0.0.2', '95', { app: 'web-next' }))]);
        assert.deepEqual(names(store.view.select(pods, 'shop', { matchLabels: { app: 'web' } })), ['shop/web-1']);
        assert.deepEqual(names(store.view.select(pods, 'shop', { matchLabels: { app: 'web-next' } })), ['shop/web-2']);
      });
    });
  });

  describe('frozen objects', () => {
    function assertDeeplyFrozen(object: ProjectedObject | undefined): void {
      assert.ok(object !== undefined);
      const labels = object.metadata.labels as Record<string, string> | undefined;
      assert.ok(labels !== undefined);
      assert.throws(() => { labels['app'] = 'changed'; }, TypeError);
      assert.throws(() => { (object.metadata as { name: string }).name = 'changed'; }, TypeError);
      const containers = (object as unknown as { spec: { containers: { name: string }[] } }).spec.containers;
      assert.throws(() => { containers.push({ name: 'sidecar' }); }, TypeError);
      assert.throws(() => { (containers[0] as { name: string }).name = 'changed'; }, TypeError);
    }

    it('hands out objects that are frozen all the way down, from every read and from apply', async () => {
      const store = await populated();
      const changes = store.apply([change('ADDED', podKind, podObject('shop', 'new', '10.0.7.7', '99', { app: 'new' }))]);
      assertDeeplyFrozen(changes[0]?.after);
      assertDeeplyFrozen(store.view.get(podKey('shop', 'web-1')));
      assertDeeplyFrozen(store.view.list(pods)[0]);
      assertDeeplyFrozen(store.view.byIndex('podIp', '10.0.0.2')[0]);
      assertDeeplyFrozen(store.view.select(pods, 'shop', { matchLabels: { app: 'db' } })[0]);
      assert.equal(store.view.get(podKey('shop', 'web-1'))?.metadata.labels?.['app'], 'web');
    });

    it('freezes the nested fields of an object whose top level the caller had already frozen', async () => {
      const store = await memoryStore();
      const object = Object.freeze(podObject('shop', 'web-1', '10.0.0.1', '5', { app: 'web' }));
      store.apply([change('ADDED', podKind, object)]);
      assertDeeplyFrozen(store.view.get(podKey('shop', 'web-1')));
    });
  });

  describe('persistence', () => {
    let dir: string;

    beforeEach(() => {
      dir = tempDir();
    });

    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('skips the verifier only for a store closed cleanly and untouched since', async () => {
      const storeDir = path.join(dir, 'store');
      const fresh = await Store.open({ dir: storeDir, resources: allResources, log: silentLogger });
      assert.equal(fresh.opened, 'new');
      fresh.apply([change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.1', '401', { app: 'web' }))]);
      await fresh.close();
      const clean = await Store.open({ dir: storeDir, resources: allResources, log: silentLogger });
      assert.equal(clean.opened, 'clean-close');
      clean.apply([change('ADDED', podKind, podObject('shop', 'web-2', '10.0.0.2', '402', { app: 'web' }))]);
      clean.commit();
      await clean.flushed();
      // No close: as after a crash, the note is gone, so the next open walks the file.
      const afterCrash = await Store.open({ dir: storeDir, resources: allResources, log: silentLogger });
      assert.equal(afterCrash.opened, 'verified');
      assert.equal(afterCrash.view.list(pods).length, 2);
      await afterCrash.close();
      await clean.close().catch(() => undefined);
    });

    it('reopens with the same objects, resourceVersions, views and indexes after apply, commit and close', async () => {
      const storeDir = path.join(dir, 'store');
      const first = await Store.open({ dir: storeDir, resources: allResources, log: silentLogger });
      first.apply([
        { type: 'RELISTED', resource: pods, resourceVersion: '500', changes: [
          change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.1', '401', { app: 'web' })),
          change('ADDED', podKind, podObject('shop', 'web-2', '10.0.0.2', '402', { app: 'web' })),
          change('ADDED', podKind, podObject('shop', 'gone', '10.0.0.9', '403', { app: 'gone' })),
        ] },
        change('ADDED', serviceKind, projected(serviceKind, service('shop', 'web', [{ name: 'http', port: 80 }]), '501')),
        change('ADDED', endpointSliceKind, projected(endpointSliceKind, endpointSlice('shop', 'web-a', 'web', [{ ip: '10.0.0.1' }], [{ port: 8080 }]), '502')),
        { type: 'BOOKMARK', resource: namespaces, resourceVersion: '503' },
      ]);
      const web = snapshotOf([['10.0.0.1:8080', { address: '10.0.0.1', port: 8080 }]]);
      first.setView('endpoints/shop/web:80', web);
      first.setView('endpoints/shop/old:80', snapshotOf([]));
      first.commit();
      first.apply([change('DELETED', podKind, podObject('shop', 'gone', '10.0.0.9', '504'))]);
      first.setView('endpoints/shop/old:80', undefined);
      first.commit();
      const objectsBefore = [pods, services, slices, namespaces].map((resource) => first.view.list(resource));
      const seedsBefore = allResources.map((resource) => first.seed(resource));
      await first.close();

      const second = await Store.open({ dir: storeDir, resources: allResources, log: silentLogger });
      try {
        assert.deepEqual([pods, services, slices, namespaces].map((resource) => second.view.list(resource)), objectsBefore);
        assert.deepEqual(allResources.map((resource) => second.seed(resource)), seedsBefore);
        assert.equal(second.seed(pods).resourceVersion, '504');
        assert.equal(second.seed(services).resourceVersion, '501');
        assert.equal(second.seed(namespaces).resourceVersion, '503');
        assert.deepEqual(second.seed(pods).keys, new Map([[podKey('shop', 'web-1'), '401'], [podKey('shop', 'web-2'), '402']]));
        assert.deepEqual(second.viewKeys(), ['endpoints/shop/web:80']);
        assert.deepEqual(second.getView('endpoints/shop/web:80'), web);
        assert.equal(second.getView('endpoints/shop/old:80'), undefined);
        assert.deepEqual(names(second.view.byIndex('podIp', '10.0.0.2')), ['shop/web-2']);
        assert.deepEqual(names(second.view.byIndex('sliceService', 'shop/web')), ['shop/web-a']);
        assert.deepEqual(names(second.view.select(pods, 'shop', { matchLabels: { app: 'web' } })), ['shop/web-1', 'shop/web-2']);
        assert.ok(Object.isFrozen(second.view.get(podKey('shop', 'web-1'))?.metadata.labels));
      } finally {
        await second.close();
      }
    });

    it('creates a store directory that does not exist, and keeps what is written to it', async () => {
      const storeDir = path.join(dir, 'not', 'yet', 'there');
      const metrics = createEngineMetrics();
      const store = await Store.open({ dir: storeDir, resources: allResources, log: silentLogger, metrics });
      assert.equal(store.size(), 0);
      store.apply([change('ADDED', podKind, podObject('shop', 'web-1', '10.0.0.1', '5'))]);
      await store.close();
      assert.ok(fs.existsSync(path.join(storeDir, 'data.mdb')));
      const again = await Store.open({ dir: storeDir, resources: allResources, log: silentLogger });
      try {
        assert.equal(again.view.get(podKey('shop', 'web-1'))?.metadata.resourceVersion, '5');
      } finally {
        await again.close();
      }
    });

    it('opens an existing but empty directory as an empty store', async () => {
      const store = await Store.open({ dir, resources: allResources, log: silentLogger });
      try {
        assert.equal(store.size(), 0);
        assert.equal(store.resourceVersion(pods), undefined);
        assert.equal(store.view.synced(), false);
      } finally {
        await store.close();
      }
    });
  });

  describe('a store that cannot be trusted', function () {
    this.timeout(120_000);
    let dir: string;

    beforeEach(async () => {
      dir = path.join(tempDir(), 'store');
      await writeStore(dir);
    });

    afterEach(() => {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    });

    it('is served as written when nothing is wrong with it (the baseline)', async () => {
      const report = await reopenInChild(dir);
      assert.equal(report.size, 152);
      assert.deepEqual(report.views, ['endpoints/shop/web:80']);
      assert.equal(report.versions[pods], '900');
      assert.equal(report.versions[slices], '902');
      assert.deepEqual(report.rebuilds, []);
    });

    it('is discarded when its data.mdb is truncated to half, without crashing the process that opens it', async () => {
      const data = path.join(dir, 'data.mdb');
      fs.truncateSync(data, Math.floor(fs.statSync(data).size / 2));
      assertDiscarded(await reopenInChild(dir), 'truncated_or_corrupt');
    });

    it('is discarded when 4096 random bytes overwrite the middle of data.mdb, whatever the bytes', async () => {
      const failures: string[] = [];
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const seeded = path.join(path.dirname(dir), `seed-${seed}`);
        await writeStore(seeded);
        const data = path.join(seeded, 'data.mdb');
        const fd = fs.openSync(data, 'r+');
        try {
          fs.writeSync(fd, garbage(seed, 4096), 0, 4096, Math.floor(fs.fstatSync(fd).size / 2));
        } finally {
          fs.closeSync(fd);
        }
        const report = await reopenInChild(seeded);
        try {
          assertDiscarded(report, 'truncated_or_corrupt');
        } catch (error) {
          failures.push(`seed ${seed}: ${(error as Error).message.split('\n')[0] ?? ''} (served ${report.size} of 152 objects, ` +
            `resourceVersion ${String(report.versions[pods])}, rebuilds ${JSON.stringify(report.rebuilds)}, ` +
            `warnings ${JSON.stringify(report.warnings)})`);
        }
      }
      assert.deepEqual(failures, []);
    });

    it('is discarded when its schema version is not this build\'s', async () => {
      const root = open({ path: dir, compression: false });
      const meta = root.openDB<unknown, string>('meta', { encoding: 'json' });
      await meta.put('schema', { version: 999 });
      await root.close();
      const report = await reopenInChild(dir);
      assertDiscarded(report, 'schema');
      assert.ok(report.warnings.some((line) => line.includes('999')), report.warnings.join('\n'));
    });

    it('is a good store again once rebuilt: the next open discards nothing', async () => {
      fs.truncateSync(path.join(dir, 'data.mdb'), 4096);
      assertDiscarded(await reopenInChild(dir), 'truncated_or_corrupt');
      const report = await reopenInChild(dir);
      assert.deepEqual(report.rebuilds, []);
      assert.equal(report.size, 0);
    });
  });
});
