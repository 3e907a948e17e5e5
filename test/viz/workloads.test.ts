/**
 * Resource arguments as Linkerd's CLI reads them, and the workload inventory over the control
 * plane's store fed from an event log: pods of a resource, meshed or not, owners through
 * ReplicaSets and Jobs or the injector's labels.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/observe/logger.js';
import { parseResourceArgs, parseResourceFlag, ResourceArgError } from '../../src/viz/resource-args.js';
import { startWorkloadSource, type WorkloadSource } from '../../src/viz/workload-source.js';

describe('resource arguments', () => {
  it('read TYPE, TYPE NAME…, TYPE/NAME… with kubectl\'s short names', () => {
    assert.deepEqual(parseResourceArgs(['deploy'], 'shop'), [{ type: 'deployment', namespace: 'shop', name: '' }]);
    assert.deepEqual(parseResourceArgs(['po', 'a', 'b'], 'shop').map((r) => `${r.type}/${r.name}`), ['pod/a', 'pod/b']);
    assert.deepEqual(parseResourceArgs(['sts/db', 'rc/old', 'cj/nightly'], '').map((r) => `${r.type}/${r.name}@${r.namespace}`),
      ['statefulset/db@', 'replicationcontroller/old@', 'cronjob/nightly@']);
    assert.deepEqual(parseResourceArgs(['ns/shop'], 'other'), [{ type: 'namespace', namespace: 'shop', name: 'shop' }]);
    assert.deepEqual(parseResourceArgs(['all'], 'shop').map((r) => r.type), ['daemonset', 'statefulset', 'job', 'deployment', 'replicationcontroller', 'pod', 'service', 'cronjob', 'replicaset']);
  });

  it('name what is wrong with an argument', () => {
    assert.throws(() => parseResourceArgs(['deploys/web'], 'shop'), (error: unknown) => error instanceof ResourceArgError && /unknown resource type "deploys"/.test(error.message));
    assert.throws(() => parseResourceArgs(['deploy/Web_1'], 'shop'), /is not a Kubernetes name/);
    assert.throws(() => parseResourceArgs(['deploy/'], 'shop'), /must be TYPE\/NAME/);
    assert.throws(() => parseResourceArgs([], 'shop'), /a resource is required/);
    assert.throws(() => parseResourceFlag('--to', 'all', 'shop'), /--to: "all" is not supported as a filter/);
  });
});

const pod = (name: string, extra: { owner?: { kind: string; name: string }; labels?: Record<string, string>; meshed?: boolean; phase?: string; ip?: string }): object => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name, namespace: 'shop', resourceVersion: '1', labels: extra.labels ?? {},
    ...(extra.owner === undefined ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', ...extra.owner, controller: true }] }),
  },
  spec: {
    serviceAccountName: 'sa-' + name,
    containers: [{ name: 'app' }, ...(extra.meshed === false ? [] : [{ name: 'linkerd-proxy', ports: [{ name: 'linkerd-admin', containerPort: 4191 }, { name: 'linkerd-tap', containerPort: 4190 }] }])],
  },
  status: { phase: extra.phase ?? 'Running', podIP: extra.ip ?? '10.0.0.1' },
});

describe('the workload inventory', () => {
  let dir: string;
  let source: WorkloadSource;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-viz-workloads-'));
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', resourceVersion: '1' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty', resourceVersion: '1' } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'shop', resourceVersion: '1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }] } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'nightly-1', namespace: 'shop', resourceVersion: '1', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', controller: true }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', resourceVersion: '1' }, spec: { selector: { app: 'web' } } },
      pod('web-abc-1', { owner: { kind: 'ReplicaSet', name: 'web-abc' }, labels: { app: 'web' }, ip: '10.0.0.11' }),
      pod('web-abc-2', { owner: { kind: 'ReplicaSet', name: 'web-abc' }, labels: { app: 'web' }, meshed: false, ip: '10.0.0.12' }),
      pod('nightly-1-x', { owner: { kind: 'Job', name: 'nightly-1' }, phase: 'Failed' }),
      pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } }),
      pod('curl-1', { labels: { 'linkerd.io/proxy-deployment': 'curl' } }),
    ];
    fs.writeFileSync(path.join(dir, 'events.jsonl'), objects.map((object) => JSON.stringify({ type: 'ADDED', object })).join('\n') + '\n');
    source = await startWorkloadSource({ source: `replay:${path.join(dir, 'events.jsonl')}`, log: createLogger({ level: 'error' }) });
    await source.ready;
  });

  after(async () => {
    await source.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves a deployment to its pods through their ReplicaSet, meshed or not', () => {
    const pods = source.inventory.podsOf({ type: 'deployment', namespace: 'shop', name: 'web' });
    assert.deepEqual(pods.map((p) => [p.name, p.meshed, p.ip, p.owners.replicaset]), [['web-abc-1', true, '10.0.0.11', 'web-abc'], ['web-abc-2', false, '10.0.0.12', 'web-abc']]);
    assert.deepEqual(pods[0]?.proxyPorts, { 'linkerd-admin': 4191, 'linkerd-tap': 4190 });
  });

  it('lists workloads of every kind from owners and the injector\'s labels', () => {
    const names = (type: Parameters<typeof source.inventory.list>[0]): string[] => source.inventory.list(type, 'shop').map((r) => r.name);
    assert.deepEqual(names('deployment'), ['curl', 'web']);
    assert.deepEqual(names('cronjob'), ['nightly']);
    assert.deepEqual(names('job'), ['nightly-1']);
    assert.deepEqual(names('statefulset'), ['db']);
    assert.deepEqual(names('service'), ['web']);
    assert.deepEqual(source.inventory.namespaces(), ['empty', 'shop']);
  });

  it('resolves a service by its selector, a namespace to all its pods, and a pod by IP', () => {
    assert.deepEqual(source.inventory.podsOf({ type: 'service', namespace: 'shop', name: 'web' }).map((p) => p.name), ['web-abc-1', 'web-abc-2']);
    assert.equal(source.inventory.podsOf({ type: 'namespace', namespace: 'shop', name: 'shop' }).length, 5);
    assert.equal(source.inventory.podByIp('10.0.0.12')?.name, 'web-abc-2');
    assert.equal(source.inventory.podsOf({ type: 'cronjob', namespace: 'shop', name: 'nightly' })[0]?.phase, 'Failed');
  });
});
